package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/adkit-dev/adkit/internal/directory"
)

var groupSelect = []string{"id", "displayName", "description", "mail", "mailNickname", "mailEnabled", "securityEnabled", "groupTypes"}

// groupFromModel maps a Graph group onto the shared vocabulary. Scope says which of Entra
// ID's kinds it is: "microsoft365" (groupTypes Unified), "security", or "distribution".
func groupFromModel(m models.Groupable) *directory.Group {
	g := &directory.Group{
		ID:             str(m.GetId()),
		SAMAccountName: str(m.GetDisplayName()),
		CN:             str(m.GetDisplayName()),
		Description:    str(m.GetDescription()),
		Mail:           str(m.GetMail()),
		Members:        []string{},
		MemberOf:       []string{},
	}
	if s := m.GetSecurityEnabled(); s != nil {
		g.Security = *s
	}
	switch {
	case slices.Contains(m.GetGroupTypes(), "Unified"):
		g.Scope = "microsoft365"
	case g.Security:
		g.Scope = "security"
	default:
		g.Scope = "distribution"
	}
	return g
}

// Group reads a group by object id, display name, mail nickname or mail, with the names of
// its direct members and of the groups it is in.
func (c *Client) Group(ctx context.Context, ident string) (*directory.Group, error) {
	m, err := c.findGroup(ctx, ident, groupSelect)
	if err != nil {
		return nil, err
	}
	g := groupFromModel(m)
	members, err := c.members(ctx, g.ID, false)
	if err != nil {
		return nil, err
	}
	for _, o := range members {
		g.Members = append(g.Members, o.name())
	}
	resp, err := c.groupsAPI().ByGroupId(g.ID).MemberOf().Get(ctx, &groups.ItemMemberOfRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.ItemMemberOfRequestBuilderGetQueryParameters{Select: []string{"id", "displayName"}},
	})
	if err != nil {
		return nil, fmt.Errorf("read groups of %s: %w", g.CN, explain(err, "GroupMember.Read.All"))
	}
	parents, err := c.collect(ctx, resp)
	if err != nil {
		return nil, err
	}
	for _, p := range parents {
		g.MemberOf = append(g.MemberOf, p.name())
	}
	return g, nil
}

// ResolveGroup finds one group by any accepted name, reading none of its members. In the
// GroupRef, DN holds the object id (Entra ID has no DNs) and SAMAccountName the display name.
func (c *Client) ResolveGroup(ctx context.Context, ident string) (directory.GroupRef, error) {
	m, err := c.findGroup(ctx, ident, []string{"id", "displayName"})
	if err != nil {
		return directory.GroupRef{}, err
	}
	return directory.GroupRef{DN: str(m.GetId()), SAMAccountName: str(m.GetDisplayName())}, nil
}

// members lists a group's direct members, or with transitive every object below it.
func (c *Client) members(ctx context.Context, groupID string, transitive bool) ([]object, error) {
	var (
		resp models.DirectoryObjectCollectionResponseable
		err  error
	)
	if transitive {
		resp, err = c.groupsAPI().ByGroupId(groupID).TransitiveMembers().Get(ctx, &groups.ItemTransitiveMembersRequestBuilderGetRequestConfiguration{
			QueryParameters: &groups.ItemTransitiveMembersRequestBuilderGetQueryParameters{Select: objectSelect},
		})
	} else {
		resp, err = c.groupsAPI().ByGroupId(groupID).Members().Get(ctx, &groups.ItemMembersRequestBuilderGetRequestConfiguration{
			QueryParameters: &groups.ItemMembersRequestBuilderGetQueryParameters{Select: objectSelect},
		})
	}
	if err != nil {
		return nil, fmt.Errorf("read members of %s: %w", groupID, explain(err, "GroupMember.Read.All"))
	}
	return c.collect(ctx, resp)
}

