// Package directory is the vocabulary shared by the Active Directory and Entra ID back ends:
// the User and Group they return and the errors every command maps to an exit code.
// It holds no behaviour, so both back ends and the command tree can import it cheaply.
package directory

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/internal/secret"
)

// Kind names the directory a record or command is about.
const (
	KindAD    = "ad"
	KindEntra = "entra"
)

// User is an account as technicians see it. JSON names are part of the public contract
// (see the spec's `user show` field list): add fields, never rename them.
type User struct {
	DN                string     `json:"dn"`
	ID                string     `json:"id,omitempty"`
	SAMAccountName    string     `json:"sam_account_name"`
	UserPrincipalName string     `json:"user_principal_name"`
	DisplayName       string     `json:"display_name"`
	GivenName         string     `json:"given_name"`
	Surname           string     `json:"surname"`
	Mail              string     `json:"mail"`
	Enabled           bool       `json:"enabled"`
	Locked            bool       `json:"locked"`
	LockoutTime       *time.Time `json:"lockout_time"`
	BadPwdCount       int        `json:"bad_pwd_count"`
	// LastBadPasswordTime is badPasswordTime: the last wrong password, as this DC saw it.
	LastBadPasswordTime *time.Time `json:"last_bad_password_time"`
	// LockoutEnds is when a locked account unlocks by itself (lockoutTime plus the lockout
	// duration of the policy that applies); null when it is not locked, or when the policy's
	// duration is 0 and only an administrator can unlock it (see UnlocksByItself).
	LockoutEnds *time.Time `json:"lockout_ends"`
	// UnlocksByItself says, for a locked account, whether the lockout ends without anyone
	// doing anything; null when not locked or unknown.
	UnlocksByItself *bool `json:"unlocks_by_itself,omitempty"`
	// LockoutPolicy is the DN of the policy the lockout duration comes from: the domain, or
	// the fine-grained password policy (PSO) that applies to the account.
	LockoutPolicy        string     `json:"lockout_policy,omitempty"`
	PwdLastSet           *time.Time `json:"pwd_last_set"`
	PasswordNeverExpires bool       `json:"password_never_expires"`
	PasswordExpired      bool       `json:"password_expired"`
	MustChangePassword   bool       `json:"must_change_password"`
	LastLogon            *time.Time `json:"last_logon"`
	WhenCreated          *time.Time `json:"when_created"`
	AccountExpires       *time.Time `json:"account_expires"`
	EmployeeID           string     `json:"employee_id"`
	Department           string     `json:"department"`
	Title                string     `json:"title"`
	Manager              string     `json:"manager"`
	UsageLocation        string     `json:"usage_location,omitempty"` // Entra ID: the licensing country
	Description          string     `json:"description"`
	MemberOf             []string   `json:"member_of"`
	PrimaryGroupID       int        `json:"primary_group_id,omitempty"`
	ObjectGUID           string     `json:"object_guid,omitempty"`
	ObjectSID            string     `json:"object_sid,omitempty"`
}

// Name is the most recognisable short name for messages: the logon name when there is one.
func (u *User) Name() string {
	switch {
	case u.SAMAccountName != "":
		return u.SAMAccountName
	case u.UserPrincipalName != "":
		return u.UserPrincipalName
	default:
		return u.DN
	}
}

// Group is a security or distribution group.
type Group struct {
	DN             string   `json:"dn"`
	ID             string   `json:"id,omitempty"`
	SAMAccountName string   `json:"sam_account_name"`
	CN             string   `json:"cn"`
	Description    string   `json:"description"`
	Mail           string   `json:"mail"`
	Scope          string   `json:"scope"`
	Security       bool     `json:"security"`
	Members        []string `json:"members"`
	MemberOf       []string `json:"member_of"`
	ObjectGUID     string   `json:"object_guid,omitempty"`
	ObjectSID      string   `json:"object_sid,omitempty"`
	// MadeByAnother is set by a create that found the group, as asked, just created by
	// another run at the same time: this run changed nothing.
	MadeByAnother bool `json:"-"`
}

// ErrNotFound is wrapped by every "no such account or group" error (exit 3).
var ErrNotFound = errors.New("not found")

// ErrUnsupported marks an operation the chosen directory does not have (exit 2).
var ErrUnsupported = errors.New("not supported by this directory")

// ErrInvalidInput marks input the directory can never accept as given (exit 2).
var ErrInvalidInput = errors.New("invalid input")

// ErrUnreachable marks a failure to talk to the directory at all — the connection was
// refused, reset or closed, or a request got no answer in time — as opposed to the directory
// refusing a request. Bulk commands stop starting new work when they see it (exit 1).
var ErrUnreachable = errors.New("directory unreachable")

// ErrTimeout marks a request the directory did not answer within the timeout. Errors that
// wrap it wrap ErrUnreachable too; it lets messages say "timed out", not "connection lost".
var ErrTimeout = errors.New("directory did not answer in time")

// NotFoundError says which identity matched nothing.
type NotFoundError struct {
	Kind  string // "user" or "group"
	Ident string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s %q not found", e.Kind, e.Ident)
}

func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// AmbiguousError says which identity matched several objects, listing them so the technician
// can pick one by DN or logon name.
type AmbiguousError struct {
	Kind       string
	Ident      string
	Candidates []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s %q is ambiguous: it matches %d objects; name one of them exactly:\n  %s",
		e.Kind, e.Ident, len(e.Candidates), strings.Join(e.Candidates, "\n  "))
}

// Unwrap makes an ambiguous identity count as "not found" for exit codes (the spec gives both 3).
func (e *AmbiguousError) Unwrap() error { return ErrNotFound }

// NewAccount is everything a back end needs to create one account whose name, place and
// groups were already decided (by the onboarding planner, or a technician).
type NewAccount struct {
	DN                 string
	SAMAccountName     string
	UserPrincipalName  string
	GivenName          string
	Surname            string
	DisplayName        string
	Mail               string
	EmployeeID         string
	Department         string
	Title              string
	Office             string // physicalDeliveryOfficeName / officeLocation
	ManagerDN          string
	Description        string
	AccountExpires     *time.Time // nil: never
	Password           secret.Secret
	MustChangePassword bool
	UsageLocation      string // Entra ID only: ISO 3166 country code, needed before a licence
}
