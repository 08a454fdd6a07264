// Package dn reads distinguished names as Active Directory writes them (RFC 4514 escaping),
// for the few places outside the LDAP back end that show or check one: a readable name for a
// table, the container an object lives in, whether a snapshot's DN is well formed.
package dn

import "github.com/go-ldap/ldap/v3"

// Split cuts a DN after its first RDN: "CN=Smith\, Jr.,OU=Staff,DC=x" → ("CN=Smith\, Jr.",
// "OU=Staff,DC=x"). Escaped commas stay in the RDN.
func Split(dn string) (rdn, parent string) {
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++ // skip the escaped character (or the first digit of a \XX escape)
		case ',':
			return dn[:i], dn[i+1:]
		}
	}
	return dn, ""
}

// Parent is the DN of the container an object lives in.
func Parent(dn string) string {
	_, parent := Split(dn)
	return parent
}

// CommonName is the readable value of a DN's first RDN: "CN=Smith\, Jr.,OU=x" → "Smith, Jr.".
// A DN that does not parse is returned as it is.
func CommonName(dn string) string {
	parsed, err := ldap.ParseDN(dn)
	if err != nil || len(parsed.RDNs) == 0 || len(parsed.RDNs[0].Attributes) == 0 {
		return dn
	}
	return parsed.RDNs[0].Attributes[0].Value
}

// Valid reports whether s is a non-empty, well-formed distinguished name.
func Valid(s string) bool {
	if s == "" {
		return false
	}
	_, err := ldap.ParseDN(s)
	return err == nil
}

// CommonNames maps CommonName over a list of DNs, for a chain of groups shown as words.
func CommonNames(dns []string) []string {
	out := make([]string, len(dns))
	for i, d := range dns {
		out[i] = CommonName(d)
	}
	return out
}