// childrenOf reads the direct members of many groups, 20 groups per $batch.
func (c *Client) childrenOf(ctx context.Context, ids []string) (map[string][]object, error) {
	reqs := make([]*abstractions.RequestInformation, len(ids))
	for i, id := range ids {
		ri, err := c.groupsAPI().ByGroupId(id).Members().ToGetRequestInformation(ctx, &groups.ItemMembersRequestBuilderGetRequestConfiguration{
			QueryParameters: &groups.ItemMembersRequestBuilderGetQueryParameters{Select: objectSelect},
		})
		if err != nil {
			return nil, err
		}
		reqs[i] = ri
	}
	replies, err := c.batch(ctx, reqs)
	if err != nil {
		return nil, fmt.Errorf("read members of nested groups: %w", err)
	}
	out := make(map[string][]object, len(ids))
	for i, r := range replies {
		id := ids[i]
		objs, err := c.objectsFromReply(ctx, r, "GroupMember.Read.All", func(next string) (models.DirectoryObjectCollectionResponseable, error) {
			return c.groupsAPI().ByGroupId(id).Members().WithUrl(next).Get(ctx, nil)
		})
		if err != nil {
			return nil, fmt.Errorf("read members of group %s: %w", id, err)
		}
		out[strings.ToLower(id)] = objs
	}
	return out, nil
}

// parentsOf reads the groups many groups are directly in, 20 groups per $batch.
func (c *Client) parentsOf(ctx context.Context, ids []string) (map[string][]object, error) {
	reqs := make([]*abstractions.RequestInformation, len(ids))
	for i, id := range ids {
		ri, err := c.groupsAPI().ByGroupId(id).MemberOf().ToGetRequestInformation(ctx, &groups.ItemMemberOfRequestBuilderGetRequestConfiguration{
			QueryParameters: &groups.ItemMemberOfRequestBuilderGetQueryParameters{Select: []string{"id", "displayName"}},
		})
		if err != nil {
			return nil, err
		}
		reqs[i] = ri
	}
	replies, err := c.batch(ctx, reqs)
	if err != nil {
		return nil, fmt.Errorf("read parents of nested groups: %w", err)
	}
	out := make(map[string][]object, len(ids))
	for i, r := range replies {
		id := ids[i]
		objs, err := c.objectsFromReply(ctx, r, "GroupMember.Read.All", func(next string) (models.DirectoryObjectCollectionResponseable, error) {
			return c.groupsAPI().ByGroupId(id).MemberOf().WithUrl(next).Get(ctx, nil)
		})
		if err != nil {
			return nil, fmt.Errorf("read groups of group %s: %w", id, err)
		}
		out[strings.ToLower(id)] = objs
	}
	return out, nil
}

// UserGroups lists the groups of a user: direct ones and, when recursive, every group reached
// through nesting (transitiveMemberOf), each with the chain of groups it is reached through.
// The chains come from the nested groups' own memberships, read 20 groups per $batch.
// Directory roles, which Graph lists among memberships, are left out: they are not groups.
func (c *Client) UserGroups(ctx context.Context, ident string, recursive bool) (*directory.User, []directory.Membership, error) {
	m, err := c.findUser(ctx, ident, userSelect)
	if err != nil {
		return nil, nil, err
	}
	u := userFromModel(m)
	sel := []string{"id", "displayName"}
	resp, err := c.usersAPI().ByUserId(u.ID).MemberOf().Get(ctx, &users.ItemMemberOfRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMemberOfRequestBuilderGetQueryParameters{Select: sel},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read groups of %s: %w", u.UserPrincipalName, explain(err, "GroupMember.Read.All"))
	}
	direct, err := c.collect(ctx, resp)
	if err != nil {
		return nil, nil, err
	}
	direct = slices.DeleteFunc(direct, func(o object) bool { return !o.isGroup() })
	for _, g := range direct {
		u.MemberOf = append(u.MemberOf, g.DisplayName)
	}
	out := make([]directory.Membership, 0, len(direct))
	for _, g := range direct {
		out = append(out, directory.Membership{DN: g.ID, SAMAccountName: g.DisplayName, Direct: true, Via: []string{}})
	}
	if recursive {
		tresp, err := c.usersAPI().ByUserId(u.ID).TransitiveMemberOf().Get(ctx, &users.ItemTransitiveMemberOfRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemTransitiveMemberOfRequestBuilderGetQueryParameters{Select: sel},
		})
		if err != nil {
			return nil, nil, fmt.Errorf("read nested groups of %s: %w", u.UserPrincipalName, explain(err, "GroupMember.Read.All"))
		}
		all, err := c.collect(ctx, tresp)
		if err != nil {
			return nil, nil, err
		}
		nested, err := c.nestedMemberships(ctx, direct, slices.DeleteFunc(all, func(o object) bool { return !o.isGroup() }))
		if err != nil {
			return nil, nil, err
		}
		out = append(out, nested...)
	}
	slices.SortStableFunc(out, func(a, b directory.Membership) int {
		if a.Direct != b.Direct {
			if a.Direct {
				return -1
			}
			return 1
		}
		return strings.Compare(strings.ToLower(a.SAMAccountName), strings.ToLower(b.SAMAccountName))
	})
	return u, out, nil
}

