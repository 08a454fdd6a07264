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

// Method types, as adkit names them (JSON "type", and --type of user mfa reset).
const (
	MethodPassword           = "password"
	MethodPhone              = "phone"
	MethodAuthenticator      = "authenticator"
	MethodFIDO2              = "fido2"
	MethodWindowsHello       = "windows_hello"
	MethodSoftwareOATH       = "software_oath"
	MethodEmail              = "email"
	MethodTemporaryAccess    = "temporary_access_pass"
	MethodPlatformCredential = "platform_credential"
)

// MethodTypes are the types --type accepts, in the order they are listed in help.
var MethodTypes = []string{MethodPhone, MethodAuthenticator, MethodFIDO2, MethodWindowsHello, MethodSoftwareOATH,
	MethodEmail, MethodTemporaryAccess, MethodPlatformCredential}

// Phone method ids are the same for every user (phoneAuthenticationMethod, "id").
const (
	PhoneMobileID          = "3179e48a-750b-4051-897c-87b9720928f7"
	PhoneAlternateMobileID = "b6332ec1-7057-4abe-9331-3d72feddfe41"
	PhoneOfficeID          = "e37fc753-ff3b-4958-9484-eaa9425c82bc"
	PasswordMethodID       = "28c10230-6103-485e-b985-444c60001490"
)

// NormalizeMethodType reads a --type value: kebab or snake case, and "tap" for the Temporary
// Access Pass. It returns "" for a type adkit does not know.
func NormalizeMethodType(s string) string {
	t := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
	switch t {
	case "tap":
		return MethodTemporaryAccess
	case "microsoft_authenticator":
		return MethodAuthenticator
	case "windows_hello_for_business", "whfb":
		return MethodWindowsHello
	case "oath":
		return MethodSoftwareOATH
	}
	if t == MethodPassword || slices.Contains(MethodTypes, t) {
		return t
	}
	return ""
}

// AuthMethod is one registered authentication method. Phone numbers and e-mail addresses are
// masked here, so that the full number never reaches output or logs.
type AuthMethod struct {
	ID        string
	Type      string // one of the Method constants, or Graph's type name for one adkit does not know
	PhoneType string // mobile, alternateMobile, office
	// Detail says which one it is: a masked number, a device name, a key model.
	Detail  string
	Created *time.Time
	// Removable: adkit knows the method's collection and Graph allows deleting it.
	Removable bool
}

// Label is the method as a technician reads it: "phone (mobile +1 *******67)".
func (m AuthMethod) Label() string {
	d := m.Detail
	if m.PhoneType != "" {
		d = strings.TrimSpace(m.PhoneType + " " + d)
	}
	if d == "" {
		return m.Type
	}
	return m.Type + " (" + d + ")"
}

// AuthMethods is a user's registered methods.
type AuthMethods struct {
	User    *directory.User
	Methods []AuthMethod
	// Default is the user's preferred method for MFA (userPreferredMethodForSecondaryAuthentication
	// of the registration report: push, oath, sms, voiceMobile, ...); empty when it cannot be
	// read (the report needs AuditLog.Read.All).
	Default string
}

// AuthMethods lists a user's registered authentication methods.
func (c *Client) AuthMethods(ctx context.Context, ident string) (*AuthMethods, error) {
	m, err := c.findUser(ctx, ident, userSelect)
	if err != nil {
		return nil, err
	}
	u := userFromModel(m)
	methods, err := c.authMethods(ctx, u)
	if err != nil {
		return nil, err
	}
	return &AuthMethods{User: u, Methods: methods, Default: c.defaultMethod(ctx, u.ID)}, nil
}

