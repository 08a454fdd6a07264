// Package labtest connects tests to the lab domain controller started by scripts/lab.sh.
//
// Outside the project's test command a developer may run `go test ./...` without a lab; the
// lab tests then skip with a message. The test command sets ADKIT_REQUIRE_LAB=1, which turns
// a missing lab into a failure, so a CI run can never pass by skipping them.
package labtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/secret"
)

// Require skips (or, under the test command, fails) when the lab's settings are absent.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv("ADKIT_LDAP_URL") != "" && os.Getenv("ADKIT_BIND_USER") != "" {
		return
	}
	if os.Getenv("ADKIT_REQUIRE_LAB") == "1" {
		t.Fatal("ADKIT_REQUIRE_LAB=1 but the lab settings (ADKIT_LDAP_URL, ADKIT_BIND_USER) are not set: run `eval \"$(scripts/lab.sh env)\"`")
	}
	t.Skip("no lab domain: run `scripts/lab.sh up && eval \"$(scripts/lab.sh env)\"`, or `make test`")
}

// Config returns the lab's admin connection settings.
func Config(t testing.TB) ad.Config {
	t.Helper()
	Require(t)
	pw := os.Getenv("ADKIT_BIND_PASSWORD")
	if pw == "" {
		if f := os.Getenv("ADKIT_BIND_PASSWORD_FILE"); f != "" {
			s, err := secret.FromFile(f)
			if err != nil {
				t.Fatalf("lab bind password: %v", err)
			}
			pw = s.Reveal()
		}
	}
	return ad.Config{
		URL:      os.Getenv("ADKIT_LDAP_URL"),
		BaseDN:   os.Getenv("ADKIT_BASE_DN"),
		BindUser: os.Getenv("ADKIT_BIND_USER"),
		Password: secret.New(pw),
		CAFile:   os.Getenv("ADKIT_CA_FILE"),
		Timeout:  30 * time.Second,
	}
}

// Trail returns an audit trail writing to a fresh log in the test's temp dir, and its path.
func Trail(t testing.TB, dryRun bool) (*audit.Trail, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	return audit.NewTrail(audit.TrailOptions{
		Sink:   audit.OpenFileLog(path),
		Actor:  audit.Actor{OSUser: "test", Host: "test", BindIdentity: os.Getenv("ADKIT_BIND_USER")},
		Ticket: "TEST-" + t.Name(),
		DryRun: dryRun,
	}), path
}

// Connect connects as the lab admin with an audit trail in the test's temp dir.
func Connect(t testing.TB) (*ad.Client, string) {
	t.Helper()
	trail, path := Trail(t, false)
	return ConnectWith(t, Config(t), trail), path
}

// ConnectWith connects with the given settings and trail and closes the client after the test.
func ConnectWith(t testing.TB, cfg ad.Config, trail *audit.Trail) *ad.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := ad.Connect(ctx, cfg, trail)
	if err != nil {
		t.Fatalf("connect to the lab: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// UniqueName returns a short name unique to this test run, usable as a sAMAccountName
// (at most 20 characters).
func UniqueName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := strings.ToLower(prefix) + hex.EncodeToString(b)
	if len(name) > 20 {
		name = name[len(name)-20:]
	}
	return name
}

// LabDir is the lab's state directory.
func LabDir() string {
	if d := os.Getenv("ADKIT_LAB_DIR"); d != "" {
		return d
	}
	return "/var/tmp/adkit-lab"
}

// HelpdeskConfig returns connection settings for the lab's delegated help-desk account.
func HelpdeskConfig(t testing.TB) ad.Config {
	t.Helper()
	cfg := Config(t)
	user, file := os.Getenv("ADKIT_LAB_HELPDESK_USER"), os.Getenv("ADKIT_LAB_HELPDESK_PASSWORD_FILE")
	if user == "" || file == "" {
		t.Fatal("ADKIT_LAB_HELPDESK_USER / ADKIT_LAB_HELPDESK_PASSWORD_FILE not set: eval \"$(scripts/lab.sh env)\"")
	}
	pw, err := secret.FromFile(file)
	if err != nil {
		t.Fatalf("help-desk password: %v", err)
	}
	cfg.BindUser, cfg.Password = user, pw
	return cfg
}

// StrictConfig returns the lab admin's settings for the strict DC (`scripts/lab.sh strict up`):
// a copy of the lab domain running Samba's default "ldap server require strong auth = yes", and
// the krb5.conf whose KDC is that DC. Like Require, it skips without the strict DC unless
// ADKIT_REQUIRE_LAB=1, which makes its absence a failure.
func StrictConfig(t testing.TB) (cfg ad.Config, krb5Conf string) {
	t.Helper()
	cfg = Config(t)
	url, ca, krb := os.Getenv("ADKIT_LAB_STRICT_URL"), os.Getenv("ADKIT_LAB_STRICT_CA_FILE"), os.Getenv("ADKIT_LAB_STRICT_KRB5_CONFIG")
	missing := ""
	if url == "" || ca == "" || krb == "" {
		missing = "ADKIT_LAB_STRICT_URL, ADKIT_LAB_STRICT_CA_FILE or ADKIT_LAB_STRICT_KRB5_CONFIG is not set"
	} else if c, err := net.DialTimeout("tcp", net.JoinHostPort(strings.TrimPrefix(url, "ldaps://"), "636"), 5*time.Second); err != nil {
		missing = "the strict DC does not answer: " + err.Error()
	} else {
		c.Close()
	}
	if missing != "" {
		if os.Getenv("ADKIT_REQUIRE_LAB") == "1" {
			t.Fatalf("ADKIT_REQUIRE_LAB=1 but %s: run `scripts/lab.sh strict up && eval \"$(scripts/lab.sh env)\"`", missing)
		}
		t.Skipf("no strict lab DC (%s): run `scripts/lab.sh strict up`", missing)
	}
	cfg.URL, cfg.CAFile = url, ca
	return cfg, krb
}
