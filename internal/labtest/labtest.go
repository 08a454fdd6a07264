// Package labtest connects tests to the lab domain controller started by scripts/lab.sh.
//
// Outside the project's test command a developer may run `go test ./...` without a lab; the
// lab tests then skip with a message. The test command sets ADKIT_REQUIRE_LAB=1, which turns
// a missing lab into a failure, so a CI run can never pass by skipping them.
package labtest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

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
	Missing(t, "the lab settings (ADKIT_LDAP_URL, ADKIT_BIND_USER) are not set: run `scripts/lab.sh up && eval \"$(scripts/lab.sh env)\"`, or `make test`")
}

// Missing skips a test for want of part of the lab; under the test command (ADKIT_REQUIRE_LAB=1)
// it fails it instead, so that a CI run never passes by not testing.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("ADKIT_REQUIRE_LAB") == "1" {
		t.Fatal("ADKIT_REQUIRE_LAB=1 but " + what)
	}
	t.Skip(what)
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
		// The two-DC lab's DNS (empty with one DC): how the DCs' host names resolve.
		DNSServer: os.Getenv("ADKIT_LAB_DNS_SERVER"),
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

// DialLDAP connects to the lab over LDAPS outside adkit, unbound: for what a test does that
// adkit never does (bind as a new account to check its password, delete what it created).
// The connection is closed after the test.
func DialLDAP(t testing.TB, cfg ad.Config) *ldap.Conn {
	t.Helper()
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		t.Fatalf("lab CA: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	conn, err := ldap.DialURL(cfg.URL, ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatalf("connect to the lab: %v", err)
	}
	conn.SetTimeout(cfg.Timeout)
	t.Cleanup(func() { conn.Close() })
	return conn
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
		Missing(t, "no strict lab DC ("+missing+"): run `scripts/lab.sh strict up && eval \"$(scripts/lab.sh env)\"`")
	}
	cfg.URL, cfg.CAFile = url, ca
	return cfg, krb
}

// TwoDCs is the lab's two-DC setup (scripts/lab.sh dc2 up), from `scripts/lab.sh env`.
type TwoDCs struct {
	Domain    string // lab.adkit.test
	DNSServer string // the lab DNS (dnsmasq), host:port: SRV records and the DCs' addresses
	DC1Host   string // adkitdc.lab.adkit.test, the PDC emulator
	DC2Host   string // adkitdc2.lab.adkit.test
	DC2KRB5   string // a krb5.conf whose KDC is the second DC only
	labSH     string
}

// RequireTwoDCs skips (or, under the test command, fails) unless the lab's second DC is
// joined and answering.
func RequireTwoDCs(t testing.TB) TwoDCs {
	t.Helper()
	Require(t)
	d := TwoDCs{Domain: os.Getenv("ADKIT_LAB_DOMAIN"), DNSServer: os.Getenv("ADKIT_LAB_DNS_SERVER"),
		DC1Host: os.Getenv("ADKIT_LAB_DC1_HOST"), DC2Host: os.Getenv("ADKIT_LAB_DC2_HOST"),
		DC2KRB5: os.Getenv("ADKIT_LAB_DC2_KRB5_CONFIG"), labSH: os.Getenv("ADKIT_LAB_SH")}
	missing := ""
	switch {
	case d.DNSServer == "" || d.DC2Host == "" || d.labSH == "":
		missing = "the lab has no second DC (ADKIT_LAB_DC2_HOST, ADKIT_LAB_DNS_SERVER, ADKIT_LAB_SH unset)"
	default:
		u := os.Getenv("ADKIT_LAB_DC2_URL")
		host := strings.TrimPrefix(u, "ldaps://")
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, "636"), 10*time.Second)
		if err != nil {
			missing = "the lab's second DC does not answer on " + u + ": " + err.Error()
		} else {
			conn.Close()
		}
	}
	if missing == "" {
		return d
	}
	Missing(t, missing+`: run "sudo scripts/lab.sh dc2 up" (or "scripts/lab.sh up --dcs 2") and eval "$(scripts/lab.sh env)"`)
	return d
}

// StopDC2 stops the lab's second DC for the rest of the test and starts it again (waiting
// until it answers) when the test ends. Only tests of the two-DC lab may call it.
func (d TwoDCs) StopDC2(t testing.TB) {
	t.Helper()
	d.labCmd(t, "stop")
	t.Cleanup(func() { d.labCmd(t, "start") })
}

func (d TwoDCs) labCmd(t testing.TB, verb string) {
	t.Helper()
	out, err := exec.Command("bash", d.labSH, "dc2", verb).CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/lab.sh dc2 %s: %v\n%s", verb, err, out)
	}
}