func (c *Client) authMethods(ctx context.Context, u *directory.User) ([]AuthMethod, error) {
	first, err := c.usersAPI().ByUserId(u.ID).Authentication().Methods().Get(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read authentication methods of %s: %w", u.UserPrincipalName, explain(err, "UserAuthenticationMethod.Read.All"))
	}
	var out []AuthMethod
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

func methodFromModel(m models.AuthenticationMethodable) AuthMethod {
	out := AuthMethod{ID: str(m.GetId()), Removable: true}
	switch v := m.(type) {
	case models.PasswordAuthenticationMethodable:
		out.Type, out.Created, out.Removable = MethodPassword, v.GetCreatedDateTime(), false
	case models.PhoneAuthenticationMethodable:
		out.Type, out.Detail = MethodPhone, maskPhone(str(v.GetPhoneNumber()))
		if t := v.GetPhoneType(); t != nil {
			out.PhoneType = t.String()
		}
	case models.MicrosoftAuthenticatorAuthenticationMethodable:
		out.Type, out.Detail, out.Created = MethodAuthenticator, str(v.GetDisplayName()), v.GetCreatedDateTime()
	case models.Fido2AuthenticationMethodable:
		out.Type, out.Created = MethodFIDO2, v.GetCreatedDateTime()
		out.Detail = strings.TrimSpace(str(v.GetDisplayName()) + " " + paren(str(v.GetModel())))
	case models.WindowsHelloForBusinessAuthenticationMethodable:
		out.Type, out.Detail, out.Created = MethodWindowsHello, str(v.GetDisplayName()), v.GetCreatedDateTime()
	case models.SoftwareOathAuthenticationMethodable:
		out.Type = MethodSoftwareOATH
	case models.EmailAuthenticationMethodable:
		out.Type, out.Detail = MethodEmail, maskEmail(str(v.GetEmailAddress()))
	case models.TemporaryAccessPassAuthenticationMethodable:
		out.Type, out.Created = MethodTemporaryAccess, v.GetCreatedDateTime()
		out.Detail = tapDetail(v)
	case models.PlatformCredentialAuthenticationMethodable:
		out.Type, out.Detail, out.Created = MethodPlatformCredential, str(v.GetDisplayName()), v.GetCreatedDateTime()
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

// MethodSelector picks the methods user mfa reset removes: by id, by type, or all.
type MethodSelector struct {
	IDs   []string
	Types []string // Method constants
	All   bool
}

// MethodResetPlan is what a reset would remove, for the confirmation and the lock-out check.
type MethodResetPlan struct {
	User    *directory.User
	Remove  []AuthMethod // in the order they will be deleted
	Keep    []AuthMethod
	Default string
	// LeavesNone: after the reset the user has no method left to pass MFA or reset their own
	// password with (only the password, or nothing).
	LeavesNone bool
}

// PlanMethodReset reads the user's methods and works out which the selector removes, refusing
// what Graph would refuse: the password method, an unknown id, the mobile phone without the
// alternate mobile.
func (c *Client) PlanMethodReset(ctx context.Context, ident string, sel MethodSelector) (*MethodResetPlan, error) {
	all, err := c.AuthMethods(ctx, ident)
	if err != nil {
		return nil, err
	}
	u := all.User
	plan := &MethodResetPlan{User: u, Default: all.Default}
	picked := map[string]bool{}
	for _, id := range sel.IDs {
		i := slices.IndexFunc(all.Methods, func(m AuthMethod) bool { return m.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("%w: %s has no authentication method with id %q; list them with: adkit user mfa %s",
				directory.ErrNotFound, u.UserPrincipalName, id, u.UserPrincipalName)
		}
		if all.Methods[i].Type == MethodPassword {
			return nil, passwordNotRemovable(u)
		}
		if !all.Methods[i].Removable {
			return nil, fmt.Errorf("%w: adkit cannot remove a method of type %s; remove it in the Entra admin center", directory.ErrInvalidInput, all.Methods[i].Type)
		}
		picked[id] = true
	}
	for _, t := range sel.Types {
		if t == MethodPassword {
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
	alt := slices.IndexFunc(plan.Remove, func(m AuthMethod) bool { return m.ID == PhoneAlternateMobileID })
	mob := slices.IndexFunc(plan.Remove, func(m AuthMethod) bool { return m.ID == PhoneMobileID })
	if mob >= 0 && slices.ContainsFunc(plan.Keep, func(m AuthMethod) bool { return m.ID == PhoneAlternateMobileID }) {
		return nil, fmt.Errorf("%w: Graph does not remove the mobile phone of %s while an alternate mobile phone is registered: remove both (--type phone) or the alternate mobile first (--method %s)",
			directory.ErrInvalidInput, u.UserPrincipalName, PhoneAlternateMobileID)
	}
	if alt >= 0 && mob >= 0 && mob < alt {
		plan.Remove[mob], plan.Remove[alt] = plan.Remove[alt], plan.Remove[mob]
	}
	plan.LeavesNone = !slices.ContainsFunc(plan.Keep, func(m AuthMethod) bool { return m.Type != MethodPassword })
	return plan, nil
}

func passwordNotRemovable(u *directory.User) error {
	return fmt.Errorf("%w: the password method of %s cannot be removed (Graph does not allow it); reset the password instead: adkit user reset-password %s",
		directory.ErrInvalidInput, u.UserPrincipalName, u.UserPrincipalName)
}

// MethodRemoval is what removing one method did.
type MethodRemoval struct {
	Method      AuthMethod
	Changed     bool
	WouldChange bool // dry run
	Note        string
	Err         error
}

// RemoveMethods deletes the planned methods one by one, in order, each through its own type's
// collection and each one audited change (user.remove_auth_method). A method already gone is
// recorded as skipped. It stops at the first failure: the rest are reported as not attempted,
// so that the mobile phone is never tried after its alternate could not be removed.
func (c *Client) RemoveMethods(ctx context.Context, plan *MethodResetPlan) []MethodRemoval {
	out := make([]MethodRemoval, len(plan.Remove))
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
		MethodPhone: "phoneMethods", MethodAuthenticator: "microsoftAuthenticatorMethods", MethodFIDO2: "fido2Methods",
		MethodWindowsHello: "windowsHelloForBusinessMethods", MethodSoftwareOATH: "softwareOathMethods",
		MethodEmail: "emailMethods", MethodTemporaryAccess: "temporaryAccessPassMethods",
		MethodPlatformCredential: "platformCredentialMethods", MethodPassword: "passwordMethods",
	}[t]
}

// deleteMethod sends DELETE /users/{id}/authentication/{collection}/{method id}.
func (c *Client) deleteMethod(ctx context.Context, userID string, m AuthMethod) error {
	a := c.usersAPI().ByUserId(userID).Authentication()
	switch m.Type {
	case MethodPhone:
		return a.PhoneMethods().ByPhoneAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodAuthenticator:
		return a.MicrosoftAuthenticatorMethods().ByMicrosoftAuthenticatorAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodFIDO2:
		return a.Fido2Methods().ByFido2AuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodWindowsHello:
		return a.WindowsHelloForBusinessMethods().ByWindowsHelloForBusinessAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodSoftwareOATH:
		return a.SoftwareOathMethods().BySoftwareOathAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodEmail:
		return a.EmailMethods().ByEmailAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodTemporaryAccess:
		return a.TemporaryAccessPassMethods().ByTemporaryAccessPassAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodPlatformCredential:
		return a.PlatformCredentialMethods().ByPlatformCredentialAuthenticationMethodId(m.ID).Delete(ctx, nil)
	}
	return fmt.Errorf("%w: adkit cannot remove a method of type %s", directory.ErrInvalidInput, m.Type)
}
