package ad_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// These tests run against the lab's real Samba AD DC (scripts/lab.sh seeds the accounts).

func TestUserResolvesEveryAcceptedForm(t *testing.T) {
	c, _ := labtest.Connect(t)
	ctx := context.Background()
	want, err := c.User(ctx, "jdoe")
	if err != nil {
		t.Fatal(err)
	}
	if want.DN != "CN=John Doe,OU=Engineering,OU=Staff,"+c.BaseDN() || want.EmployeeID == "" || !want.Enabled {
		t.Fatalf("jdoe = %+v", want)
	}
	for _, ident := range []string{
		"jdoe", "JDOE", "jdoe@lab.adkit.test", want.Mail, want.DN, strings.ToLower(want.DN),
		want.ObjectGUID, "{" + want.ObjectGUID + "}", `ADKITLAB\jdoe`, "John Doe",
	} {
		got, err := c.User(ctx, ident)
		if err != nil {
			t.Errorf("User(%q): %v", ident, err)
			continue
		}
		if got.DN != want.DN {
			t.Errorf("User(%q) = %s, want %s", ident, got.DN, want.DN)
		}
	}
}

func TestUserNamesWithSpecialCharacters(t *testing.T) {
	c, _ := labtest.Connect(t)
	ctx := context.Background()
	for ident, wantCN := range map[string]string{
		"jsmithjr":         `CN=James Smith\, Jr.`,
		"obrien":           "CN=Conor O'Brien",
		"Conor O'Brien":    "CN=Conor O'Brien",
		"jmuller":          "CN=José Müller",
		"José Müller":      "CN=José Müller",
		"James Smith, Jr.": `CN=James Smith\, Jr.`,
	} {
		u, err := c.User(ctx, ident)
		if err != nil {
			t.Errorf("User(%q): %v", ident, err)
			continue
		}
		if !strings.HasPrefix(u.DN, wantCN+",") {
			t.Errorf("User(%q).DN = %s, want it to start with %s", ident, u.DN, wantCN)
		}
		// The DN the directory returned must itself resolve back to the account.
		if again, err := c.User(ctx, u.DN); err != nil || again.DN != u.DN {
			t.Errorf("User(%q) by its own DN: %v", u.DN, err)
		}
	}
}

func TestUserNotFoundAmbiguousAndInjection(t *testing.T) {
	c, _ := labtest.Connect(t)
	ctx := context.Background()

	var nf *directory.NotFoundError
	for _, ident := range []string{"nosuchuser", "*", "j*", "jdoe)(cn=*", "*)(|(objectClass=*", `\2a`, "CN=Nobody,DC=lab,DC=adkit,DC=test"} {
		_, err := c.User(ctx, ident)
		if !errors.As(err, &nf) {
			t.Errorf("User(%q) error = %v, want not found (input must never act as a filter)", ident, err)
		}
	}

	_, err := c.User(ctx, "Chris Lee")
	var amb *directory.AmbiguousError
	if !errors.As(err, &amb) {
		t.Fatalf("User(Chris Lee) error = %v, want ambiguous", err)
	}
	if len(amb.Candidates) != 2 || !strings.Contains(err.Error(), "clee1") || !strings.Contains(err.Error(), "clee2") {
		t.Errorf("ambiguity should list both accounts: %v", err)
	}
	if !errors.Is(err, directory.ErrNotFound) {
		t.Error("ambiguous must map to the not-found exit code")
	}

	_, err = c.User(ctx, "CN=broken,,DC=x")
	if !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("malformed DN error = %v, want invalid input", err)
	}
}

func TestUserReadsDisabledAndFlags(t *testing.T) {
	c, _ := labtest.Connect(t)
	ctx := context.Background()
	u, err := c.User(ctx, "dformer")
	if err != nil {
		t.Fatal(err)
	}
	if u.Enabled {
		t.Error("dformer is disabled in the lab but reads as enabled")
	}
	u, err = c.User(ctx, "svc-backup")
	if err != nil {
		t.Fatal(err)
	}
	if !u.PasswordNeverExpires {
		t.Error("svc-backup has DONT_EXPIRE_PASSWORD but reads as expiring")
	}
}

func TestConnectFailuresAreExplained(t *testing.T) {
	base := labtest.Config(t)
	trail, _ := labtest.Trail(t, false)
	ctx := context.Background()
	tests := []struct {
		name string
		edit func(*ad.Config)
		want string
	}{
		{"wrong password", func(c *ad.Config) { c.Password = secretOf("not-the-password") }, "wrong user name or password"},
		{"untrusted CA", func(c *ad.Config) { c.CAFile = "" }, "not signed by a CA this machine trusts"},
		{"refused", func(c *ad.Config) { c.URL = "ldaps://127.0.0.1:1" }, "connection refused"},
		{"does not resolve", func(c *ad.Config) { c.URL = "ldaps://no-such-dc.invalid" }, "does not resolve"},
		{"plain port with ldaps", func(c *ad.Config) { c.URL = "ldaps://localhost:389" }, "TLS handshake"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.edit(&cfg)
			_, err := ad.Connect(ctx, cfg, trail)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), base.Password.Reveal()) {
				t.Fatal("the error message contains the bind password")
			}
		})
	}
}

func TestConnectBindForms(t *testing.T) {
	base := labtest.Config(t)
	trail, _ := labtest.Trail(t, false)
	for _, user := range []string{"Administrator@lab.adkit.test", `ADKITLAB\Administrator`, "CN=Administrator,CN=Users," + base.BaseDN} {
		cfg := base
		cfg.BindUser = user
		c, err := ad.Connect(context.Background(), cfg, trail)
		if err != nil {
			t.Errorf("bind as %s: %v", user, err)
			continue
		}
		c.Close()
	}
}

func TestStartTLS(t *testing.T) {
	cfg := labtest.Config(t)
	cfg.URL = "ldap://localhost"
	trail, _ := labtest.Trail(t, false)
	c := labtest.ConnectWith(t, cfg, trail)
	if _, err := c.User(context.Background(), "jdoe"); err != nil {
		t.Fatal(err)
	}
}

// A display name with a backslash ("Sales\EMEA Desk") is found by that name: it is not only
// read as DOMAIN\user, which would look for the logon name "EMEA Desk ..." and find nothing.
func TestUserDisplayNameWithBackslash(t *testing.T) {
	c, _, ctx := parallelLab(t)
	display := `Sales\EMEA ` + labtest.UniqueName("d")
	u, _ := newLabUser(t, c, staffOU(c), func(nu *directory.NewUser) { nu.DisplayName = display })
	for _, ident := range []string{display, `ADKITLAB\` + u.SAMAccountName} {
		got, err := c.User(ctx, ident)
		if err != nil {
			t.Errorf("User(%q): %v", ident, err)
			continue
		}
		if got.DN != u.DN {
			t.Errorf("User(%q) = %s, want %s", ident, got.DN, u.DN)
		}
	}
}
