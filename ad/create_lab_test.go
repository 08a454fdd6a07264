package ad_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
	"github.com/adkit-dev/adkit/internal/secret"
)

func TestCreateUserWithEverything(t *testing.T) {
	c, logPath, ctx := parallelLab(t)
	g1 := labtest.UniqueName("g")
	g1DN := newLabGroup(t, c, "", g1, g1, "")
	g2 := labtest.UniqueName("g")
	g2DN := newLabGroup(t, c, "", g2, g2, "")

	sam := labtest.UniqueName("n")
	expires := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second)
	nu := directory.NewUser{
		GivenName:      "Nina",
		Surname:        "New-" + sam,
		SAMAccountName: sam,
		OU:             salesOU(c),
		Mail:           sam + "@" + labDomain,
		EmployeeID:     "T-" + sam,
		Department:     "Sales",
		Title:          "Account Executive",
		Manager:        "jdoe",
		Description:    "created by " + t.Name(),
		AccountExpires: &expires,
		MustChange:     true,
		Groups:         []string{g1, g2DN},
	}
	deleteUserAtCleanup(t, c, sam)
	res, err := c.CreateUser(ctx, nu)
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	wantDN := "CN=Nina New-" + sam + "," + salesOU(c)
	if res.DN != wantDN || !res.Generated || len(res.Password.Reveal()) < 16 {
		t.Errorf("result: DN %s, generated %v, password length %d; want %s, generated, at least 16", res.DN, res.Generated, len(res.Password.Reveal()), wantDN)
	}

	u := readUser(t, c, sam)
	jdoe := readUser(t, c, "jdoe")
	checks := []struct{ field, got, want string }{
		{"dn", u.DN, wantDN},
		{"sAMAccountName", u.SAMAccountName, sam},
		{"userPrincipalName", u.UserPrincipalName, sam + "@" + labDomain},
		{"givenName", u.GivenName, "Nina"},
		{"sn", u.Surname, "New-" + sam},
		{"displayName", u.DisplayName, "Nina New-" + sam},
		{"mail", u.Mail, nu.Mail},
		{"employeeID", u.EmployeeID, nu.EmployeeID},
		{"department", u.Department, "Sales"},
		{"title", u.Title, "Account Executive"},
		{"manager", u.Manager, jdoe.DN},
		{"description", u.Description, nu.Description},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.field, ch.got, ch.want)
		}
	}
	if u.AccountExpires == nil || !u.AccountExpires.Equal(expires) {
		t.Errorf("accountExpires = %v, want %v", u.AccountExpires, expires)
	}
	if !u.Enabled || !u.MustChangePassword || u.Locked {
		t.Errorf("enabled %v, must change %v, locked %v; want enabled, must change, not locked", u.Enabled, u.MustChangePassword, u.Locked)
	}
	if !slices.Contains(u.MemberOf, g1DN) || !slices.Contains(u.MemberOf, g2DN) || len(u.MemberOf) != 2 {
		t.Errorf("memberOf = %v, want exactly [%s %s]", u.MemberOf, g1DN, g2DN)
	}
	if u.PrimaryGroupID != 513 {
		t.Errorf("primaryGroupID = %d, want 513 (Domain Users)", u.PrimaryGroupID)
	}
	if _, err := connectAs(t, sam+"@"+labDomain, res.Password.Reveal()); err == nil || !strings.Contains(err.Error(), "must be changed") {
		t.Errorf("bind as the new account: %v, want \"must be changed\"", err)
	}

	if got := pairs(t, auditRecords(t, logPath, "user.create")); !slices.Equal(got, []string{"ok"}) {
		t.Errorf("user.create outcomes = %v, want [ok]", got)
	}
	if got := pairs(t, auditRecords(t, logPath, "group.add_member")); !slices.Equal(got, []string{"ok", "ok"}) {
		t.Errorf("group.add_member outcomes = %v, want [ok ok]", got)
	}
	assertNoSecrets(t, logPath, res.Password.Reveal())

	// The account's primary group is already a membership: listing it is not an error.
	sam2 := labtest.UniqueName("n")
	deleteUserAtCleanup(t, c, sam2)
	res2, err := c.CreateUser(ctx, directory.NewUser{GivenName: "Pat", Surname: sam2, SAMAccountName: sam2, OU: staffOU(c),
		Password: secret.New(testPassword()), Groups: []string{"Domain Users", g1}})
	if err != nil {
		t.Fatalf("CreateUser with Domain Users among its groups: %v", err)
	}
	if got := readUser(t, c, sam2); !slices.Equal(got.MemberOf, []string{g1DN}) || res2.DN != got.DN {
		t.Errorf("memberOf = %v, want [%s]", got.MemberOf, g1DN)
	}
}

