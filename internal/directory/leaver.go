package directory

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/secret"
)

// LeaverSnapshotVersion is the snapshot format written before a leaver is offboarded.
const LeaverSnapshotVersion = 1

// LeaverSnapshot is what an account looked like before it was offboarded: enough to put a
// rehire back where they were. The JSON names are part of the public contract (snapshot files
// outlive adkit versions): add fields, never rename them.
type LeaverSnapshot struct {
	Version            int       `json:"version"`
	TakenAt            time.Time `json:"taken_at"`
	Directory          string    `json:"directory"` // "ad" or "entra" (a cloud-only account)
	Server             string    `json:"server"`
	Domain             string    `json:"domain"` // the DNS name of the domain the account is in
	DN                 string    `json:"dn"`
	ObjectGUID         string    `json:"object_guid"` // follows the account through moves and renames
	SAMAccountName     string    `json:"sam_account_name"`
	UserPrincipalName  string    `json:"user_principal_name"`
	DisplayName        string    `json:"display_name"`
	EmployeeID         string    `json:"employee_id"`
	OU                 string    `json:"ou"`     // the parent of DN
	Groups             []string  `json:"groups"` // direct groups, by DN; not the primary group
	PrimaryGroupID     int       `json:"primary_group_id"`
	Manager            string    `json:"manager"` // DN
	Enabled            bool      `json:"enabled"`
	UserAccountControl int       `json:"user_account_control"`
	Description        string    `json:"description"`
	Ticket             string    `json:"ticket"`
	// Entra is the account's Entra ID side, read before anything changed: the synchronised
	// account of a hybrid leaver, or (directory "entra") the cloud-only account itself.
	Entra *CloudRevocation `json:"entra,omitempty"`
}

// OffboardOptions says how to offboard.
type OffboardOptions struct {
	// DisabledOU is where leavers go; "" leaves the account where it is.
	DisabledOU string
	// KeepGroups (any group names) keep their membership; every other direct group is left.
	KeepGroups []string
	// Ticket is written into the description stamp.
	Ticket string
	// Now dates the description stamp; zero means now.
	Now time.Time
}

// OffboardResult says what offboarding did to one account.
type OffboardResult struct {
	User          *User  // as found before the first step
	DN            string // where the account is now (on a dry run: still is)
	Steps         []Step
	GroupsRemoved []string // DNs
}

// Changed reports whether any step changed (or, on a dry run, would change) something.
func (r OffboardResult) Changed() bool { return AnyChanged(r.Steps) }

// RestoreResult says what restoring a leaver did.
type RestoreResult struct {
	User          *User // as it is now (on a dry run: as it was)
	Steps         []Step
	GroupsAdded   []string // DNs
	MissingGroups []string // groups of the snapshot that no longer exist; not restored
	Password      secret.Secret
	Generated     bool
}

// Changed reports whether any step changed (or, on a dry run, would change) something.
func (r RestoreResult) Changed() bool { return AnyChanged(r.Steps) }

// ParseLeaverSnapshot reads a snapshot file's content and checks that it can be restored from.
// Any problem wraps ErrInvalidInput.
func ParseLeaverSnapshot(data []byte) (*LeaverSnapshot, error) {
	var s LeaverSnapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: not a leaver snapshot (JSON): %v", ErrInvalidInput, err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: leaver snapshot: "+format, append([]any{ErrInvalidInput}, args...)...)
	}
	switch {
	case s.Version != LeaverSnapshotVersion:
		return nil, bad("format version %d; this adkit reads version %d", s.Version, LeaverSnapshotVersion)
	case s.Directory == KindEntra && (s.Entra == nil || s.Entra.ID == ""):
		return nil, bad("it is for Entra ID but names no account (no entra.id)")
	case s.Directory == KindEntra:
		return &s, nil // a cloud-only account: no DNs
	case s.Directory != KindAD:
		return nil, bad("it is for directory %q; offboard restore works on Active Directory (ad)", s.Directory)
	case s.SAMAccountName == "" && s.ObjectGUID == "":
		return nil, bad("it names no account (no sam_account_name or object_guid)")
	}
	for _, f := range []struct{ key, dn string }{{"dn", s.DN}, {"ou", s.OU}} {
		if !dn.Valid(f.dn) {
			return nil, bad("%s %q is not a distinguished name", f.key, f.dn)
		}
	}
	for _, g := range s.Groups {
		if !dn.Valid(g) {
			return nil, bad("group %q is not a distinguished name", g)
		}
	}
	return &s, nil
}

// Matches refuses to apply a snapshot to another account than the one it was taken of: the
// objectGUID when both have one (it survives renames and moves), else the logon name.
func (s *LeaverSnapshot) Matches(u *User) error {
	same := strings.EqualFold(s.SAMAccountName, u.SAMAccountName)
	if s.ObjectGUID != "" && u.ObjectGUID != "" {
		same = strings.EqualFold(s.ObjectGUID, u.ObjectGUID)
	}
	if !same {
		return fmt.Errorf("%w: the snapshot is of %s (%s), not of %s (%s); pick the snapshot file of this account",
			ErrInvalidInput, s.SAMAccountName, s.DN, u.Name(), u.DN)
	}
	return nil
}

// IsLeaverStamp reports whether a description starts with the stamp offboarding writes,
// "Left 2026-11-22" (the same rule as ad's: the date followed by no more word characters).
func IsLeaverStamp(description string) bool {
	const prefix, date = "Left ", "2006-01-02"
	if len(description) < len(prefix)+len(date) || !strings.HasPrefix(description, prefix) {
		return false
	}
	if _, err := time.Parse(date, description[len(prefix):len(prefix)+len(date)]); err != nil {
		return false
	}
	rest := description[len(prefix)+len(date):]
	if rest == "" {
		return true
	}
	c := rest[0]
	return !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
}
