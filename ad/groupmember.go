package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
	ldapdn "github.com/adkit-dev/adkit/internal/dn"
)

// kindNested is what a group may hold besides users (Add-ADGroupMember's -Members): groups
// and computers. Users are looked up first, as kindUser, so that a name that is a user's
// keeps meaning that user.
var kindNested = objectKind{
	name:      "group or computer",
	class:     "(|(objectClass=group)(objectClass=computer))",
	nameAttrs: []string{"sAMAccountName", "cn", "mail", "dNSHostName"},
}

// memberAttributes are read for a member of any class.
var memberAttributes = []string{"sAMAccountName", "objectClass", "objectSid", "primaryGroupID", "userPrincipalName", "displayName"}

// groupMember is an object about to be added to or removed from a group, of any class.
type groupMember struct {
	account *directory.User // DN and names, for the audit target and the report
	class   string          // user, group, computer, contact, foreign, other
}

// resolveMember finds what a member name means: a user (any USER form), else a group or a
// computer (a computer also by its name without the trailing $: "PC042").
func (c *Client) resolveMember(ctx context.Context, ident string) (groupMember, error) {
	e, err := c.findOne(ctx, kindUser, ident, userAttributeList())
	if err == nil {
		return groupMember{account: userFromEntry(e), class: "user"}, nil
	}
	var nf *directory.NotFoundError
	if !errors.As(err, &nf) {
		return groupMember{}, err
	}
	e, err = c.findOne(ctx, kindNested, ident, memberAttributes)
	if errors.As(err, &nf) && !strings.HasSuffix(ident, "$") && !looksLikeDN(ident) {
		e, err = c.findOne(ctx, kindNested, ident+"$", memberAttributes)
	}
	if errors.As(err, &nf) {
		return groupMember{}, &directory.NotFoundError{Kind: "user, group or computer", Ident: ident}
	}
	if err != nil {
		return groupMember{}, err
	}
	return memberOf(e), nil
}

// memberOf describes a directory entry as a group member.
func memberOf(e *ldap.Entry) groupMember {
	m := memberFromEntry(e, directory.Member{})
	u := &directory.User{
		DN:             e.DN,
		SAMAccountName: e.GetAttributeValue("sAMAccountName"),
		DisplayName:    e.GetAttributeValue("displayName"),
		PrimaryGroupID: attrInt(e, "primaryGroupID"),
		ObjectSID:      sidString(e.GetRawAttributeValue("objectSid")),
	}
	if u.SAMAccountName == "" {
		u.SAMAccountName = ldapdn.CommonName(e.DN)
	}
	return groupMember{account: u, class: m.Class}
}

// memberByDN reads a member that is named by its DN in a group's member list. found is false
// for an object that is gone (or that the bind account cannot read); it is still named by its
// DN.
func (c *Client) memberByDN(ctx context.Context, dn string) (m groupMember, found bool, err error) {
	e, err := c.readEntry(ctx, dn, "(objectClass=*)", memberAttributes)
	if err != nil {
		return groupMember{}, false, err
	}
	if e == nil {
		return groupMember{account: &directory.User{DN: dn, SAMAccountName: ldapdn.CommonName(dn)}, class: "foreign"}, false, nil
	}
	return memberOf(e), true, nil
}

// CycleError is a nesting refused because the group would end up inside itself.
type CycleError struct {
	Group, Member string   // names
	Path          []string // DNs: the group, the groups it is in, ..., the member
}

func (e *CycleError) Error() string {
	if len(e.Path) <= 1 {
		return fmt.Sprintf("a group cannot be a member of itself (%s); nothing was changed", e.Group)
	}
	names := make([]string, len(e.Path))
	for i, dn := range e.Path {
		names[i] = ldapdn.CommonName(dn)
	}
	how := "directly"
	if len(names) > 2 {
		how = "through " + strings.Join(names, " → ") + " (each a member of the next)"
	}
	return fmt.Sprintf("adding %s to %s would make a cycle: %s is already a member of %s %s; nothing was changed",
		e.Member, e.Group, e.Group, e.Member, how)
}

// Unwrap makes a cycle bad input (exit 2).
func (e *CycleError) Unwrap() error { return directory.ErrInvalidInput }

// nestingPath returns the chain by which group is already, directly or through other groups,
// a member of candidate: group, parent, ..., candidate. Adding candidate to group would then
// close a cycle. nil when there is none. The walk goes up memberOf, breadth first, so the
// path is a shortest one; existing cycles above do not loop it.
func (c *Client) nestingPath(ctx context.Context, groupDN, candidateDN string) ([]string, error) {
	if dnEqual(groupDN, candidateDN) {
		return []string{groupDN}, nil
	}
	parent := map[string]string{strings.ToLower(groupDN): ""}
	frontier := []string{groupDN}
	for len(frontier) > 0 {
		entries, err := c.entriesByDN(ctx, frontier, "(objectClass=group)", []string{"memberOf"})
		if err != nil {
			return nil, fmt.Errorf("check nesting of %s: %w", ldapdn.CommonName(groupDN), err)
		}
		var next []string
		for _, e := range entries {
			for _, up := range e.GetAttributeValues("memberOf") {
				k := strings.ToLower(up)
				if _, seen := parent[k]; seen {
					continue
				}
				parent[k] = e.DN
				if dnEqual(up, candidateDN) {
					path := []string{up}
					for at := e.DN; at != ""; at = parent[strings.ToLower(at)] {
						path = append([]string{at}, path...)
					}
					return path, nil
				}
				next = append(next, up)
			}
		}
		frontier = next
	}
	return nil, nil
}

// checkNesting refuses to add a group that would make a cycle.
func (c *Client) checkNesting(ctx context.Context, g directory.GroupRef, m groupMember) error {
	if m.class != "group" {
		return nil
	}
	path, err := c.nestingPath(ctx, g.DN, m.account.DN)
	if err != nil || path == nil {
		return err
	}
	return &CycleError{Group: g.SAMAccountName, Member: m.account.Name(), Path: path}
}
