package directory

import (
	"time"

	"github.com/adkit-dev/adkit/internal/secret"
)

// Outcome says what a change did to one account, for the per-target report.
type Outcome struct {
	User    *User
	Changed bool   // false: nothing needed doing (e.g. the account was not locked), or a dry run
	Note    string // what happened, in words
	// WouldChange is set on a dry run for a change that would have been made.
	WouldChange bool
}

// Step is one change of an offboarding or a restore, as the per-account report shows it.
type Step struct {
	Action      string `json:"action"` // the audit action, e.g. user.disable
	Changed     bool   `json:"changed"`
	WouldChange bool   `json:"would_change,omitempty"`
	Note        string `json:"note"`
}

// AnyChanged reports whether any step changed (or, on a dry run, would change) something.
func AnyChanged(steps []Step) bool {
	for _, s := range steps {
		if s.Changed || s.WouldChange {
			return true
		}
	}
	return false
}

// ResetOptions controls a password reset.
type ResetOptions struct {
	// Password is the new password; empty means generate one the policy accepts.
	Password secret.Secret
	// MustChange sets "must change password at next logon" (pwdLastSet=0).
	MustChange bool
	// Unlock also clears a lockout, in the same modify.
	Unlock bool
	// Length is the generated password's minimum length (the policy's minimum may raise it).
	Length int
	// Format of a generated password: password.FormatRandom (default) or FormatReadable.
	Format string
}

// ResetResult is a reset's outcome and, when adkit generated it, the new password.
type ResetResult struct {
	Outcome
	Password  secret.Secret
	Generated bool
	Policy    PasswordPolicy
	// Unlocked: the reset also cleared a lockout (or, on a dry run, would have). False when
	// Unlock was asked for but the account was not locked.
	Unlocked bool
}

// PasswordPolicy is the password and lockout policy that applies to an account: the domain's,
// or a fine-grained password policy (PSO) when one applies.
type PasswordPolicy struct {
	MinLength        int           `json:"min_length"`
	Complexity       bool          `json:"complexity"`
	HistoryLength    int           `json:"history_length"`
	MaxAge           time.Duration `json:"max_age"` // 0: passwords never expire
	MinAge           time.Duration `json:"min_age"`
	LockoutThreshold int           `json:"lockout_threshold"`
	LockoutDuration  time.Duration `json:"lockout_duration"`
	Source           string        `json:"source"` // the DN the policy was read from
}

// NewUser describes an account a technician asks to create (`user create`); the back end
// decides what the request leaves open (names, OU, password).
type NewUser struct {
	GivenName         string
	Surname           string
	DisplayName       string // default "Given Surname"; also the CN
	SAMAccountName    string
	UserPrincipalName string // default sam@<domain DNS name>
	OU                string // default the domain's Users container
	Mail              string
	EmployeeID        string
	Department        string
	Title             string
	Manager           string // any user identity; resolved to a DN
	Description       string
	AccountExpires    *time.Time
	Password          secret.Secret // empty: generate one the policy accepts
	PasswordLength    int
	PasswordFormat    string // password.FormatRandom (default) or FormatReadable
	MustChange        bool
	Groups            []string // group identities
	UsageLocation     string   // Entra ID only (--usage-location, or --like's)
}

// CreateResult is the new account, its groups and, when generated, its password.
type CreateResult struct {
	User      *User
	DN        string
	Groups    []GroupRef
	Password  secret.Secret
	Generated bool
	// Renamed says why the account's CN is not its display name (the name was taken in the
	// OU); "" when it is.
	Renamed string
}
