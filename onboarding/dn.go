package onboarding

import (
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
)

// cnMaxLength is AD's limit on cn (ub-common-name).
const cnMaxLength = directory.CNMaxLength

// escapeRDNValue escapes a value for use in an RDN. ldap.EscapeDN does RFC 4514; '=' is
// escaped as well because AD's documentation lists it among the characters to escape, and an
// escaped '=' is valid RFC 4514 that every parser reads back.
func escapeRDNValue(v string) string {
	return strings.ReplaceAll(ldap.EscapeDN(v), "=", `\=`)
}

// userDN is the DN of an account named cn in ou; ou is a DN the template validated.
func userDN(cn, ou string) string {
	return "CN=" + escapeRDNValue(cn) + "," + ou
}

// commonName and commonNameWith are the shared naming rule (directory.UserCN): user create
// and user rename name a clashing account the same way.
func commonName(display string) string { return directory.UserCN(display) }

func commonNameWith(display, sam string) string { return directory.UserCNWith(display, sam) }