func TestCreateUserRefusesBadInputAndCreatesNothing(t *testing.T) {
	c, logPath, ctx := parallelLab(t)
	existing, _ := newLabUser(t, c, staffOU(c), func(nu *directory.NewUser) { nu.Mail = nu.SAMAccountName + ".mail@" + labDomain })

	fresh := func() directory.NewUser {
		sam := labtest.UniqueName("x")
		deleteUserAtCleanup(t, c, sam) // in case a refusal is not one
		return directory.NewUser{GivenName: "Refused", Surname: sam, SAMAccountName: sam, OU: staffOU(c), Password: secret.New(testPassword())}
	}
	assertNotCreated := func(t *testing.T, nu directory.NewUser) {
		t.Helper()
		if !strings.EqualFold(nu.SAMAccountName, existing.SAMAccountName) {
			_, err := c.User(ctx, nu.SAMAccountName)
			mustNotFound(t, err, "the refused account "+nu.SAMAccountName)
		}
		if strings.TrimSpace(nu.Surname) != "" {
			_, err := c.User(ctx, "Refused "+nu.Surname)
			mustNotFound(t, err, "the refused account's display name")
		}
		if again := readUser(t, c, existing.SAMAccountName); again.DN != existing.DN || again.DisplayName != existing.DisplayName {
			t.Fatalf("the existing account changed: %s", again.DN)
		}
	}

	tests := []struct {
		name  string
		edit  func(*directory.NewUser)
		check func(error) bool
		want  string
	}{
		{"taken sam", func(nu *directory.NewUser) { nu.SAMAccountName = existing.SAMAccountName },
			func(err error) bool { return errors.Is(err, directory.ErrInvalidInput) }, "already used"},
		{"taken sam, other case", func(nu *directory.NewUser) { nu.SAMAccountName = strings.ToUpper(existing.SAMAccountName) },
			func(err error) bool { return errors.Is(err, directory.ErrInvalidInput) }, "already used"},
		{"taken mail", func(nu *directory.NewUser) { nu.Mail = existing.Mail },
			func(err error) bool { return errors.Is(err, directory.ErrInvalidInput) }, "already used"},
		{"taken UPN", func(nu *directory.NewUser) { nu.UserPrincipalName = existing.UserPrincipalName },
			func(err error) bool { return errors.Is(err, directory.ErrInvalidInput) }, "already used"},
		{"unknown group", func(nu *directory.NewUser) { nu.Groups = []string{"Staff", "No Such Group"} },
			func(err error) bool { var nf *directory.NotFoundError; return errors.As(err, &nf) }, "No Such Group"},
		{"unknown manager", func(nu *directory.NewUser) { nu.Manager = "nosuchmanager" },
			func(err error) bool { var nf *directory.NotFoundError; return errors.As(err, &nf) }, "manager"},
		{"missing OU", func(nu *directory.NewUser) { nu.OU = "OU=Nowhere," + c.BaseDN() },
			func(err error) bool { var nf *directory.NotFoundError; return errors.As(err, &nf) }, "OU=Nowhere"},
		{"weak password", func(nu *directory.NewUser) { nu.Password = secret.New("short") },
			func(err error) bool { return errors.Is(err, directory.ErrInvalidInput) }, "shorter"},
		{"sam too long", func(nu *directory.NewUser) { nu.SAMAccountName = "abcdefghijklmnopqrstu" },
			func(err error) bool { return errors.Is(err, directory.ErrInvalidInput) }, "longer than 20"},
		{"sam with a bad character", func(nu *directory.NewUser) { nu.SAMAccountName = "a*b" },
			func(err error) bool { return errors.Is(err, directory.ErrInvalidInput) }, "does not allow"},
		{"no surname", func(nu *directory.NewUser) { nu.Surname = " " },
			func(err error) bool { return errors.Is(err, directory.ErrInvalidInput) }, "surname"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nu := fresh()
			tt.edit(&nu)
			_, err := c.CreateUser(ctx, nu)
			if err == nil || !tt.check(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want the right kind, mentioning %q", err, tt.want)
			}
			assertNotCreated(t, nu)
		})
	}
	if recs := auditRecords(t, logPath, "user.create"); len(recs) != 2 {
		t.Errorf("%d user.create records, want only the existing account's intent+outcome: refusals attempt nothing", len(recs))
	}
}

