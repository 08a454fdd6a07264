package directory

import "time"

// CloudAccess is what one account should hold in Entra ID besides itself: cloud groups and
// licences. Onboarding asks for it; the Entra ID back end grants it in bulk.
type CloudAccess struct {
	User          string   // object id or UPN
	Groups        []string // group names (display name, mail nickname or object id)
	Licenses      []string // SKU part numbers (ENTERPRISEPACK) or SKU ids
	UsageLocation string   // set first on an account that has none and is due a licence
}

// AccessResult is what granting one CloudAccess did. Groups and Licenses are those the
// account now holds of the ones asked for; the *Added ones, those this call gave it. Err
// joins every failure (nil when all is in place).
type AccessResult struct {
	Groups        []string
	GroupsAdded   []string
	Licenses      []string
	LicensesAdded []string
	Err           error
}

// CloudRevocation is what offboarding took from an Entra ID account, for the leaver's
// snapshot: the licences removed (part numbers), whether sessions were revoked and whether
// the account was disabled.
type CloudRevocation struct {
	ID              string   `json:"id"`
	UPN             string   `json:"user_principal_name"`
	Licenses        []string `json:"licenses"`
	SessionsRevoked bool     `json:"sessions_revoked"`
	Disabled        bool     `json:"disabled"`
	// What the account was like before, for planning, re-runs and a cloud-only restore.
	EmployeeID  string       `json:"employee_id,omitempty"`
	DisplayName string       `json:"display_name,omitempty"`
	Enabled     bool         `json:"enabled"`
	Synced      bool         `json:"on_premises_sync_enabled,omitempty"` // mastered in AD (Entra Connect)
	Groups      []CloudGroup `json:"groups,omitempty"`                   // direct group memberships
	Manager     string       `json:"manager,omitempty"`                  // the manager's UPN
	// SessionsValidFrom is signInSessionsValidFromDateTime: set once sessions have been revoked.
	SessionsValidFrom *time.Time `json:"sessions_valid_from,omitempty"`
	// Created is createdDateTime: Graph gives SessionsValidFrom this value until the first
	// revocation.
	Created *time.Time `json:"created,omitempty"`
}

// CloudGroup is an Entra ID group a leaver was in: its object id and display name.
type CloudGroup struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// CloudKey names a leaver's Entra ID account: by object id when known, else by employee ID,
// else by UPN (or mail address).
type CloudKey struct {
	ID         string
	EmployeeID string
	UPN        string
}

// CloudOffboard is what to take from one Entra ID account: its sessions, its sign-in (a
// cloud-only account; a synchronised one is disabled in AD), every licence of Snapshot, and
// the groups listed.
type CloudOffboard struct {
	Snapshot     *CloudRevocation
	Revoke       bool
	Disable      bool
	RemoveGroups []CloudGroup
}

// CloudOffboardResult is what offboarding one Entra ID account did (or, on a dry run, would
// do). Err joins every failure.
type CloudOffboardResult struct {
	Disabled        bool
	SessionsRevoked bool
	LicensesRemoved []string
	GroupsRemoved   []string // display names
	Err             error
}

// Changed reports whether anything was (or would be) taken.
func (r CloudOffboardResult) Changed() bool {
	return r.Disabled || r.SessionsRevoked || len(r.LicensesRemoved)+len(r.GroupsRemoved) > 0
}

// CloudRestoreResult says what restoring a cloud-only leaver from its snapshot did.
type CloudRestoreResult struct {
	User          *User
	Steps         []Step
	GroupsAdded   []string
	MissingGroups []string
	Licenses      []string // assigned again
	Password      ResetResult
}
