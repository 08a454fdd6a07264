package ad

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
)

// LeaverSnapshotVersion is the snapshot format written by SnapshotLeaver.
const LeaverSnapshotVersion = 1

// LeaverSnapshot is what an account looked like before it was offboarded: enough to put a
// rehire back where they were. The JSON names are part of the public contract (snapshot files
// outlive adkit versions): add fields, never rename them.
type LeaverSnapshot struct {
	Version            int       `json:"version"`
	TakenAt            time.Time `json:"taken_at"`
	Directory          string    `json:"directory"` // "ad"
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
	Entra *directory.CloudRevocation `json:"entra,omitempty"`
}

// SnapshotLeaver reads an account (any accepted name) into a snapshot. It changes nothing;
// the caller adds the ticket and saves it before offboarding.
func (c *Client) SnapshotLeaver(ctx context.Context, ident string) (*LeaverSnapshot, error) {
	e, err := c.findOne(ctx, kindUser, ident, userAttributeList())
	if err != nil {
		return nil, err
	}
	u := userFromEntry(e)
	_, ou := splitRDN(u.DN)
	return &LeaverSnapshot{
		Version:            LeaverSnapshotVersion,
		TakenAt:            time.Now().UTC(),
		Directory:          directory.KindAD,
		Server:             c.server,
		Domain:             c.DomainDNSName(),
		DN:                 u.DN,
		ObjectGUID:         u.ObjectGUID,
		SAMAccountName:     u.SAMAccountName,
		UserPrincipalName:  u.UserPrincipalName,
		DisplayName:        u.DisplayName,
		EmployeeID:         u.EmployeeID,
		OU:                 ou,
		Groups:             append([]string{}, u.MemberOf...),
		PrimaryGroupID:     u.PrimaryGroupID,
		Manager:            u.Manager,
		Enabled:            u.Enabled,
		UserAccountControl: attrInt(e, "userAccountControl"),
		Description:        u.Description,
	}, nil
}

// ParseLeaverSnapshot reads a snapshot file's content and checks that it can be restored from.
// Any problem wraps directory.ErrInvalidInput.
func ParseLeaverSnapshot(data []byte) (*LeaverSnapshot, error) {
	var s LeaverSnapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: not a leaver snapshot (JSON): %v", directory.ErrInvalidInput, err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: leaver snapshot: "+format, append([]any{directory.ErrInvalidInput}, args...)...)
	}
	switch {
	case s.Version != LeaverSnapshotVersion:
		return nil, bad("format version %d; this adkit reads version %d", s.Version, LeaverSnapshotVersion)
	case s.Directory == directory.KindEntra && (s.Entra == nil || s.Entra.ID == ""):
		return nil, bad("it is for Entra ID but names no account (no entra.id)")
	case s.Directory == directory.KindEntra:
		return &s, nil // a cloud-only account: no DNs
	case s.Directory != directory.KindAD:
		return nil, bad("it is for directory %q; offboard restore works on Active Directory (ad)", s.Directory)
	case s.SAMAccountName == "" && s.ObjectGUID == "":
		return nil, bad("it names no account (no sam_account_name or object_guid)")
	}
	for _, f := range []struct{ key, dn string }{{"dn", s.DN}, {"ou", s.OU}} {
		if _, err := ldap.ParseDN(f.dn); err != nil || f.dn == "" {
			return nil, bad("%s %q is not a distinguished name", f.key, f.dn)
		}
	}
	for _, g := range s.Groups {
		if _, err := ldap.ParseDN(g); err != nil || g == "" {
			return nil, bad("group %q is not a distinguished name", g)
		}
	}
	return &s, nil
}

// Matches refuses to apply a snapshot to another account than the one it was taken of: the
// objectGUID when both have one (it survives renames and moves), else the logon name.
func (s *LeaverSnapshot) Matches(u *directory.User) error {
	same := strings.EqualFold(s.SAMAccountName, u.SAMAccountName)
	if s.ObjectGUID != "" && u.ObjectGUID != "" {
		same = strings.EqualFold(s.ObjectGUID, u.ObjectGUID)
	}
	if !same {
		return fmt.Errorf("%w: the snapshot is of %s (%s), not of %s (%s); pick the snapshot file of this account",
			directory.ErrInvalidInput, s.SAMAccountName, s.DN, u.Name(), u.DN)
	}
	return nil
}
