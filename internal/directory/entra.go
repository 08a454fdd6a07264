package directory

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/internal/secret"
)

// The Entra ID help-desk vocabulary: authentication methods, Temporary Access Passes,
// sign-ins and risk, as the graph back end returns them and the commands print them. The
// Graph requests behind them, and Microsoft's documentation of each, are in graph/.

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
func MethodTypes() []string {
	return []string{MethodPhone, MethodAuthenticator, MethodFIDO2, MethodWindowsHello, MethodSoftwareOATH,
		MethodEmail, MethodTemporaryAccess, MethodPlatformCredential}
}

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
	if t == MethodPassword || slices.Contains(MethodTypes(), t) {
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
	User    *User
	Methods []AuthMethod
	// Default is the user's preferred method for MFA (userPreferredMethodForSecondaryAuthentication
	// of the registration report: push, oath, sms, voiceMobile, ...); empty when it cannot be
	// read (the report needs AuditLog.Read.All).
	Default string
}

// MethodSelector picks the methods user mfa reset removes: by id, by type, or all.
type MethodSelector struct {
	IDs   []string
	Types []string // Method constants
	All   bool
}

// MethodResetPlan is what a reset would remove, for the confirmation and the lock-out check.
type MethodResetPlan struct {
	User    *User
	Remove  []AuthMethod // in the order they will be deleted
	Keep    []AuthMethod
	Default string
	// LeavesNone: after the reset the user has no method left to pass MFA or reset their own
	// password with (only the password, or nothing).
	LeavesNone bool
}

// MethodRemoval is what removing one method did.
type MethodRemoval struct {
	Method      AuthMethod
	Changed     bool
	WouldChange bool // dry run
	Note        string
	Err         error
}

// TAP lifetime bounds Graph accepts whatever the policy says.
const (
	MinTAPLifetime = 10 * time.Minute
	MaxTAPLifetime = 43200 * time.Minute
)

// TAPOptions shape a new pass. Zero values leave the choice to the tenant's policy.
type TAPOptions struct {
	Lifetime time.Duration // whole minutes, MinTAPLifetime to MaxTAPLifetime
	OneTime  *bool
	Start    *time.Time
}

// Validate checks what Graph would refuse whatever the policy: the lifetime's hard bounds.
func (o TAPOptions) Validate() error {
	if o.Lifetime == 0 {
		return nil
	}
	if o.Lifetime < MinTAPLifetime || o.Lifetime > MaxTAPLifetime || o.Lifetime%time.Minute != 0 {
		return fmt.Errorf("%w: a Temporary Access Pass lives between 10 minutes and 30 days (720h), in whole minutes, not %s; the tenant's policy may narrow that (60 to 480 minutes by default)",
			ErrInvalidInput, o.Lifetime)
	}
	return nil
}

// TAP is a Temporary Access Pass just created. Pass is empty on a dry run.
type TAP struct {
	User            *User
	ID              string
	Pass            secret.Secret
	Start, End      time.Time
	LifetimeMinutes int
	OneTime         bool
	Usable          bool
	UsabilityReason string // e.g. NotYetValid
	WouldChange     bool   // dry run
}

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

// SignInExplanation is a sign-in error code in words, and what the help desk does next.
type SignInExplanation struct {
	Meaning string
	Next    string
}

// signInErrors are the codes a help desk meets most (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
func signInErrors() map[int]SignInExplanation {
	return map[int]SignInExplanation{
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
}

// ExplainSignInError says what a sign-in error code means and what to do; ok is false for a
// code adkit does not know, which then reads as Graph's failureReason.
func ExplainSignInError(code int) (SignInExplanation, bool) {
	e, ok := signInErrors()[code]
	return e, ok
}

// RiskState is a user's Identity Protection risk.
type RiskState struct {
	Level   string // none, low, medium, high, hidden
	State   string // none, atRisk, confirmedCompromised, dismissed, remediated, confirmedSafe ...
	Detail  string // riskDetail
	Updated *time.Time
	// NeverAtRisk: Graph has no riskyUser for this user.
	NeverAtRisk bool
}

// AtRisk reports whether the user is currently at risk.
func (r RiskState) AtRisk() bool { return r.State == "atRisk" || r.State == "confirmedCompromised" }
