package graph

import (
	"context"
	"fmt"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/identityprotection"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// Risky users (https://learn.microsoft.com/graph/api/resources/riskyuser,
// https://learn.microsoft.com/graph/api/riskyuser-get, riskyuser-confirmsafe, riskyuser-dismiss):
// Identity Protection needs Entra ID P2 and IdentityRiskyUser.Read.All (ReadWrite.All to act).
// GET /identityProtection/riskyUsers/{id} is 404 for a user never at risk. riskDetail values
// added after the enum's unknownFutureValue (adminConfirmedAccountSafe among them) come back as
// unknownFutureValue unless the request sends Prefer: include-unknown-enum-members.
// confirmSafe and dismiss take {"userIds": [...]} of object ids, not UPNs, and answer 204.

func (c *Client) riskyUsersAPI() *identityprotection.RiskyUsersRequestBuilder {
	return identityprotection.NewIdentityProtectionRequestBuilderInternal(c.pathParameters(), c.adapter).RiskyUsers()
}

// UserRisk reads a user's risk state.
func (c *Client) UserRisk(ctx context.Context, ident string) (*directory.User, directory.RiskState, error) {
	m, err := c.findUser(ctx, ident, userSelect)
	if err != nil {
		return nil, directory.RiskState{}, err
	}
	u := userFromModel(m)
	r, err := c.userRisk(ctx, u.ID)
	if err != nil {
		return u, r, fmt.Errorf("read the risk state of %s: %w", u.UserPrincipalName, err)
	}
	return u, r, nil
}

// RiskOf reads the risk state of a user already looked up (by object id), for user show.
func (c *Client) RiskOf(ctx context.Context, id string) (directory.RiskState, error) {
	return c.userRisk(ctx, id)
}

func (c *Client) userRisk(ctx context.Context, id string) (directory.RiskState, error) {
	h := abstractions.NewRequestHeaders()
	h.Add("Prefer", "include-unknown-enum-members")
	m, err := c.riskyUsersAPI().ByRiskyUserId(id).Get(ctx, &identityprotection.RiskyUsersRiskyUserItemRequestBuilderGetRequestConfiguration{Headers: h})
	if f, ok := asFailure(err); ok && f.status == 404 {
		return directory.RiskState{Level: "none", State: "none", NeverAtRisk: true}, nil
	}
	if err != nil {
		return directory.RiskState{}, explainRisk(err, "IdentityRiskyUser.Read.All")
	}
	r := directory.RiskState{Updated: m.GetRiskLastUpdatedDateTime()}
	if v := m.GetRiskLevel(); v != nil {
		r.Level = v.String()
	}
	if v := m.GetRiskState(); v != nil {
		r.State = v.String()
	}
	if v := m.GetRiskDetail(); v != nil {
		r.Detail = v.String()
	}
	return r, nil
}

// explainRisk adds the P2 licence to the permission a refusal names.
func explainRisk(err error, perm string) error {
	if f, ok := asFailure(err); ok && f.status == 403 {
		return f.explain(perm+" and an Entra ID P2 licence", err)
	}
	return explain(err, perm)
}

// SetRisk confirms a user safe (confirmSafe) or dismisses their risk (dismiss), audited as
// user.risk_confirm_safe or user.risk_dismiss. A user not at risk is skipped.
func (c *Client) SetRisk(ctx context.Context, ident string, safe bool) (directory.Outcome, error) {
	u, before, err := c.UserRisk(ctx, ident)
	if err != nil {
		return directory.Outcome{User: u}, err
	}
	action, verb, after := "user.risk_dismiss", "dismissed the risk", "dismissed"
	if safe {
		action, verb, after = "user.risk_confirm_safe", "confirmed safe", "confirmedSafe"
	}
	changes := []audit.Change{{Attribute: "riskState", Before: before.State, After: after}, {Attribute: "riskLevel", Before: before.Level, After: "none"}}
	if !before.AtRisk() {
		note := "is not at risk (risk state " + before.State + ")"
		if before.NeverAtRisk {
			note = "has never been at risk"
		}
		return c.skip(ctx, action, u, changes, note)
	}
	err = c.change(ctx, action, userTarget(u), changes, func(ctx context.Context) error {
		if safe {
			body := identityprotection.NewRiskyUsersConfirmSafePostRequestBody()
			body.SetUserIds([]string{u.ID})
			return explainRisk(c.riskyUsersAPI().ConfirmSafe().Post(ctx, body, nil), "IdentityRiskyUser.ReadWrite.All")
		}
		body := identityprotection.NewRiskyUsersDismissPostRequestBody()
		body.SetUserIds([]string{u.ID})
		return explainRisk(c.riskyUsersAPI().Dismiss().Post(ctx, body, nil), "IdentityRiskyUser.ReadWrite.All")
	})
	if err != nil {
		return directory.Outcome{User: u}, fmt.Errorf("%s %s: %w", map[bool]string{true: "confirm safe", false: "dismiss the risk of"}[safe], u.UserPrincipalName, err)
	}
	return c.dryRunAware(directory.Outcome{User: u, Changed: true, Note: verb + " (was " + before.Level + " risk)"}, map[bool]string{true: "would confirm safe", false: "would dismiss the risk"}[safe]), nil
}
