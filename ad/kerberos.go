package ad

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/jcmturner/gokrb5/v8/credentials"
)

// kerberosPaths resolves the krb5.conf and ticket cache the way the MIT tools do.
func kerberosPaths(cfg Config) (krbConf, ccache string) {
	krbConf = firstNonEmpty(cfg.KerberosConfig, os.Getenv("KRB5_CONFIG"), "/etc/krb5.conf")
	ccache = firstNonEmpty(cfg.KerberosCache, os.Getenv("KRB5CCNAME"), fmt.Sprintf("/tmp/krb5cc_%d", os.Getuid()))
	return krbConf, strings.TrimPrefix(ccache, "FILE:")
}

// KerberosPrincipal names who the ticket cache authenticates as ("jdoe@CORP.EXAMPLE.COM"),
// for audit records written before the bind.
func KerberosPrincipal(cfg Config) (string, error) {
	if chooseKerberosSource(runtime.GOOS, cfg, os.Getenv) == fromSSPI {
		return loggedOnUser()
	}
	_, path := kerberosPaths(cfg)
	cache, err := credentials.LoadCCache(path)
	if err != nil {
		return "", fmt.Errorf("kerberos: read ticket cache %s: %w (run kinit first)", path, err)
	}
	p := cache.GetClientPrincipalName()
	return p.PrincipalNameString() + "@" + cache.GetClientRealm(), nil
}
