package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/reports"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// The authentication methods API (Microsoft Graph v1.0):
// https://learn.microsoft.com/graph/api/resources/authenticationmethods-overview
//
// GET /users/{id}/authentication/methods lists every method, each with its @odata.type. There
// is no DELETE on /authentication/methods/{id}: a method is removed through its own type's
// collection (phoneMethods, microsoftAuthenticatorMethods, fido2Methods, ...). The password
// method is listed (id 28c10230-6103-485e-b985-444c60001490) but cannot be deleted. Phone
// method ids are fixed per phone type, and Graph refuses to delete the mobile phone while an
// alternate mobile phone exists
// (https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete). FIDO2 ids are
// base64url and may begin with '-'.

// AuthMethods lists a user's registered authentication methods.
func (c *Client) AuthMethods(ctx context.Context, ident string) (*directory.AuthMethods, error) {
	m, err := c.findUser(ctx, ident, userSelect)
	if err != nil {
		return nil, err
	}
	u := userFromModel(m)
	methods, err := c.authMethods(ctx, u)
	if err != nil {
		return nil, err
	}
	return &directory.AuthMethods{User: u, Methods: methods, Default: c.defaultMethod(ctx, u.ID)}, nil
}

func (c *Client) authMethods(ctx context.Context, u *directory.User) ([]directory.AuthMethod, error) {
	first, err := c.usersAPI().ByUserId(u.ID).Authentication().Methods().Get(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read authentication methods of %s: %w", u.UserPrincipalName, explain(err, "UserAuthenticationMethod.Read.All"))
	}
	var out []directory.AuthMethod
	err = eachPage(ctx, c, first, models.CreateAuthenticationMethodCollectionResponseFromDiscriminatorValue,
		func(m models.AuthenticationMethodable) error {
			out = append(out, methodFromModel(m))
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read authentication methods of %s: %w", u.UserPrincipalName, err)
	}
	return out, nil
}

// defaultMethod reads the preferred MFA method from the registration report; "" when the
// report cannot be read, which is not worth failing the listing for.
func (c *Client) defaultMethod(ctx context.Context, id string) string {
	r, err := reports.NewReportsRequestBuilderInternal(c.pathParameters(), c.adapter).AuthenticationMethods().
		UserRegistrationDetails().ByUserRegistrationDetailsId(id).Get(ctx, nil)
	if err != nil || r == nil || r.GetUserPreferredMethodForSecondaryAuthentication() == nil {
		return ""
	}
	if p := r.GetUserPreferredMethodForSecondaryAuthentication().String(); p != "none" && p != "unknownFutureValue" {
		return p
	}
	return ""
}

func methodFromModel(m models.AuthenticationMethodable) directory.AuthMethod {
	out := directory.AuthMethod{ID: str(m.GetId()), Removable: true}
	switch v := m.(type) {
	case models.PasswordAuthenticationMethodable:
		out.Type, out.Created, out.Removable = directory.MethodPassword, v.GetCreatedDateTime(), false
	case models.PhoneAuthenticationMethodable:
		out.Type, out.Detail = directory.MethodPhone, maskPhone(str(v.GetPhoneNumber()))
		if t := v.GetPhoneType(); t != nil {
			out.PhoneType = t.String()
		}
	case models.MicrosoftAuthenticatorAuthenticationMethodable:
		out.Type, out.Detail, out.Created = directory.MethodAuthenticator, str(v.GetDisplayName()), v.GetCreatedDateTime()
	case models.Fido2AuthenticationMethodable:
		out.Type, out.Created = directory.MethodFIDO2, v.GetCreatedDateTime()
		out.Detail = strings.TrimSpace(str(v.GetDisplayName()) + " " + paren(str(v.GetModel())))
	case models.WindowsHelloForBusinessAuthenticationMethodable:
		out.Type, out.Detail, out.Created = directory.MethodWindowsHello, str(v.GetDisplayName()), v.GetCreatedDateTime()
	case models.SoftwareOathAuthenticationMethodable:
		out.Type = directory.MethodSoftwareOATH
	case models.EmailAuthenticationMethodable:
		out.Type, out.Detail = directory.MethodEmail, maskEmail(str(v.GetEmailAddress()))
	case models.TemporaryAccessPassAuthenticationMethodable:
		out.Type, out.Created = directory.MethodTemporaryAccess, v.GetCreatedDateTime()
		out.Detail = tapDetail(v)
	case models.PlatformCredentialAuthenticationMethodable:
		out.Type, out.Detail, out.Created = directory.MethodPlatformCredential, str(v.GetDisplayName()), v.GetCreatedDateTime()
	default:
		out.Type = strings.TrimPrefix(str(m.GetOdataType()), "#microsoft.graph.")
		out.Removable = false
	}
	return out
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

func tapDetail(v models.TemporaryAccessPassAuthenticationMethodable) string {
	var parts []string
	if s := v.GetStartDateTime(); s != nil {
		end := *s
		if l := v.GetLifetimeInMinutes(); l != nil {
			end = s.Add(time.Duration(*l) * time.Minute)
		}
		parts = append(parts, "valid "+s.UTC().Format("2006-01-02 15:04")+" to "+end.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if o := v.GetIsUsableOnce(); o != nil && *o {
		parts = append(parts, "one-time")
	}
	if r := str(v.GetMethodUsabilityReason()); r != "" {
		parts = append(parts, r)
	}
	return strings.Join(parts, ", ")
}

// maskPhone keeps the country code and the last two digits: "+1 2065550123" → "+1 ********23".
func maskPhone(p string) string {
	p = strings.TrimSpace(p)
	if p == "" {
		return ""
	}
	prefix, rest, ok := strings.Cut(p, " ")
	if !ok || !strings.HasPrefix(prefix, "+") {
		prefix, rest = "", p
	}
	var digits []rune
	for _, r := range rest {
		if r >= '0' && r <= '9' {
			digits = append(digits, r)
		}
	}
	if len(digits) <= 2 {
		return strings.TrimSpace(prefix + " " + strings.Repeat("*", len(digits)))
	}
	masked := strings.Repeat("*", len(digits)-2) + string(digits[len(digits)-2:])
	return strings.TrimSpace(prefix + " " + masked)
}

// maskEmail keeps the first letter and the domain: "jdoe@example.com" → "j***@example.com".
func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" {
		return ""
	}
	return local[:1] + "***@" + domain
}

// PlanMethodReset reads the user's methods and works out which the selector removes, refusing
// what Graph would refuse: the password method, an unknown id, the mobile phone without the
// alternate mobile.
func (c *Client) PlanMethodReset(ctx context.Context, ident string, sel directory.MethodSelector) (*directory.MethodResetPlan, error) {
	all, err := c.AuthMethods(ctx, ident)
	if err != nil {
		return nil, err
	}
	u := all.User
	plan := &directory.MethodResetPlan{User: u, Default: all.Default}
	picked := map[string]bool{}
	for _, id := range sel.IDs {
		i := slices.IndexFunc(all.Methods, func(m directory.AuthMethod) bool { return m.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("%w: %s has no authentication method with id %q; list them with: adkit user mfa %s",
				directory.ErrNotFound, u.UserPrincipalName, id, u.UserPrincipalName)
		}
		if all.Methods[i].Type == directory.MethodPassword {
			return nil, passwordNotRemovable(u)
		}
		if !all.Methods[i].Removable {
			return nil, fmt.Errorf("%w: adkit cannot remove a method of type %s; remove it in the Entra admin center", directory.ErrInvalidInput, all.Methods[i].Type)
		}
		picked[id] = true
	}
	for _, t := range sel.Types {
		if t == directory.MethodPassword {
			return nil, passwordNotRemovable(u)
		}
		for _, m := range all.Methods {
			if m.Type == t {
				picked[m.ID] = true
			}
		}
	}
	for _, m := range all.Methods {
		if sel.All && m.Removable {
			picked[m.ID] = true
		}
	}
	for _, m := range all.Methods {
		if picked[m.ID] {
			plan.Remove = append(plan.Remove, m)
		} else {
			plan.Keep = append(plan.Keep, m)
		}
	}
	// Graph refuses to delete the mobile phone while an alternate mobile exists: the
	// alternate goes first, and removing the mobile alone is refused here, before anything.
	alt := slices.IndexFunc(plan.Remove, func(m directory.AuthMethod) bool { return m.ID == directory.PhoneAlternateMobileID })
	mob := slices.IndexFunc(plan.Remove, func(m directory.AuthMethod) bool { return m.ID == directory.PhoneMobileID })
	if mob >= 0 && slices.ContainsFunc(plan.Keep, func(m directory.AuthMethod) bool { return m.ID == directory.PhoneAlternateMobileID }) {
		return nil, fmt.Errorf("%w: Graph does not remove the mobile phone of %s while an alternate mobile phone is registered: remove both (--type phone) or the alternate mobile first (--method %s)",
			directory.ErrInvalidInput, u.UserPrincipalName, directory.PhoneAlternateMobileID)
	}
	if alt >= 0 && mob >= 0 && mob < alt {
		plan.Remove[mob], plan.Remove[alt] = plan.Remove[alt], plan.Remove[mob]
	}
	plan.LeavesNone = !slices.ContainsFunc(plan.Keep, func(m directory.AuthMethod) bool { return m.Type != directory.MethodPassword })
	return plan, nil
}

func passwordNotRemovable(u *directory.User) error {
	return fmt.Errorf("%w: the password method of %s cannot be removed (Graph does not allow it); reset the password instead: adkit user reset-password %s",
		directory.ErrInvalidInput, u.UserPrincipalName, u.UserPrincipalName)
}

// RemoveMethods deletes the planned methods one by one, in order, each through its own type's
// collection and each one audited change (user.remove_auth_method). A method already gone is
// recorded as skipped. It stops at the first failure: the rest are reported as not attempted,
// so that the mobile phone is never tried after its alternate could not be removed.
func (c *Client) RemoveMethods(ctx context.Context, plan *directory.MethodResetPlan) []directory.MethodRemoval {
	out := make([]directory.MethodRemoval, len(plan.Remove))
	u := plan.User
	failed := false
	for i, m := range plan.Remove {
		out[i].Method = m
		if failed {
			out[i].Err = errors.New("not attempted: an earlier removal failed")
			continue
		}
		changes := []audit.Change{{Attribute: "authentication/" + methodCollection(m.Type), Before: m.Label() + " id " + m.ID}}
		var gone bool
		err := c.change(ctx, "user.remove_auth_method", userTarget(u), changes, func(ctx context.Context) error {
			err := c.deleteMethod(ctx, u.ID, m)
			if f, ok := asFailure(err); ok && f.status == 404 {
				gone = true
				return audit.Skipped("already removed")
			}
			return explain(err, "UserAuthenticationMethod.ReadWrite.All")
		})
		switch {
		case gone:
			out[i].Note = "was already removed"
		case err != nil:
			out[i].Err = fmt.Errorf("remove %s of %s: %w", m.Label(), u.UserPrincipalName, err)
			failed = true
		case c.DryRun():
			out[i].WouldChange, out[i].Note = true, "would remove "+m.Label()+" (dry run: nothing changed)"
		default:
			out[i].Changed, out[i].Note = true, "removed "+m.Label()
		}
	}
	return out
}

// methodCollection is the Graph collection a method type is deleted through.
func methodCollection(t string) string {
	return map[string]string{
		directory.MethodPhone: "phoneMethods", directory.MethodAuthenticator: "microsoftAuthenticatorMethods", directory.MethodFIDO2: "fido2Methods",
		directory.MethodWindowsHello: "windowsHelloForBusinessMethods", directory.MethodSoftwareOATH: "softwareOathMethods",
		directory.MethodEmail: "emailMethods", directory.MethodTemporaryAccess: "temporaryAccessPassMethods",
		directory.MethodPlatformCredential: "platformCredentialMethods", directory.MethodPassword: "passwordMethods",
	}[t]
}

// deleteMethod sends DELETE /users/{id}/authentication/{collection}/{method id}.
func (c *Client) deleteMethod(ctx context.Context, userID string, m directory.AuthMethod) error {
	a := c.usersAPI().ByUserId(userID).Authentication()
	switch m.Type {
	case directory.MethodPhone:
		return a.PhoneMethods().ByPhoneAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case directory.MethodAuthenticator:
		return a.MicrosoftAuthenticatorMethods().ByMicrosoftAuthenticatorAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case directory.MethodFIDO2:
		return a.Fido2Methods().ByFido2AuthenticationMethodId(m.ID).Delete(ctx, nil)
	case directory.MethodWindowsHello:
		return a.WindowsHelloForBusinessMethods().ByWindowsHelloForBusinessAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case directory.MethodSoftwareOATH:
		return a.SoftwareOathMethods().BySoftwareOathAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case directory.MethodEmail:
		return a.EmailMethods().ByEmailAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case directory.MethodTemporaryAccess:
		return a.TemporaryAccessPassMethods().ByTemporaryAccessPassAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case directory.MethodPlatformCredential:
		return a.PlatformCredentialMethods().ByPlatformCredentialAuthenticationMethodId(m.ID).Delete(ctx, nil)
	}
	return fmt.Errorf("%w: adkit cannot remove a method of type %s", directory.ErrInvalidInput, m.Type)
}
