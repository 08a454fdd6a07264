package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/adkit-dev/adkit/internal/directory"
)

// errEnough stops paging once a completion has its names.
var errEnough = errors.New("enough names")

// CompleteNames returns at most limit users whose UPN starts with prefix, for a shell
// completion on Entra ID: the UPN, described by the display name. Only users are offered (a
// USER argument); other kinds get nothing rather than a guess. One request with $top=limit
// (GET /users, $filter=startswith(userPrincipalName,'…'), a standard query:
// https://learn.microsoft.com/en-us/graph/filter-query-parameter); a next page is followed
// only while fewer than limit have come. The prefix is an OData string literal, quotes doubled, so
// it cannot end the literal or add a condition.
func (c *Client) CompleteNames(ctx context.Context, kind directory.NameKind, prefix string, limit int) (hints []directory.NameHint, more bool, err error) {
	if kind != directory.NameUser {
		return nil, false, nil
	}
	top := int32(limit)
	qp := &users.UsersRequestBuilderGetQueryParameters{Select: []string{"userPrincipalName", "displayName"}, Top: &top}
	if prefix != "" {
		filter := "startswith(userPrincipalName," + quote(prefix) + ")"
		qp.Filter = &filter
	}
	resp, err := c.usersAPI().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{QueryParameters: qp})
	if err != nil {
		return nil, false, fmt.Errorf("complete user names: %w", explain(err, "User.Read.All"))
	}
	err = eachUser(ctx, c, resp, func(m models.Userable) error {
		if len(hints) == limit {
			more = true
			return errEnough
		}
		hints = append(hints, directory.NameHint{Name: str(m.GetUserPrincipalName()), Description: str(m.GetDisplayName())})
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, false, fmt.Errorf("complete user names: %w", err)
	}
	return hints, more, nil
}
