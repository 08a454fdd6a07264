package ad_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// A second "Maria Hale" in the same OU: the dry run names the account the way the real run
// will ("Maria Hale (mhale2)") instead of promising a name the directory then refuses, and the
// real run creates it so. A dry run also finds every other clash the real run would hit.
func TestCreateUserResolvesANameTakenInTheOU(t *testing.T) {
	admin, _, ctx := parallelLab(t)
	surname := "Hale-" + labtest.UniqueName("c")
	first, _ := newLabUser(t, admin, salesOU(admin), func(nu *directory.NewUser) { nu.GivenName, nu.Surname = "Maria", surname })

	sam := labtest.UniqueName("n")
	nu := directory.NewUser{GivenName: "Maria", Surname: surname, SAMAccountName: sam, OU: salesOU(admin), Password: secretOf(testPassword())}
	wantDN := "CN=Maria " + surname + " (" + sam + ")," + salesOU(admin)

	trail, _ := labtest.Trail(t, true)
	dry := labtest.ConnectWith(t, labtest.Config(t), trail)
	res, err := dry.CreateUser(ctx, nu)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if !strings.EqualFold(res.DN, wantDN) || !strings.Contains(res.Renamed, "already taken") {
		t.Errorf("dry run: DN %s (renamed: %q); want %s, saying why", res.DN, res.Renamed, wantDN)
	}

	deleteUserAtCleanup(t, admin, sam)
	res, err = admin.CreateUser(ctx, nu)
	if err != nil {
		t.Fatalf("real run after the dry run said it would work: %v", err)
	}
	if got := readUser(t, admin, sam); !strings.EqualFold(got.DN, wantDN) || got.DisplayName != "Maria "+surname {
		t.Errorf("created %s (display name %q); want %s, display name unchanged", got.DN, got.DisplayName, wantDN)
	}

	// Every other clash is found by the dry run, before anything is written.
	for name, edit := range map[string]func(*directory.NewUser){
		"logon name": func(n *directory.NewUser) { n.SAMAccountName = first.SAMAccountName },
		"UPN":        func(n *directory.NewUser) { n.UserPrincipalName = first.UserPrincipalName },
		"mail":       func(n *directory.NewUser) { n.Mail = first.UserPrincipalName }, // taken as a UPN: mail must be unique too
	} {
		n := nu
		n.SAMAccountName = labtest.UniqueName("d")
		edit(&n)
		_, err := dry.CreateUser(ctx, n)
		if !errors.Is(err, directory.ErrInvalidInput) {
			t.Errorf("dry run with a taken %s: error = %v, want invalid input", name, err)
		}
	}
}
