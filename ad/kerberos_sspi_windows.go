//go:build windows

package ad

import (
	"fmt"

	"github.com/go-ldap/ldap/v3"
	"github.com/go-ldap/ldap/v3/gssapi"
	"golang.org/x/sys/windows"
)

// sspiBind binds as the logged-on Windows user through SSPI: the Kerberos ticket of the
// logon session, so no password is asked or held. Over LDAPS the client binds the TLS
// channel (RFC 5929 tls-server-end-point), which DCs with LDAP channel binding set to
// "Always" require.
func sspiBind(conn *ldap.Conn, cfg Config, spn string) (string, error) {
	who, err := loggedOnUser()
	if err != nil {
		return "", err
	}
	var client *gssapi.SSPIClient
	if cs, ok := conn.TLSConnectionState(); ok && len(cs.PeerCertificates) > 0 {
		client, err = gssapi.NewSSPIClientWithChannelBinding(cs.PeerCertificates[0])
	} else {
		client, err = gssapi.NewSSPIClient()
	}
	if err != nil {
		return "", fmt.Errorf("kerberos: the Windows logon session of %s has no usable credentials (%w): sign in to the domain, or use --bind-user", who, err)
	}
	defer client.Close()
	cfg.debugf("GSSAPI bind through SSPI as the logged-on user %s, service principal %s", who, spn)
	if err := conn.GSSAPIBind(client, spn, ""); err != nil {
		return "", fmt.Errorf("kerberos bind to %s as %s (Windows logon session): %w", spn, who, err)
	}
	return who, nil
}

// loggedOnUser names the Windows user whose logon session SSPI uses: the UPN
// (jdoe@corp.example.com) on a domain account, else DOMAIN\user.
func loggedOnUser() (string, error) {
	for _, format := range []uint32{windows.NameUserPrincipal, windows.NameSamCompatible} {
		n := uint32(256)
		buf := make([]uint16, n)
		if err := windows.GetUserNameEx(format, &buf[0], &n); err == nil {
			return windows.UTF16ToString(buf[:n]), nil
		}
	}
	return "", fmt.Errorf("kerberos: cannot name the logged-on Windows user: run adkit as a domain user, or use --bind-user")
}
