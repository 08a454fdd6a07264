package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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

// SignInQuery narrows the sign-ins read.
type SignInQuery struct {
	Since        time.Time // required: Graph times out on unbounded queries
	FailuresOnly bool
	Limit        int // most sign-ins returned; 0 means 100
}

// SignIn is one sign-in event.
type SignIn struct {
	Time              time.Time
	App               string
	ClientApp         string
	IPAddress         string
	Location          string // "City, CC"
	ErrorCode         int    // 0 is success
	FailureReason     string
	AdditionalDetails string
	// CAPolicies are the Conditional Access policies that failed this sign-in, by name (or
	// id when the names are not readable).
	CAPolicies []string
}

// Succeeded reports whether the sign-in worked.
func (s SignIn) Succeeded() bool { return s.ErrorCode == 0 }

// SignIns reads a user's recent interactive sign-ins, newest first.
func (c *Client) SignIns(ctx context.Context, ident string, q SignInQuery) (*directory.User, []SignIn, error) {
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
	var out []SignIn
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

func signInFromModel(s models.SignInable) SignIn {
	out := SignIn{App: str(s.GetAppDisplayName()), ClientApp: str(s.GetClientAppUsed()), IPAddress: str(s.GetIpAddress())}
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

// SignInExplanation is a sign-in error code in words, and what the help desk does next.
type SignInExplanation struct {
	Meaning string
	Next    string
}

// signInErrors are the codes a help desk meets most (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
var signInErrors = map[int]SignInExplanation{
	0:      {"success", ""},
	50126:  {"wrong user name or password", "check the user types the right account and password; reset the password if they have forgotten it (adkit user reset-password)"},
	50053:  {"account locked by smart lockout (too many wrong passwords), or sign-in from a blocked IP address", "wait for the lockout to end (1 minute by default, longer on repeats) and check nothing is trying an old password (a phone's mail app); reset the password if it is compromised"},
	50057:  {"the account is disabled", "enable it if it should work: adkit user enable"},
	50055:  {"the password has expired", "have the user change it at sign-in, or reset it: adkit user reset-password"},
	50056:  {"the account has no password (or an invalid one) in Entra ID", "reset the password: adkit user reset-password"},
	50074:  {"strong authentication (MFA) was required and the user was asked for it", "usually normal; if the user cannot complete MFA, check their methods (adkit user mfa) or issue a Temporary Access Pass (adkit user tap)"},
	50076:  {"MFA is required (by policy, or because of the location) and was not done in this request", "usually normal; if it repeats, check the user's methods (adkit user mfa)"},
	50079:  {"the user must register for MFA", "have the user register at https://aka.ms/mysecurityinfo, or issue a Temporary Access Pass to register with (adkit user tap)"},
	50072:  {"the user must enrol for MFA", "have the user register at https://aka.ms/mysecurityinfo, or issue a Temporary Access Pass (adkit user tap)"},
	500121: {"MFA failed: the user denied, ignored or did not complete the MFA prompt", "ask whether they got the prompt; a lost phone: remove the old methods (adkit user mfa reset) and issue a Temporary Access Pass (adkit user tap); unexpected prompts they denied can mean someone has their password: reset it"},
	50158:  {"an external security challenge (third-party MFA) was not satisfied", "check the third-party MFA provider"},
	53003:  {"blocked by Conditional Access", "see which policy blocked it (below) and whether the user, device or location should meet it"},
	53000:  {"the device is not compliant or not managed, which Conditional Access requires", "enrol the device in Intune or use a compliant one"},
	53001:  {"the device is not hybrid Azure AD joined, which Conditional Access requires", "use a joined device or check the device's join state"},
	530032: {"blocked by a security policy (security defaults or a tenant restriction)", "check the tenant's security defaults and policies"},
	50034:  {"the account does not exist in this tenant", "check the user name for typos; a guest must use their invitation"},
	50058:  {"no session to sign in silently with", "normal for apps trying a silent sign-in; not a problem by itself"},
	50140:  {"the 'stay signed in?' prompt interrupted the sign-in", "normal; not a problem by itself"},
	50133:  {"the session ended because the password changed or expired", "sign in again with the new password"},
	50173:  {"the credentials were revoked (password changed, sessions revoked)", "sign in again with the new password"},
	50097:  {"device authentication is required", "sign in from a registered device"},
	50125:  {"sign-in interrupted by a password reset or registration", "have the user finish the password reset or registration"},
	50105:  {"the user is not assigned to this application", "assign the user (or a group they are in) to the app in Entra ID"},
	65001:  {"the user or an administrator has not consented to the application", "have an administrator grant consent to the app"},
	700082: {"the refresh token expired from inactivity", "sign in again"},
	81010:  {"seamless single sign-on failed: the Kerberos ticket is invalid or expired", "sign in with user name and password; check the device's clock and the AZUREADSSOACC account"},
}

// ExplainSignInError says what a sign-in error code means and what to do; ok is false for a
// code adkit does not know, which then reads as Graph's failureReason.
func ExplainSignInError(code int) (SignInExplanation, bool) {
	e, ok := signInErrors[code]
	return e, ok
}
