package ad_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/secret"
)

func secretOf(s string) secret.Secret { return secret.New(s) }

// kinitCache gets principal a ticket with the real kinit into a fresh cache, the password on its
// stdin (never in argv), from the KDC of krb5Conf ("" for KRB5_CONFIG), and returns the cache.
func kinitCache(t *testing.T, principal, pw, krb5Conf string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("kinit")
	if err != nil {
		t.Fatal("kinit not found: scripts/lab.sh installs krb5-user")
	}
	ccache := filepath.Join(t.TempDir(), "krb5cc")
	cmd := exec.Command(bin, principal)
	cmd.Env = append(os.Environ(), "KRB5CCNAME=FILE:"+ccache)
	if krb5Conf != "" {
		cmd.Env = append(cmd.Env, "KRB5_CONFIG="+krb5Conf)
	}
	cmd.Stdin = strings.NewReader(pw + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("kinit: %w: %s", err, out)
	}
	return ccache, nil
}
