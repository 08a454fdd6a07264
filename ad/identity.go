package ad

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/lazyregexp"
)

type objectKind struct {
	name string // "user" or "group", for messages
	// class restricts searches to the kind of object.
	class string
	// nameAttrs are matched, exactly, against a plain name.
	nameAttrs []string
}

var (
	kindUser  = objectKind{name: "user", class: "(&(objectCategory=person)(objectClass=user))", nameAttrs: []string{"sAMAccountName", "userPrincipalName", "mail", "displayName", "cn"}}
	kindGroup = objectKind{name: "group", class: "(objectClass=group)", nameAttrs: []string{"sAMAccountName", "cn", "mail"}}
	// A computer is named by its name (cn), its DNS name, or its sAMAccountName, which ends in
	// "$"; "PC01" also matches "PC01$" (see identityFilter).
	kindComputer = objectKind{name: "computer", class: "(objectClass=computer)", nameAttrs: []string{"sAMAccountName", "cn", "dNSHostName"}}
)

// maxCandidates bounds how many matches an ambiguity message lists.
const maxCandidates = 10

// identityFilter builds the search for one identity. Every piece of user input is escaped:
// a name is never interpreted as a filter, so "*" only matches an account literally named "*".
// A DN is returned separately, to be read at its own address.
func identityFilter(kind objectKind, ident string) (filter, dn string, err error) {
	ident = strings.TrimSpace(ident)
	if ident == "" {
		return "", "", fmt.Errorf("%w: empty %s name", directory.ErrInvalidInput, kind.name)
	}
	if looksLikeDN(ident) {
		if _, err := ldap.ParseDN(ident); err != nil {
			return "", "", fmt.Errorf("%w: %q is not a valid distinguished name: %v", directory.ErrInvalidInput, ident, err)
		}
		return kind.class, ident, nil
	}
	if guid, ok := parseGUID(ident); ok {
		return fmt.Sprintf("(&%s(objectGUID=%s))", kind.class, escapeBinary(guid)), "", nil
	}
	v := ldap.EscapeFilter(ident)
	var b strings.Builder
	b.WriteString("(&" + kind.class + "(|")
	if domain, name, ok := strings.Cut(ident, `\`); ok && domain != "" && name != "" && !strings.Contains(name, `\`) {
		// DOMAIN\user; but a display name or cn may hold a backslash too ("Sales\EMEA Desk"),
		// so the whole text is matched as a name as well.
		fmt.Fprintf(&b, "(sAMAccountName=%s)", ldap.EscapeFilter(name))
	}
	for _, a := range kind.nameAttrs {
		fmt.Fprintf(&b, "(%s=%s)", a, v)
	}
	if strings.Contains(ident, "@") && kind.name != kindComputer.name {
		fmt.Fprintf(&b, "(proxyAddresses=smtp:%s)", v)
	}
	if kind.name == kindComputer.name && !strings.HasSuffix(ident, "$") {
		fmt.Fprintf(&b, "(sAMAccountName=%s$)", v)
	}
	b.WriteString("))")
	return b.String(), "", nil
}

// dnStart matches the first attribute type of a DN ("CN=", "ou =", "2.5.4.3=").
var dnStart = lazyregexp.New(`^\s*([A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)*)\s*=`)

// looksLikeDN is true for "CN=...,DC=..." style input: it starts with an attribute type and
// "=". Anything else, including filter-like text such as "a)(cn=*", is treated as a name.
func looksLikeDN(s string) bool { return dnStart.MatchString(s) }

// findOne resolves an identity to exactly one entry, or a NotFoundError / AmbiguousError.
func (c *Client) findOne(ctx context.Context, kind objectKind, ident string, attrs []string) (*ldap.Entry, error) {
	filter, dn, err := identityFilter(kind, ident)
	if err != nil {
		return nil, err
	}
	if dn != "" {
		e, err := c.readEntry(ctx, dn, filter, attrs)
		if err != nil {
			return nil, err
		}
		if e == nil {
			return nil, &directory.NotFoundError{Kind: kind.name, Ident: ident}
		}
		return e, nil
	}
	entries, err := c.searchAll(ctx, c.baseDN, filter, attrs, maxCandidates)
	if err != nil {
		return nil, fmt.Errorf("find %s %q: %w", kind.name, ident, err)
	}
	switch len(entries) {
	case 0:
		return nil, &directory.NotFoundError{Kind: kind.name, Ident: ident}
	case 1:
		return entries[0], nil
	}
	candidates := make([]string, len(entries))
	for i, e := range entries {
		candidates[i] = e.DN
		if sam := e.GetAttributeValue("sAMAccountName"); sam != "" {
			candidates[i] = sam + "  " + e.DN
		}
	}
	sort.Strings(candidates)
	return nil, &directory.AmbiguousError{Kind: kind.name, Ident: ident, Candidates: candidates}
}
