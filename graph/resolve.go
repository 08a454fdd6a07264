package graph

import (
	"context"
	"fmt"
	"strings"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/adkit-dev/adkit/internal/directory"
)

type resolved struct {
	user *directory.User
	// What licence changes need, which directory.User has no place for.
	usageLocation string
	licenses      []string // sku ids, lower case
	err           error
}

func resolvedFromModel(m models.Userable) resolved {
	r := resolved{user: userFromModel(m), usageLocation: str(m.GetUsageLocation())}
	for _, l := range m.GetAssignedLicenses() {
		if id := l.GetSkuId(); id != nil {
			r.licenses = append(r.licenses, strings.ToLower(id.String()))
		}
	}
	return r
}

// byKey reports whether an identity can be read as /users/{key}: an object id or a UPN.
// UPNs with a quote or a leading $ cannot (Graph parses those as OData syntax in a key
// segment); they, and mail addresses that are not UPNs, go through findUser's $filter.
func byKey(ident string) bool {
	return isObjectID(ident) || (strings.Contains(ident, "@") && !strings.ContainsAny(ident, "'$"))
}

// resolveUsers looks up many users: those named by object id or UPN 20 per $batch, the
// others (and UPNs that turn out to be mail addresses) one by one.
func (c *Client) resolveUsers(ctx context.Context, idents []string) []resolved {
	out := make([]resolved, len(idents))
	var keyed []int
	var reqs []*abstractions.RequestInformation
	for i, ident := range idents {
		ident = strings.TrimSpace(ident)
		if !byKey(ident) {
			continue
		}
		ri, err := c.usersAPI().ByUserId(ident).ToGetRequestInformation(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userSelect},
		})
		if err != nil {
			out[i].err = err
			continue
		}
		keyed = append(keyed, i)
		reqs = append(reqs, ri)
	}
	done := make([]bool, len(idents))
	if len(reqs) > 0 {
		replies, err := c.batch(ctx, reqs)
		for k, i := range keyed {
			done[i] = true
			switch {
			case err != nil:
				out[i].err = err
			case replies[k].ok():
				out[i] = resolvedFromReply(replies[k])
			case replies[k].status == 404 && !isObjectID(idents[i]):
				done[i] = false // perhaps a mail address: try the filter
			case replies[k].status == 404:
				out[i].err = &directory.NotFoundError{Kind: "user", Ident: idents[i]}
			default:
				out[i].err = fmt.Errorf("read user %s: %w", idents[i], replies[k].failure().explain("User.Read.All", nil))
			}
		}
	}
	for i, ident := range idents {
		if done[i] || out[i].err != nil {
			continue
		}
		m, err := c.findUser(ctx, ident, userSelect)
		if err != nil {
			out[i].err = err
			continue
		}
		out[i] = resolvedFromModel(m)
	}
	return out
}

// resolvedFromReply reads a user from a $batch item's JSON through the SDK's own model, so
// that both paths map properties identically.
func resolvedFromReply(r reply) resolved {
	m, err := parseModel(r, models.CreateUserFromDiscriminatorValue)
	if err != nil {
		return resolved{err: err}
	}
	return resolvedFromModel(m.(models.Userable))
}
