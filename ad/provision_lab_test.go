package ad_test

import (
	"context"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
	"github.com/adkit-dev/adkit/internal/secret"
)

// TestCreateAccountIsIdempotentByEmployeeID is what a re-run of onboarding rests on: creating
// the same hire again returns the account that exists (created=false) instead of failing or
// making a second one, while a different person whose name collides is still an error.
func TestCreateAccountIsIdempotentByEmployeeID(t *testing.T) {
	admin, _ := labtest.Connect(t)
	ctx := context.Background()
	sam := labtest.UniqueName("idem")
	deleteUserAtCleanup(t, admin, sam)
	a := directory.NewAccount{
		DN: "CN=Idem " + sam + "," + staffOU(admin), SAMAccountName: sam, UserPrincipalName: sam + "@lab.adkit.test",
		GivenName: "Idem", Surname: sam, DisplayName: "Idem " + sam, EmployeeID: "X" + sam,
		Password: secret.New(testPassword()), MustChangePassword: true,
	}
	u, created, err := admin.CreateAccount(ctx, a)
	if err != nil || !created {
		t.Fatalf("first CreateAccount = created %v, %v", created, err)
	}
	again, created, err := admin.CreateAccount(ctx, a)
	if err != nil || created || again.DN != u.DN {
		t.Fatalf("second CreateAccount = %+v, created %v, %v; want the existing account, created=false", again, created, err)
	}
	found, err := admin.ExistingByEmployeeID(ctx, []string{a.EmployeeID})
	if err != nil || len(found) != 1 {
		t.Fatalf("accounts with employee ID %s: %v, %v; want exactly one", a.EmployeeID, found, err)
	}

	// Same name, another person: a real conflict, reported.
	other := a
	other.EmployeeID = "Y" + sam
	if _, created, err := admin.CreateAccount(ctx, other); err == nil || created || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("colliding CreateAccount for another employee = created %v, %v; want an 'already exists' error", created, err)
	}
}
