package directory

import "time"

// The words of the editing commands (user set, user rename, group create|set|delete|restore|
// sync): what a command asks a back end to do, and what it answers.

// UserFieldNames are the attributes `user set` changes, by their command-line and output
// names (Set-ADUser's common parameters). Each back end maps them to its own attributes.
var UserFieldNames = []string{"title", "department", "company", "manager", "phone", "mobile", "office",
	"description", "employee_id", "expires"}

// UserUpdate is what `user set` changes on an account. Values are by field name (see
// UserFieldNames, "employee-id" spelled either way); manager's is any user identity. Clear
// empties fields (clearing expires means never).
type UserUpdate struct {
	Values map[string]string
	// SetExpires changes the account's expiry to Expires; a nil Expires means never.
	SetExpires bool
	Expires    *time.Time
	Clear      []string
}

// RenameOptions is what `user rename` changes.
type RenameOptions struct {
	GivenName         string
	Surname           string
	SAMAccountName    string // "" keeps the logon name
	UserPrincipalName string // "" follows the back end's rules
}

// NewGroup describes a group to create (New-ADGroup).
type NewGroup struct {
	Name           string // the CN; also the sAMAccountName unless SAMAccountName is set
	SAMAccountName string
	OU             string // default the domain's Users container
	Scope          string // global (default), domainlocal, universal
	Type           string // security (default), distribution
	Description    string
	Owner          string // any user identity; stored as managedBy
}

// GroupScopes and GroupTypes are the accepted spellings, for flags and messages.
var (
	GroupScopes = []string{"global", "domainlocal", "universal"}
	GroupTypes  = []string{"security", "distribution"}
)

// GroupUpdate is what `group set` changes; nil leaves a field alone, "" empties it.
type GroupUpdate struct {
	Description *string
	Owner       *string // any user identity
}

// GroupSnapshotVersion is the format of GroupSnapshot files.
const GroupSnapshotVersion = 1

// GroupSnapshot is a group as it was before `group delete`: enough to create it again with
// its members and its own memberships. The JSON names are a contract (files outlive versions).
type GroupSnapshot struct {
	Version        int       `json:"version"`
	TakenAt        time.Time `json:"taken_at"`
	Server         string    `json:"server"`
	DN             string    `json:"dn"`
	OU             string    `json:"ou"`
	CN             string    `json:"cn"`
	SAMAccountName string    `json:"sam_account_name"`
	GroupType      int       `json:"group_type"`
	Scope          string    `json:"scope"`
	Security       bool      `json:"security"`
	Description    string    `json:"description"`
	Mail           string    `json:"mail"`
	ManagedBy      string    `json:"managed_by"`
	ObjectGUID     string    `json:"object_guid"`
	ObjectSID      string    `json:"object_sid"`
	Members        []string  `json:"members"`   // direct members, by DN
	MemberOf       []string  `json:"member_of"` // groups it is a member of, by DN
	Ticket         string    `json:"ticket"`
}

// GroupRestore is what recreating a group from its snapshot did: the new group, and what of
// the snapshot could not be put back (members or parent groups deleted since, an owner who
// has left).
type GroupRestore struct {
	Group          *Group
	MembersAdded   int
	ParentsAdded   int
	MissingMembers []string // DNs
	MissingParents []string // DNs
	OwnerMissing   string   // DN
}

// SyncStep is one membership change of a group sync.
type SyncStep struct {
	Add   bool   `json:"add"`
	DN    string `json:"dn"`
	Name  string `json:"name"`
	Class string `json:"class"`
	// Given is the name as it appeared in the list (adds only).
	Given string `json:"given,omitempty"`
}

// GroupSyncPlan makes a group's direct membership equal to a list: what to add, what to
// remove, and how many members stay.
type GroupSyncPlan struct {
	Group GroupRef   `json:"-"`
	Add   []SyncStep `json:"add"`
	// Remove are direct members not on the list. Members by primary group (Domain Users) are
	// not in the member attribute and are neither listed nor removed.
	Remove []SyncStep `json:"remove"`
	Keep   int        `json:"keep"`
}
