package ad_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// TestKerberosBind gets a ticket from the lab's KDC with the real kinit and binds with it:
// no password reaches adkit.
func TestKerberosBind(t *testing.T) {
	cfg := labtest.Config(t)
	kinit, err := exec.LookPath("kinit")
	if err != nil {
		t.Fatal("kinit not found: scripts/lab.sh installs krb5-user")
	}
	ccache := filepath.Join(t.TempDir(), "krb5cc")
	cmd := exec.Command(kinit, "Administrator@LAB.ADKIT.TEST")
	cmd.Env = append(os.Environ(), "KRB5CCNAME=FILE:"+ccache)
	cmd.Stdin = strings.NewReader(cfg.Password.Reveal() + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kinit: %v\n%s", err, out)
	}

	cfg.Kerberos, cfg.KerberosCache, cfg.BindUser = true, ccache, ""
	cfg.Password = secretOf("")
	principal, err := ad.KerberosPrincipal(cfg)
	if err != nil || principal != "Administrator@LAB.ADKIT.TEST" {
		t.Fatalf("KerberosPrincipal = %q, %v", principal, err)
	}
	trail, _ := labtest.Trail(t, false)
	c := labtest.ConnectWith(t, cfg, trail)
	if c.BindIdentity() != "Administrator@LAB.ADKIT.TEST" {
		t.Errorf("BindIdentity = %q", c.BindIdentity())
	}
	if _, err := c.User(context.Background(), "jdoe"); err != nil {
		t.Fatalf("search after a Kerberos bind: %v", err)
	}

	// No ticket: a clear message that says to run kinit.
	cfg.KerberosCache = filepath.Join(t.TempDir(), "none")
	_, err = ad.Connect(context.Background(), cfg, trail)
	if err == nil || !strings.Contains(err.Error(), "kinit") {
		t.Errorf("error without a ticket = %v, want a hint to run kinit", err)
	}
}
