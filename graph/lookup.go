package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/adkit-dev/adkit/internal/directory"
)

// The planning lookups of onboarding (onboarding.Directory): each takes a whole file's worth
// of keys, asks 15 per "in (...)" filter (Graph's limit of values in one "in") and sends the
// filters 20 per $batch, so 300 new hires cost one or two $batch requests per question.

// inLimit is the most values Graph accepts in one "in (...)" filter.
const inLimit = 15

// lookupSelect is what the lookups read of each user.
var lookupSelect = []string{"id", "userPrincipalName", "displayName", "mail", "mailNickname", "employeeId",
	"onPremisesSamAccountName", "accountEnabled", "usageLocation", "department", "jobTitle"}

// inQuery is "prop in (values)", for any number of values; for a string collection such as
// proxyAddresses (anyOf), "prop/any(p:p eq v1) or prop/any(p:p eq v2) ...", since Graph takes
// no "in" inside a lambda.
type inQuery struct {
	prop   string
	values []string
	anyOf  bool
}

// usersWhere lists the users matching prop in (values), for many values: 15 per filter,
// 20 filters per $batch, every page of each.
func (c *Client) usersWhere(ctx context.Context, prop string, values []string) ([]models.Userable, error) {
	return c.usersWhereAny(ctx, inQuery{prop: prop, values: values})
}

// usersWhereAny runs several such queries in the same $batch requests. A user matching
// several is listed several times.
func (c *Client) usersWhereAny(ctx context.Context, queries ...inQuery) ([]models.Userable, error) {
	return c.usersWhereSelect(ctx, lookupSelect, nil, queries...)
}

// usersWhereSelect is usersWhereAny reading sel (and expanding expand) of each user.
func (c *Client) usersWhereSelect(ctx context.Context, sel, expand []string, queries ...inQuery) ([]models.Userable, error) {
	var reqs []*abstractions.RequestInformation
	top := pageSize
	for _, q := range queries {
		prop, values := q.prop, q.values
		for start := 0; start < len(values); start += inLimit {
			chunk := values[start:min(start+inLimit, len(values))]
			quoted := make([]string, len(chunk))
			for i, v := range chunk {
				quoted[i] = quote(v)
			}
			filter := prop + " in (" + strings.Join(quoted, ",") + ")"
			if q.anyOf {
				for i, v := range quoted {
					quoted[i] = prop + "/any(p:p eq " + v + ")"
				}
				filter = strings.Join(quoted, " or ")
			}
			ri, err := c.usersAPI().ToGetRequestInformation(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Select: sel, Expand: expand, Top: &top},
			})
			if err != nil {
				return nil, err
			}
			reqs = append(reqs, ri)
		}
	}
	if len(reqs) == 0 {
		return nil, nil
	}
	var out []models.Userable
	collect := func(m models.Userable) error {
		out = append(out, m)
		return nil
	}
	if len(reqs) == 1 { // one filter: a plain request, no $batch around it
		page, err := c.adapter.Send(ctx, reqs[0], models.CreateUserCollectionResponseFromDiscriminatorValue, abstractions.ErrorMappings{
			"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue,
		})
		if err != nil {
			return nil, explain(err, "User.Read.All")
		}
		if err := eachUser(ctx, c, page.(models.UserCollectionResponseable), collect); err != nil {
			return nil, err
		}
		return out, nil
	}
	replies, err := c.batch(ctx, reqs)
	if err != nil {
		return nil, err
	}
	for _, r := range replies {
		if !r.ok() {
			return nil, r.failure().explain("User.Read.All", nil)
		}
		page, err := parseModel(r, models.CreateUserCollectionResponseFromDiscriminatorValue)
		if err != nil {
			return nil, err
		}
		if err := eachUser(ctx, c, page.(models.UserCollectionResponseable), collect); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// nonEmpty drops empty strings and repeats (without regard to case).
func nonEmpty(values []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range values {
		k := strings.ToLower(strings.TrimSpace(v))
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, strings.TrimSpace(v))
	}
	return out
}

// ExistingByEmployeeID returns the accounts that already have the given employee IDs, keyed
// by the IDs as passed.
func (c *Client) ExistingByEmployeeID(ctx context.Context, ids []string) (map[string]*directory.User, error) {
	found, err := c.usersWhere(ctx, "employeeId", nonEmpty(ids))
	if err != nil {
		return nil, fmt.Errorf("look up employee IDs: %w", err)
	}
	out := map[string]*directory.User{}
	for _, id := range ids {
		for _, m := range found {
			if strings.EqualFold(str(m.GetEmployeeId()), id) {
				out[id] = userFromModel(m)
				break
			}
		}
	}
	return out, nil
}

