package ad

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
)

// nameQuery is how one kind is looked up: the objects, the attribute the typed prefix is
// matched against, the attribute offered and the one that describes it.
type nameQuery struct {
	class, match, name, describe string
	orDescribe                   string // when describe is empty (a group among users has no displayName)
}

// nameQueryFor says how kind is looked up (a switch, not a map: no package state).
func nameQueryFor(kind directory.NameKind) (nameQuery, bool) {
	switch kind {
	case directory.NameUser:
		return nameQuery{class: "(objectCategory=person)(objectClass=user)", match: "sAMAccountName", name: "sAMAccountName", describe: "displayName"}, true
	case directory.NameGroup:
		return nameQuery{class: "(objectClass=group)", match: "sAMAccountName", name: "sAMAccountName", describe: "description"}, true
	case directory.NameComputer:
		return nameQuery{class: "(objectClass=computer)", match: "cn", name: "cn", describe: "dNSHostName"}, true
	case directory.NameMember:
		return nameQuery{class: "(|(&(objectCategory=person)(objectClass=user))(objectClass=group))", match: "sAMAccountName", name: "sAMAccountName", describe: "displayName", orDescribe: "description"}, true
	case directory.NameOU:
		return nameQuery{class: "(objectClass=organizationalUnit)", match: "ou", describe: "description"}, true
	}
	return nameQuery{}, false
}

// CompleteNames returns at most limit names of kind that start with prefix, for a shell
// completion; more reports that the directory holds more than limit, so a cached answer
// cannot stand in for a longer prefix. The prefix is escaped: "*", "(" or "\" typed by the
// technician match themselves, never widen the search. One size-limited request, no paging:
// completion must answer within a second or two, and 50 names are all a shell shows usefully.
func (c *Client) CompleteNames(ctx context.Context, kind directory.NameKind, prefix string, limit int) (hints []directory.NameHint, more bool, err error) {
	q, ok := nameQueryFor(kind)
	if !ok {
		return nil, false, fmt.Errorf("complete names: unknown kind %q", kind)
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	filter, sizeLimit := "(&"+q.class+"("+q.match+"="+ldap.EscapeFilter(prefix)+"*))", limit
	if kind == directory.NameOU {
		// A DN cannot be matched by a substring filter in AD. The OU's own name can: the part
		// after "OU=" when that is all that is typed; the DNs are then kept by their prefix.
		// Without it every OU is a candidate, so ask for more than are shown.
		filter, sizeLimit = "(&"+q.class+")", limit*10
		if rest, ok := cutFold(prefix, "ou="); ok && !strings.Contains(rest, ",") {
			filter = "(&" + q.class + "(ou=" + ldap.EscapeFilter(rest) + "*))"
		}
	}
	attrs := []string{q.describe}
	if q.orDescribe != "" {
		attrs = append(attrs, q.orDescribe)
	}
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
		desc := e.GetAttributeValue(q.describe)
		if desc == "" && q.orDescribe != "" {
			desc = e.GetAttributeValue(q.orDescribe)
		}
		hints = append(hints, directory.NameHint{Name: name, Description: desc})
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