// nestedMemberships finds, for every group in all that is not in direct, the shortest chain
// of groups leading to it from a direct group: a breadth-first walk up the groups' parents.
func (c *Client) nestedMemberships(ctx context.Context, direct, all []object) ([]directory.Membership, error) {
	inSet := map[string]object{}
	var ids []string
	for _, g := range all {
		inSet[strings.ToLower(g.ID)] = g
		ids = append(ids, g.ID)
	}
	if len(ids) == len(direct) {
		return nil, nil
	}
	parents, err := c.parentsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	type node struct {
		g   object
		via []string
	}
	seen := map[string]bool{}
	var queue []node
	for _, g := range direct {
		seen[strings.ToLower(g.ID)] = true
		queue = append(queue, node{g: g, via: []string{}})
	}
	var out []directory.Membership
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, p := range parents[strings.ToLower(n.g.ID)] {
			k := strings.ToLower(p.ID)
			if seen[k] || !p.isGroup() {
				continue
			}
			seen[k] = true
			via := append(slices.Clone(n.via), n.g.DisplayName)
			out = append(out, directory.Membership{DN: p.ID, SAMAccountName: p.DisplayName, Via: via})
			queue = append(queue, node{g: p, via: via})
		}
	}
	// Anything transitiveMemberOf reported that the walk did not reach (a membership changed
	// between the reads) is still listed, without a chain.
	for k, g := range inSet {
		if !seen[k] {
			out = append(out, directory.Membership{DN: g.ID, SAMAccountName: g.DisplayName, Via: []string{}})
		}
	}
	return out, nil
}

// GroupMembers lists a group's members and, when recursive, the members of nested groups
// (transitiveMembers), once each, with the chain of groups below this one through which they
// are members. The chains come from the nested groups' own member lists, read 20 groups per
// $batch. In each Member, DN holds the object id and SAMAccountName the UPN of a user or the
// display name of anything else.
func (c *Client) GroupMembers(ctx context.Context, ident string, recursive bool) (*directory.Group, []directory.Member, error) {
	m, err := c.findGroup(ctx, ident, groupSelect)
	if err != nil {
		return nil, nil, err
	}
	g := groupFromModel(m)
	direct, err := c.members(ctx, g.ID, false)
	if err != nil {
		return nil, nil, err
	}
	for _, o := range direct {
		g.Members = append(g.Members, o.name())
	}
	out := make([]directory.Member, 0, len(direct))
	for _, o := range direct {
		out = append(out, memberFromObject(o, true, []string{}))
	}
	if !recursive {
		return g, out, nil
	}
	all, err := c.members(ctx, g.ID, true)
	if err != nil {
		return nil, nil, err
	}
	var nestedIDs []string
	for _, o := range all {
		if o.isGroup() {
			nestedIDs = append(nestedIDs, o.ID)
		}
	}
	if len(nestedIDs) == 0 {
		return g, out, nil
	}
	children, err := c.childrenOf(ctx, nestedIDs)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{strings.ToLower(g.ID): true}
	for _, o := range direct {
		seen[strings.ToLower(o.ID)] = true
	}
	type node struct {
		g   object
		via []string
	}
	var queue []node
	for _, o := range direct {
		if o.isGroup() {
			queue = append(queue, node{g: o, via: []string{o.DisplayName}})
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, o := range children[strings.ToLower(n.g.ID)] {
			k := strings.ToLower(o.ID)
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, memberFromObject(o, false, n.via))
			if o.isGroup() {
				queue = append(queue, node{g: o, via: append(slices.Clone(n.via), o.DisplayName)})
			}
		}
	}
	return g, out, nil
}

func memberFromObject(o object, direct bool, via []string) directory.Member {
	return directory.Member{
		DN:             o.ID,
		SAMAccountName: o.name(),
		DisplayName:    o.DisplayName,
		Class:          o.class(),
		Enabled:        o.AccountEnabled,
		Direct:         direct,
		Via:            via,
	}
}
