package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/lazyregexp"
)

var guidRE = lazyregexp.New(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isObjectID(s string) bool { return guidRE.MatchString(s) }

// quote makes s an OData string literal: in quotes, with quotes doubled, so that a name can
// never become filter syntax.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// candidates is how many matches are read to list them when an identity is ambiguous.
const candidates int32 = 10

// userFilter is how a USER argument that is not an object id is looked up: an address (UPN
// or mail) when it has "@", else a mail nickname (what precedes "@" in most UPNs).
func userFilter(ident string) string {
	if strings.Contains(ident, "@") {
		return "userPrincipalName eq " + quote(ident) + " or mail eq " + quote(ident)
	}
	return "mailNickname eq " + quote(ident)
}

// findUser resolves a USER argument to exactly one account, reading the properties in sel.
// expand, if given, names navigation properties to read along (manager).
func (c *Client) findUser(ctx context.Context, ident string, sel []string, expand ...string) (models.Userable, error) {
	ident = strings.TrimSpace(ident)
	if ident == "" {
		return nil, fmt.Errorf("%w: empty user name", directory.ErrInvalidInput)
	}
	if isObjectID(ident) {
		u, err := c.usersAPI().ByUserId(ident).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: sel, Expand: expand},
		})
		if f, ok := asFailure(err); ok && f.status == 404 {
			return nil, &directory.NotFoundError{Kind: "user", Ident: ident}
		}
		if err != nil {
			return nil, fmt.Errorf("read user %s: %w", ident, explain(err, "User.Read.All"))
		}
		return u, nil
	}
	filter := userFilter(ident)
	top := candidates
	resp, err := c.usersAPI().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Select: sel, Top: &top, Expand: expand},
	})
	if err != nil {
		return nil, fmt.Errorf("find user %s: %w", ident, explain(err, "User.Read.All"))
	}
	found := resp.GetValue()
	switch len(found) {
	case 0:
		return nil, &directory.NotFoundError{Kind: "user", Ident: ident}
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, u := range found {
		names[i] = str(u.GetUserPrincipalName()) + " (" + str(u.GetId()) + ")"
	}
	return nil, &directory.AmbiguousError{Kind: "user", Ident: ident, Candidates: names}
}

// findGroup resolves a GROUP argument: an object id, or a display name, mail address or
// mail nickname.
func (c *Client) findGroup(ctx context.Context, ident string, sel []string) (models.Groupable, error) {
	ident = strings.TrimSpace(ident)
	if ident == "" {
		return nil, fmt.Errorf("%w: empty group name", directory.ErrInvalidInput)
	}
	if isObjectID(ident) {
		g, err := c.groupsAPI().ByGroupId(ident).Get(ctx, &groups.GroupItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &groups.GroupItemRequestBuilderGetQueryParameters{Select: sel},
		})
		if f, ok := asFailure(err); ok && f.status == 404 {
			return nil, &directory.NotFoundError{Kind: "group", Ident: ident}
		}
		if err != nil {
			return nil, fmt.Errorf("read group %s: %w", ident, explain(err, "Group.Read.All"))
		}
		return g, nil
	}
	filter := "displayName eq " + quote(ident) + " or mailNickname eq " + quote(ident)
	if strings.Contains(ident, "@") {
		filter = "mail eq " + quote(ident)
	}
	top := candidates
	resp, err := c.groupsAPI().Get(ctx, &groups.GroupsRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.GroupsRequestBuilderGetQueryParameters{Filter: &filter, Select: sel, Top: &top},
	})
	if err != nil {
		return nil, fmt.Errorf("find group %s: %w", ident, explain(err, "Group.Read.All"))
	}
	found := resp.GetValue()
	switch len(found) {
	case 0:
		return nil, &directory.NotFoundError{Kind: "group", Ident: ident}
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, g := range found {
		names[i] = str(g.GetDisplayName()) + " (" + str(g.GetId()) + ")"
	}
	return nil, &directory.AmbiguousError{Kind: "group", Ident: ident, Candidates: names}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