func TestCreateUserEscapesTheDN(t *testing.T) {
	c, _, ctx := parallelLab(t)
	for _, display := range []string{
		"O'Neil, Jr. + Co " + labtest.UniqueName(""),
		`#Hash; "Quoted" <Angle> ` + labtest.UniqueName(""),
		`Ends With Backslash ` + labtest.UniqueName("") + `\`,
	} {
		u, _ := newLabUser(t, c, staffOU(c), func(nu *directory.NewUser) { nu.DisplayName = display })
		dn, err := ldap.ParseDN(u.DN)
		if err != nil {
			t.Fatalf("%q: the directory's DN %q does not parse: %v", display, u.DN, err)
		}
		if got := dn.RDNs[0].Attributes[0].Value; got != display || len(dn.RDNs) != 5 {
			t.Errorf("%q: DN %s has CN %q and %d RDNs", display, u.DN, got, len(dn.RDNs))
		}
		for _, ident := range []string{u.DN, display, u.SAMAccountName} {
			if got, err := c.User(ctx, ident); err != nil || got.DN != u.DN || got.DisplayName != display {
				t.Errorf("User(%q): %v", ident, err)
			}
		}

		// Moving keeps the name, whatever it holds.
		out, err := c.MoveUser(ctx, u.SAMAccountName, salesOU(c))
		if err != nil || !out.Changed {
			t.Fatalf("move %q to Sales: changed=%v err=%v", display, out.Changed, err)
		}
		moved := readUser(t, c, u.SAMAccountName)
		if mdn, err := ldap.ParseDN(moved.DN); err != nil || mdn.RDNs[0].Attributes[0].Value != display ||
			!strings.HasSuffix(moved.DN, ","+salesOU(c)) || moved.ObjectGUID != u.ObjectGUID {
			t.Fatalf("after the move %q is at %s (%v)", display, moved.DN, err)
		}
		if _, err := c.MoveUser(ctx, moved.DN, staffOU(c)); err != nil {
			t.Fatalf("move %q back: %v", display, err)
		}
		if back := readUser(t, c, u.SAMAccountName); back.DN != u.DN {
			t.Fatalf("moved back to %s, want %s", back.DN, u.DN)
		}
	}
}

func TestMoveUser(t *testing.T) {
	c, logPath, ctx := parallelLab(t)
	u, _ := newLabUser(t, c, staffOU(c))
	sales := strings.ToLower(salesOU(c)) // any case names the OU

	out, err := c.MoveUser(ctx, u.SAMAccountName, sales)
	if err != nil || !out.Changed {
		t.Fatalf("MoveUser to Sales: changed=%v err=%v", out.Changed, err)
	}
	got := readUser(t, c, u.SAMAccountName)
	if want := strings.SplitN(u.DN, ",", 2)[0] + "," + salesOU(c); !strings.EqualFold(got.DN, want) {
		t.Fatalf("after the move: %s, want %s", got.DN, want)
	}
	out, err = c.MoveUser(ctx, u.SAMAccountName, salesOU(c))
	if err != nil || out.Changed || !strings.Contains(out.Note, "already in") {
		t.Errorf("moving to where it is: changed=%v note=%q err=%v", out.Changed, out.Note, err)
	}

	_, err = c.MoveUser(ctx, u.SAMAccountName, "OU=Nowhere,"+c.BaseDN())
	mustNotFound(t, err, "MoveUser to OU=Nowhere")
	if _, err := c.MoveUser(ctx, u.SAMAccountName, "OU=,,bad"); !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("MoveUser to a malformed DN: %v, want invalid input", err)
	}
	// Into a group or another account: refused as bad input before the directory is asked.
	for _, notOU := range []string{"CN=Staff," + groupsOU(c), "CN=John Doe,OU=Engineering," + staffOU(c)} {
		_, err := c.MoveUser(ctx, u.SAMAccountName, notOU)
		if !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "not an OU") {
			t.Errorf("MoveUser into %s: %v, want invalid input saying it is not an OU", notOU, err)
		}
	}
	_, err = c.MoveUser(ctx, "nosuchuser", staffOU(c))
	mustNotFound(t, err, "MoveUser(nosuchuser)")
	if still := readUser(t, c, u.SAMAccountName); still.DN != got.DN {
		t.Fatalf("a refused move moved the account to %s", still.DN)
	}

	if _, err := c.MoveUser(ctx, u.SAMAccountName, staffOU(c)); err != nil {
		t.Fatal(err)
	}
	if back := readUser(t, c, u.SAMAccountName); back.DN != u.DN {
		t.Fatalf("moved back to %s, want %s", back.DN, u.DN)
	}
	if got := pairs(t, auditRecords(t, logPath, "user.move")); !slices.Equal(got, []string{"ok", "skipped", "ok"}) {
		t.Errorf("user.move outcomes = %v, want [ok skipped ok]", got)
	}
}
