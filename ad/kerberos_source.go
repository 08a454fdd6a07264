package ad

import "strings"

// kerberosSource is where --kerberos takes its credentials from.
type kerberosSource int

const (
	// fromCCache: a ticket cache kinit filled (MIT format), read by gokrb5. Unix, and Windows
	// when a cache is named explicitly (MIT Kerberos for Windows, a test).
	fromCCache kerberosSource = iota
	// fromSSPI: the logged-on Windows user's own logon session, through SSPI (secur32.dll),
	// as the PowerShell AD module and every Windows tool does: no kinit, no password.
	fromSSPI
)

// chooseKerberosSource picks the credentials for --kerberos on goos. On Windows the
// logon session is what a domain-joined desk has; a ticket cache named by --kerberos-cache
// (cfg.KerberosCache) or KRB5CCNAME means the technician wants that cache instead.
func chooseKerberosSource(goos string, cfg Config, getenv func(string) string) kerberosSource {
	if goos == "windows" && cfg.KerberosCache == "" && getenv("KRB5CCNAME") == "" {
		return fromSSPI
	}
	return fromCCache
}

// ldapSPN is the DC's LDAP service principal, ldap/<its DNS name>: the name the DC gives in
// its rootDSE, else the host adkit dialled.
func ldapSPN(ep endpoint, info ServerInfo) string {
	host := info.DNSHostName
	if host == "" {
		host = ep.host
	}
	return "ldap/" + strings.ToLower(host)
}
