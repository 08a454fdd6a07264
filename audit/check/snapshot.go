package check

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// SnapshotVersion is the format version ReadSnapshot accepts.
const SnapshotVersion = 1

// Snapshot records who holds privileged group membership, and how, plus the account flags
// of everyone involved, so that a later snapshot (or run) can say exactly what changed.
type Snapshot struct {
	Version     int               `json:"version"`
	GeneratedAt time.Time         `json:"generated_at"`
	Directory   string            `json:"directory"`
	Groups      []SnapshotGroup   `json:"groups"`
	Accounts    []SnapshotAccount `json:"accounts"`
	// EligibleRead (Entra ID): the eligible role assignments (PIM) were read, so a member
	// without "eligible" is active and one missing is not eligible. Snapshots written before
	// adkit read them, or when it could not, lack it; Compare then leaves eligible members
	// out rather than report them all as added or removed.
	EligibleRead bool `json:"eligible_read,omitempty"`
}

// SnapshotGroup is one privileged group and its members (nesting expanded).
type SnapshotGroup struct {
	// Name is the group's well-known name ("Domain Admins"), the same in every domain and
	// language; SAMAccountName is what this domain calls it.
	Name           string           `json:"name"`
	SAMAccountName string           `json:"sam_account_name"`
	SID            string           `json:"sid"`
	DN             string           `json:"dn"`
	Members        []SnapshotMember `json:"members"`
}

// SnapshotMember is an account or foreign principal holding a group, and through what.
type SnapshotMember struct {
	SID            string   `json:"sid"`
	DN             string   `json:"dn"`
	SAMAccountName string   `json:"sam_account_name"`
	Path           []string `json:"path"`
	Primary        bool     `json:"primary_group,omitempty"`
	// Eligible (Entra ID): the member holds the role through a PIM eligible assignment, not
	// an active one. A principal both active and eligible is listed twice.
	Eligible bool `json:"eligible,omitempty"`
}

// SnapshotAccount is the state of an account that holds a privileged group.
type SnapshotAccount struct {
	SID            string   `json:"sid"`
	DN             string   `json:"dn"`
	SAMAccountName string   `json:"sam_account_name"`
	Flags          []string `json:"flags"`
}

// key is how members and accounts are matched across snapshots: by SID, which survives
// renames and moves, or by DN for the rare principal without one.
func memberKey(sid, dn string) string { return cmp.Or(sid, "dn:"+foldDN(dn)) }

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// NewSnapshot records the privileged memberships of an inventory.
func NewSnapshot(inv *Inventory, now time.Time) *Snapshot {
	return newScan(inv, Options{Now: now}).snapshot()
}

func (s *scan) snapshot() *Snapshot {
	snap := &Snapshot{
		Version:     SnapshotVersion,
		GeneratedAt: s.now.UTC().Truncate(time.Second),
		Directory:   s.inv.Directory,
		Groups:      []SnapshotGroup{},
		Accounts:    []SnapshotAccount{},
	}
	for _, pg := range s.privileged {
		g := &s.inv.Groups[pg.index]
		sg := SnapshotGroup{Name: pg.spec.Name, SAMAccountName: g.SAMAccountName, SID: g.SID, DN: g.DN, Members: []SnapshotMember{}}
		for _, h := range pg.holdings {
			m := SnapshotMember{Path: s.graph.pathDNs(h.path), Primary: h.primary}
			switch h.member.kind {
			case kindAccount:
				a := &s.inv.Accounts[h.member.i]
				m.SID, m.DN, m.SAMAccountName = a.SID, a.DN, a.SAMAccountName
			case kindForeign:
				o := s.foreignObject(h.member.i, "", nil)
				m.SID, m.DN, m.SAMAccountName = s.inv.Foreign[h.member.i].SID, o.DN, o.SAMAccountName
			}
			sg.Members = append(sg.Members, m)
		}
		slices.SortFunc(sg.Members, func(a, b SnapshotMember) int {
			return cmp.Or(cmp.Compare(strings.ToLower(a.SAMAccountName), strings.ToLower(b.SAMAccountName)), cmp.Compare(a.SID, b.SID))
		})
		snap.Groups = append(snap.Groups, sg)
	}
	for _, i := range s.privilegedAccounts() {
		a := &s.inv.Accounts[i]
		snap.Accounts = append(snap.Accounts, SnapshotAccount{SID: a.SID, DN: a.DN, SAMAccountName: a.SAMAccountName, Flags: accountFlags(a)})
	}
	slices.SortFunc(snap.Accounts, func(a, b SnapshotAccount) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.SAMAccountName), strings.ToLower(b.SAMAccountName)), cmp.Compare(a.SID, b.SID))
	})
	return snap
}

// accountFlags names an account's security-relevant flags, sorted.
func accountFlags(a *Account) []string {
	flags := []string{}
	for _, f := range snapshotFlags() {
		if a.UAC&f.bit != 0 {
			flags = append(flags, f.name)
		}
	}
	if len(a.SPNs) > 0 {
		flags = append(flags, "has_spn")
	}
	slices.Sort(flags)
	return flags
}

// ReadSnapshot reads a snapshot written by `adkit audit snapshot`.
func ReadSnapshot(r io.Reader) (*Snapshot, error) {
	var snap Snapshot
	dec := json.NewDecoder(r)
	if err := dec.Decode(&snap); err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	if snap.Version != SnapshotVersion {
		return nil, fmt.Errorf("read snapshot: version %d, want %d (is this a file written by `adkit audit snapshot`?)", snap.Version, SnapshotVersion)
	}
	return &snap, nil
}
