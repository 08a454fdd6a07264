package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/auditlogs"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/adkit-dev/adkit/internal/directory"
)

// Sign-in logs (https://learn.microsoft.com/graph/api/signin-list,
// https://learn.microsoft.com/graph/api/resources/signin): GET /auditLogs/signIns needs
// AuditLog.Read.All (and Directory.Read.All) and an Entra ID P1 or P2 licence. Without the
// permission Graph answers 403 Authentication_MSGraphPermissionMissing; without the licence 403
// Authentication_RequestFromNonPremiumTenantOrB2CTenant ("Neither tenant is B2C or tenant
// doesn't have premium license"). v1.0 returns interactive sign-ins only, newest first, paged;
// events take a few minutes to appear. The names of Conditional Access policies in
// appliedConditionalAccessPolicies need Policy.Read.ConditionalAccess as well.

// ErrNoPremium is wrapped when the tenant lacks the Entra ID licence an API needs.
var ErrNoPremium = errors.New("the tenant has no Entra ID premium licence for this")

// SignIns reads a user's recent interactive sign-ins, newest first.
func (c *Client) SignIns(ctx context.Context, ident string, q directory.SignInQuery) (*directory.User, []directory.SignIn, error) {
	m, err := c.findUser(ctx, ident, userSelect)
	if err != nil {
		return nil, nil, err
	}
	u := userFromModel(m)
	if q.Limit <= 0 {
		q.Limit = 100
	}
	// The object id is a GUID Graph gave us; the time is formatted here: nothing of the
	// technician's input reaches the filter.
	filter := fmt.Sprintf("userId eq '%s' and createdDateTime ge %s", u.ID, q.Since.UTC().Format("2006-01-02T15:04:05Z"))
	if q.FailuresOnly {
		filter += " and status/errorCode ne 0"
	}
	top := int32(min(q.Limit, 1000))
	first, err := auditlogs.NewAuditLogsRequestBuilderInternal(c.pathParameters(), c.adapter).SignIns().Get(ctx,
		&auditlogs.SignInsRequestBuilderGetRequestConfiguration{
			QueryParameters: &auditlogs.SignInsRequestBuilderGetQueryParameters{Filter: &filter, Top: &top},
		})
	if err != nil {
		return u, nil, fmt.Errorf("read sign-ins of %s: %w", u.UserPrincipalName, explainSignInLogs(err))
	}
	var out []directory.SignIn
	errEnough := errors.New("enough")
	err = eachPage(ctx, c, first, models.CreateSignInCollectionResponseFromDiscriminatorValue, func(s models.SignInable) error {
		out = append(out, signInFromModel(s))
		if len(out) >= q.Limit {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return u, nil, fmt.Errorf("read sign-ins of %s: %w", u.UserPrincipalName, explainSignInLogs(err))
	}
	return u, out, nil
}

func signInFromModel(s models.SignInable) directory.SignIn {
	out := directory.SignIn{App: str(s.GetAppDisplayName()), ClientApp: str(s.GetClientAppUsed()), IPAddress: str(s.GetIpAddress())}
	if t := s.GetCreatedDateTime(); t != nil {
		out.Time = t.UTC()
	}
	if st := s.GetStatus(); st != nil {
		if e := st.GetErrorCode(); e != nil {
			out.ErrorCode = int(*e)
		}
		out.FailureReason, out.AdditionalDetails = str(st.GetFailureReason()), str(st.GetAdditionalDetails())
	}
	if l := s.GetLocation(); l != nil {
		var parts []string
		for _, p := range []string{str(l.GetCity()), str(l.GetCountryOrRegion())} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		out.Location = strings.Join(parts, ", ")
	}
	for _, p := range s.GetAppliedConditionalAccessPolicies() {
		if r := p.GetResult(); r == nil || r.String() != "failure" {
			continue
		}
		name := str(p.GetDisplayName())
		if name == "" {
			name = str(p.GetId())
		}
		if name != "" {
			out.CAPolicies = append(out.CAPolicies, name)
		}
	}
	return out
}

// explainSignInLogs words the refusals of auditLogs/signIns: a missing permission and a
// missing licence are different fixes.
func explainSignInLogs(err error) error {
	f, ok := asFailure(err)
	if !ok {
		return explain(err, "AuditLog.Read.All")
	}
	re := &RefusedError{Status: f.status, Code: f.code, Message: f.message}
	switch {
	case f.code == "Authentication_RequestFromNonPremiumTenantOrB2CTenant" || strings.Contains(strings.ToLower(f.message), "premium license"):
		re.Reason = "the sign-in logs are readable through Graph only with an Entra ID P1 or P2 licence, which this tenant lacks (Graph said: " + f.message +
			"); look in the Entra admin center instead (Monitoring > Sign-in logs, the last 7 days)"
		re.Err = errors.Join(ErrNoPremium, err)
	case f.code == "Authentication_MSGraphPermissionMissing" || f.status == 403:
		re.Reason = "not permitted: reading sign-in logs needs the Graph permissions AuditLog.Read.All and Directory.Read.All (and, for a technician signed in, a role such as Reports Reader or Security Reader); Graph said: " + f.message
		re.Err = errors.Join(ErrPermission, err)
	default:
		return f.explain("AuditLog.Read.All", err)
	}
	return re
}
