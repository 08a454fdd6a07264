package ad

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// NameKind is what a shell completion asks for: the names one kind of argument accepts.
type NameKind string

const (
	NameUser     NameKind = "user"     // sAMAccountName, described by displayName
	NameGroup    NameKind = "group"    // sAMAccountName, described by description
	NameComputer NameKind = "computer" // name (cn), described by dNSHostName
	NameMember   NameKind = "member"   // a user's or a group's sAMAccountName (group add)
	NameOU       NameKind = "ou"       // an OU's DN, described by description
)

// NameHint is one completion candidate: a name the command accepts and a few words saying
// which object it is (the shell shows them beside the name).
type NameHint struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// nameQuery is how one kind is looked up: the objects, the attribute the typed prefix is
// matched against, the attribute offered and the one that describes it.
type nameQuery struct {
	class, match, name, describe string
}

// nameQueryFor says how kind is looked up (a switch, not a map: no package state).
func nameQueryFor(kind NameKind) (nameQuery, bool) {
	switch kind {
	case NameUser:
		return nameQuery{class: "(objectCategory=person)(objectClass=user)", match: "sAMAccountName", name: "sAMAccountName", describe: "displayName"}, true
	case NameGroup:
		return nameQuery{class: "(objectClass=group)", match: "sAMAccountName", name: "sAMAccountName", describe: "description"}, true
	case NameComputer:
		return nameQuery{class: "(objectClass=computer)", match: "cn", name: "cn", describe: "dNSHostName"}, true
	case NameMember:
		return nameQuery{class: "(|(&(objectCategory=person)(objectClass=user))(objectClass=group))", match: "sAMAccountName", name: "sAMAccountName", describe: "displayName"}, true
	case NameOU:
		return nameQuery{class: "(objectClass=organizationalUnit)", match: "ou", describe: "description"}, true
	}
	return nameQuery{}, false
}

// CompleteNames returns at most limit names of kind that start with prefix, for a shell
// completion; more reports that the directory holds more than limit, so a cached answer
// cannot stand in for a longer prefix. The prefix is escaped: "*", "(" or "\" typed by the
// technician match themselves, never widen the search. One size-limited request, no paging:
// completion must answer within a second or two, and 50 names are all a shell shows usefully.
func (c *Client) CompleteNames(ctx context.Context, kind NameKind, prefix string, limit int) (hints []NameHint, more bool, err error) {
	q, ok := nameQueryFor(kind)
	if !ok {
		return nil, false, fmt.Errorf("complete names: unknown kind %q", kind)
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	filter, sizeLimit := "(&"+q.class+"("+q.match+"="+ldap.EscapeFilter(prefix)+"*))", limit
	if kind == NameOU {
		// A DN cannot be matched by a substring filter in AD. The OU's own name can: the part
		// after "OU=" when that is all that is typed; the DNs are then kept by their prefix.
		// Without it every OU is a candidate, so ask for more than are shown.
		filter, sizeLimit = "(&"+q.class+")", limit*10
		if rest, ok := cutFold(prefix, "ou="); ok && !strings.Contains(rest, ",") {
			filter = "(&" + q.class + "(ou=" + ldap.EscapeFilter(rest) + "*))"
		}
	}
	attrs := []string{q.describe}
	if q.name != "" {
		attrs = append(attrs, q.name)
	}
	req := ldap.NewSearchRequest(c.baseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, sizeLimit, 0, false, filter, attrs, nil)
	c.cfg.debugf("complete base=%q filter=%s limit=%d", c.baseDN, filter, sizeLimit)
	res, err := c.conn.Search(req)
	if ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		err, more = nil, true
	}
	if err != nil {
		return nil, false, fmt.Errorf("complete %s names: %w", kind, explainLDAPError(err))
	}
	for _, e := range res.Entries {
		name := e.DN
		if q.name != "" {
			name = e.GetAttributeValue(q.name)
		} else if !hasPrefixFold(name, prefix) {
			continue
		}
		if name == "" {
			continue
		}
		if len(hints) == limit {
			more = true
			break
		}
		hints = append(hints, NameHint{Name: name, Description: e.GetAttributeValue(q.describe)})
	}
	sort.Slice(hints, func(i, j int) bool { return strings.ToLower(hints[i].Name) < strings.ToLower(hints[j].Name) })
	return hints, more, nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// cutFold is strings.CutPrefix, ignoring case.
func cutFold(s, prefix string) (string, bool) {
	if !hasPrefixFold(s, prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
