package ad_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
	"github.com/adkit-dev/adkit/internal/secret"
)

// Fixtures shared by the lab tests. Every test makes its own accounts and groups (unique
// names, deleted in t.Cleanup), so tests of other packages running against the same DC at the
// same time see the seeded data unchanged.

const labDomain = "lab.adkit.test"

func staffOU(c *ad.Client) string  { return "OU=Staff," + c.BaseDN() }
func salesOU(c *ad.Client) string  { return "OU=Sales,OU=Staff," + c.BaseDN() }
func groupsOU(c *ad.Client) string { return "OU=Groups," + c.BaseDN() }

// parallelLab starts a lab test the way most begin: in parallel with the others (each makes
// its own objects), connected as the lab's admin with an audit log of its own, whose path it
// returns with the client and a context.
func parallelLab(t *testing.T) (*ad.Client, string, context.Context) {
	t.Helper()
	t.Parallel()
	c, logPath := labtest.Connect(t)
	return c, logPath, context.Background()
}

// testPassword returns a fresh password the lab's policy accepts.
func testPassword() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "Tq7-" + hex.EncodeToString(b) + "-Zk!"
}

// newLabUser creates an enabled account in ou with a known password (no must-change) and
// deletes it when the test ends. edit may adjust the request.
func newLabUser(t *testing.T, admin *ad.Client, ou string, edit ...func(*directory.NewUser)) (*directory.User, string) {
	t.Helper()
	sam := labtest.UniqueName("t")
	pw := testPassword()
	nu := directory.NewUser{
		GivenName:      "Test",
		Surname:        sam,
		SAMAccountName: sam,
		OU:             ou,
		Password:       secret.New(pw),
	}
	for _, e := range edit {
		e(&nu)
	}
	res, err := admin.CreateUser(context.Background(), nu)
	if res.DN != "" {
		deleteUserAtCleanup(t, admin, nu.SAMAccountName)
	}
	if err != nil {
		t.Fatalf("create test user %s: %v", nu.SAMAccountName, err)
	}
	return res.User, pw
}

// deleteUserAtCleanup deletes the account named sam when the test ends, wherever it is then.
func deleteUserAtCleanup(t *testing.T, admin *ad.Client, sam string) {
	t.Cleanup(func() {
		ctx := context.Background()
		u, err := admin.User(ctx, sam)
		if errors.Is(err, directory.ErrNotFound) {
			return
		}
		if err == nil {
			err = admin.DeleteForTest(ctx, u.DN)
		}
		if err != nil {
			t.Errorf("cleanup: delete test user %s: %v", sam, err)
		}
	})
}

// newLabGroup creates a global security group in OU=Groups (or parent) and deletes it at cleanup.
func newLabGroup(t *testing.T, admin *ad.Client, parent, cn, sam, mail string) string {
	t.Helper()
	if parent == "" {
		parent = groupsOU(admin)
	}
	dn := "CN=" + ldap.EscapeDN(cn) + "," + parent
	if err := admin.CreateGroupForTest(context.Background(), dn, sam, mail); err != nil {
		t.Fatalf("create test group %s: %v", dn, err)
	}
	t.Cleanup(func() {
		if err := admin.DeleteForTest(context.Background(), dn); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			t.Errorf("cleanup: delete test group %s: %v", dn, err)
		}
	})
	return dn
}

// readUser reads an account afresh.
func readUser(t *testing.T, c *ad.Client, ident string) *directory.User {
	t.Helper()
	u, err := c.User(context.Background(), ident)
	if err != nil {
		t.Fatalf("read back %s: %v", ident, err)
	}
	return u
}

// rawBind does a simple bind over LDAPS with plain go-ldap, as a workstation logon would.
func rawBind(t *testing.T, upn, pw string) error {
	t.Helper()
	return labtest.DialLDAP(t, labtest.Config(t)).Bind(upn, pw)
}

// connectAs connects through ad.Connect as another account, so its error explanations apply.
func connectAs(t *testing.T, user, pw string) (*ad.Client, error) {
	t.Helper()
	cfg := labtest.Config(t)
	cfg.BindUser, cfg.Password = user, secret.New(pw)
	trail, _ := labtest.Trail(t, false)
	c, err := ad.Connect(context.Background(), cfg, trail)
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// lockOut locks an account for real: bad passwords until the DC says it is locked.
func lockOut(t *testing.T, c *ad.Client, sam string) {
	t.Helper()
	upn := sam + "@" + labDomain
	for i := 0; i < 5; i++ {
		err := rawBind(t, upn, "Wrong-Password-1")
		if !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			t.Fatalf("bad-password bind %d as %s: %v, want invalid credentials", i+1, upn, err)
		}
	}
	u := readUser(t, c, sam)
	if !u.Locked || u.LockoutTime == nil {
		t.Fatalf("%s after 5 bad passwords (threshold 5): locked=%v lockoutTime=%v badPwdCount=%d, want locked",
			sam, u.Locked, u.LockoutTime, u.BadPwdCount)
	}
}

// auditRecords reads a test's audit log, checks its hash chain and returns the records with
// the given action (all of them when action is "").
func auditRecords(t *testing.T, path, action string) []audit.Record {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read audit log: %v", err)
	}
	res, err := audit.Verify(bytes.NewReader(data))
	if err != nil || res.Problem != nil {
		t.Fatalf("audit log does not verify: err=%v problem=%v", err, res.Problem)
	}
	var out []audit.Record
	err = audit.ReadRecords(bytes.NewReader(data), audit.Filter{Action: action}, func(r audit.Record) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatalf("read audit records: %v", err)
	}
	return out
}

// pairs checks that records come as intent+outcome pairs and returns the outcomes' results.
func pairs(t *testing.T, recs []audit.Record) []string {
	t.Helper()
	if len(recs)%2 != 0 {
		t.Fatalf("%d records: want intent+outcome pairs", len(recs))
	}
	var results []string
	for i := 0; i < len(recs); i += 2 {
		in, out := recs[i], recs[i+1]
		if in.Event != audit.EventIntent || out.Event != audit.EventOutcome || in.OpID != out.OpID || in.OpID == "" {
			t.Fatalf("records %d,%d are not an intent+outcome pair: %+v / %+v", i, i+1, in, out)
		}
		if in.Result != "" {
			t.Errorf("intent record has a result %q", in.Result)
		}
		results = append(results, out.Result)
	}
	return results
}

// assertNoSecrets fails if the raw log holds any of the secrets, as text or JSON-escaped
// (Go escapes &, < and > in JSON strings).
func assertNoSecrets(t *testing.T, path string, secrets ...string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read audit log: %v", err)
	}
	if len(data) == 0 {
		t.Fatal("the audit log is empty; the secret check would prove nothing")
	}
	for _, s := range secrets {
		if s == "" {
			t.Fatal("assertNoSecrets: empty secret")
		}
		enc, _ := json.Marshal(s)
		for _, form := range []string{s, strings.Trim(string(enc), `"`)} {
			if bytes.Contains(data, []byte(form)) {
				t.Errorf("the audit log contains a password (%d characters)", len(s))
			}
		}
	}
}

func mustNotFound(t *testing.T, err error, what string) {
	t.Helper()
	var nf *directory.NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("%s: error = %v, want a NotFoundError", what, err)
	}
}
