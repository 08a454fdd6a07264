//go:build !windows

package ad

import (
	"errors"

	"github.com/go-ldap/ldap/v3"
)

// SSPI is Windows's; chooseKerberosSource never picks it elsewhere.

func sspiBind(*ldap.Conn, Config, string) (string, error) { return "", noSSPI() }

func loggedOnUser() (string, error) { return "", noSSPI() }

func noSSPI() error {
	return errors.New("kerberos: the Windows logon session (SSPI) exists on Windows only: run kinit and use the ticket cache")
}
