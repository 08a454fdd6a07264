package inventory

import "time"

// EntraDirectory is the Directory of Entra ID reports and snapshots.
const EntraDirectory = "entra"

// EntraInventory is what the Entra ID checks read, as graph.Client.AuditInventory fills it:
// one paged read per collection, no request per user.
type EntraInventory struct {
	Directory string
	// Users are every user with the properties the checks need.
	Users []EntraUser
	// Roles are the directory role definitions, by id.
	Roles []EntraRole
	// Assignments are the role assignments, each with its principal: the active ones, then
	// the eligible ones (Privileged Identity Management) when Eligible.
	Assignments []EntraAssignment
	// GroupMembers holds the direct members of every group that holds a role (and of the
	// groups nested in those), by group id in lower case.
	GroupMembers map[string][]EntraPrincipal
	// SignIns: the users' signInActivity was read. MFA: the registration report was read.
	SignIns, MFA bool
	// SignInsGap and MFAGap say why not, when the app may not read them.
	SignInsGap, MFAGap string
	// Eligible: the eligible role assignments (PIM) were read. EligibleGap says why not (no
	// permission, no Entra ID P2 licence); the audit then covers active assignments only,
	// and Warnings says so.
	Eligible    bool
	EligibleGap string
	Warnings    []string
	// Requests is the number of HTTP requests the read made (pages and $batch requests).
	Requests int
}

// EntraUser is one user.
type EntraUser struct {
	ID                string
	UserPrincipalName string
	DisplayName       string
	Guest             bool
	Enabled           bool
	Created           time.Time
	// LastSignIn is the later of the last interactive and non-interactive sign-ins; zero
	// for never (or when sign-ins were not read).
	LastSignIn time.Time
	// ExternalUserState is a guest's invitation state (PendingAcceptance, Accepted), set at
	// ExternalUserStateChange.
	ExternalUserState       string
	ExternalUserStateChange time.Time
	// NoMFA: the registration report says the user has no MFA method registered;
	// MFAMethods are the methods it lists (email, mobilePhone, ...).
	NoMFA      bool
	MFAMethods []string
}

// EntraRole is a directory role definition. Built-in roles have the same id, their template
// id, in every tenant.
type EntraRole struct {
	ID          string
	TemplateID  string
	DisplayName string
}

// The kinds of EntraPrincipal.
const (
	PrincipalUser             = "user"
	PrincipalGroup            = "group"
	PrincipalServicePrincipal = "servicePrincipal"
)

// EntraPrincipal is a user, group or service principal holding a role or in a group.
type EntraPrincipal struct {
	ID                string
	Kind              string // PrincipalUser, PrincipalGroup, PrincipalServicePrincipal, or another directory object type
	DisplayName       string
	UserPrincipalName string
	AppID             string
	// Enabled is nil when Graph did not say (users: see EntraUser).
	Enabled *bool
}

// EntraAssignment is a role assignment: active, or eligible (Privileged Identity Management:
// the principal may activate the role whenever it likes, so it counts as holding it).
type EntraAssignment struct {
	RoleDefinitionID string
	Principal        EntraPrincipal
	// Scope is the directoryScopeId: "/" for the whole tenant, else an administrative unit
	// or an object.
	Scope string
	// Eligible marks a PIM eligible assignment (roleEligibilitySchedules) rather than an
	// active one (roleAssignments).
	Eligible bool
}

// EntraLoadOptions say what to read beyond users, roles and role groups.
type EntraLoadOptions struct {
	// SignIns reads signInActivity (AuditLog.Read.All and an Entra ID P1 licence).
	SignIns bool
	// MFA reads the authentication-methods registration report (AuditLog.Read.All).
	MFA bool
}
