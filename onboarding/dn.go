package onboarding

import (
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// cnMaxLength is AD's limit on cn (ub-common-name).
const cnMaxLength = 64

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

// commonName is the CN for a display name, cut to what AD accepts. The display name itself
// is not cut: only the RDN has the 64-character limit.
func commonName(display string) string {
	return cutRunes(display, cnMaxLength)
}

// commonNameWith makes a CN that is unique in its OU when the plain one is taken, by adding
// the (domain-unique) username: "John Smith (jsmith2)".
func commonNameWith(display, sam string) string {
	suffix := " (" + sam + ")"
	return cutRunes(display, cnMaxLength-len(suffix)) + suffix
}

func cutRunes(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return strings.TrimSpace(string(r[:max]))
}