// bareAndAddresses splits the names given (empty ones dropped) into bare names and addresses
// (with "@"), which Graph looks up by different properties.
func bareAndAddresses(names []string) (bare, addrs []string) {
	for _, n := range nonEmpty(names) {
		if strings.Contains(n, "@") {
			addrs = append(addrs, n)
		} else {
			bare = append(bare, n)
		}
	}
	return bare, addrs
}

// NamesInUse says which names are taken: a bare name as a mail nickname, an address as a
// userPrincipalName, mail or SMTP proxy address (an alias of another mailbox: Exchange
// refuses an address on two objects).
func (c *Client) NamesInUse(ctx context.Context, names []string) (map[string]bool, error) {
	bare, addrs := bareAndAddresses(names)
	smtp := make([]string, len(addrs))
	for i, a := range addrs {
		smtp[i] = "smtp:" + a
	}
	found, err := c.usersWhereSelect(ctx, append(lookupSelect[:len(lookupSelect):len(lookupSelect)], "proxyAddresses"), nil,
		inQuery{prop: "mailNickname", values: bare}, inQuery{prop: "userPrincipalName", values: addrs},
		inQuery{prop: "mail", values: addrs}, inQuery{prop: "proxyAddresses", values: smtp, anyOf: true})
	if err != nil {
		return nil, fmt.Errorf("check which names are taken: %w", err)
	}
	used := map[string]bool{}
	for _, m := range found {
		for _, v := range []string{str(m.GetMailNickname()), str(m.GetUserPrincipalName()), str(m.GetMail())} {
			if v != "" {
				used[strings.ToLower(v)] = true
			}
		}
		for _, pa := range m.GetProxyAddresses() {
			if kind, addr, ok := strings.Cut(pa, ":"); ok && strings.EqualFold(kind, "smtp") {
				used[strings.ToLower(addr)] = true
			}
		}
	}
	out := map[string]bool{}
	for _, n := range names {
		if used[strings.ToLower(strings.TrimSpace(n))] {
			out[n] = true
		}
	}
	return out, nil
}

// DNsInUse: Entra ID has no distinguished names, so none is ever taken.
func (c *Client) DNsInUse(context.Context, []string) (map[string]bool, error) {
	return map[string]bool{}, nil
}

// ManagersByMail resolves managers' addresses (mail or UPN) to object ids.
func (c *Client) ManagersByMail(ctx context.Context, mails []string) (map[string]string, error) {
	found, err := c.FindUsers(ctx, nil, mails)
	if err != nil {
		return nil, fmt.Errorf("look up managers: %w", err)
	}
	out := map[string]string{}
	for _, m := range mails {
		if u := found[strings.ToLower(m)]; u != nil {
			out[m] = u.ID
		}
	}
	return out, nil
}

// GroupsByName finds groups by display name, mail nickname, mail or object id, as a GROUP
// argument names them: each name that matches maps to the object ids of every group it
// matches (two or more: ambiguous); names that match none are absent. Templates name a
// handful of groups, so this is one small query per name.
func (c *Client) GroupsByName(ctx context.Context, names []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, name := range names {
		g, err := c.findGroup(ctx, name, []string{"id", "displayName"})
		var amb *directory.AmbiguousError
		switch {
		case err == nil:
			out[name] = []string{str(g.GetId())}
		case errors.As(err, &amb):
			out[name] = amb.Candidates
		case errors.Is(err, directory.ErrNotFound):
		default:
			return nil, err
		}
	}
	return out, nil
}

// DomainDNSName is the default UPN suffix; Entra ID has none to offer without an extra
// permission, so a UPN suffix must come from the template or --upn.
func (c *Client) DomainDNSName() string { return "" }

// FindUsers looks accounts up by employee ID and by address (UPN or mail), in bulk. The
// result is keyed by the lower-cased employee IDs and addresses that matched.
func (c *Client) FindUsers(ctx context.Context, employeeIDs, addresses []string) (map[string]*directory.User, error) {
	out := map[string]*directory.User{}
	addrs := nonEmpty(addresses)
	found, err := c.usersWhereAny(ctx, inQuery{prop: "employeeId", values: nonEmpty(employeeIDs)},
		inQuery{prop: "userPrincipalName", values: addrs}, inQuery{prop: "mail", values: addrs})
	if err != nil {
		return nil, err
	}
	for _, m := range found {
		u := userFromModel(m)
		for _, k := range []string{u.EmployeeID, u.UserPrincipalName, u.Mail} {
			if k != "" {
				out[strings.ToLower(k)] = u
			}
		}
	}
	return out, nil
}

// Kind is the directory this client changes, as audit records name it.
func (c *Client) Kind() string { return directory.KindEntra }
