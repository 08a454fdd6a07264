package check

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Diff is what changed between two snapshots.
type Diff struct {
	Old     SnapshotInfo `json:"old"`
	New     SnapshotInfo `json:"new"`
	Changes []Change     `json:"changes"`
}

// SnapshotInfo identifies one side of a diff.
type SnapshotInfo struct {
	GeneratedAt time.Time `json:"generated_at"`
	Directory   string    `json:"directory"`
}

// The kinds of change.
const (
	ChangeAdded        = "added"         // now a member of the group
	ChangeRemoved      = "removed"       // no longer a member
	ChangePathChanged  = "path_changed"  // still a member, through other groups
	ChangeFlagsChanged = "flags_changed" // userAccountControl flags or SPN presence changed
)

// Change is one difference. Membership changes name the group; flag changes do not.
type Change struct {
	Change         string   `json:"change"`
	Group          string   `json:"group,omitempty"`
	DN             string   `json:"dn"`
	SAMAccountName string   `json:"sam_account_name"`
	Path           []string `json:"path,omitempty"` // the new path; for removed, the old one
	OldPath        []string `json:"old_path,omitempty"`
	FlagsAdded     []string `json:"flags_added,omitempty"`
	FlagsRemoved   []string `json:"flags_removed,omitempty"`
	// Eligible (Entra ID): the membership is a PIM eligible assignment, not an active one.
	Eligible bool `json:"eligible,omitempty"`
}

// Compare lists what changed from old to new: memberships added, removed or now held
// through other groups, per privileged group, then flag changes of accounts in both.
// Eligible (PIM) and active holdings of a role are told apart; eligible ones are compared
// only when both snapshots read them (EligibleRead), so a baseline from before adkit read
// them, or a run that could not, does not report every eligible holder as a change.
func Compare(old, new *Snapshot) *Diff {
	eligible := old.EligibleRead && new.EligibleRead
	d := &Diff{
		Old:     SnapshotInfo{GeneratedAt: old.GeneratedAt, Directory: old.Directory},
		New:     SnapshotInfo{GeneratedAt: new.GeneratedAt, Directory: new.Directory},
		Changes: []Change{},
	}
	oldGroups := indexGroups(old.Groups)
	newGroups := indexGroups(new.Groups)
	for _, key := range unionKeys(old.Groups, new.Groups) {
		og, ng := oldGroups[key], newGroups[key]
		name := cmp.Or(groupDisplay(ng), groupDisplay(og))
		oldMembers, newMembers := indexMembers(og, eligible), indexMembers(ng, eligible)
		var changes []Change
		for mk, m := range newMembers {
			was, ok := oldMembers[mk]
			switch {
			case !ok:
				changes = append(changes, Change{Change: ChangeAdded, Group: name, DN: m.DN, SAMAccountName: m.SAMAccountName, Path: m.Path, Eligible: m.Eligible})
			case !equalPath(was.Path, m.Path):
				changes = append(changes, Change{Change: ChangePathChanged, Group: name, DN: m.DN, SAMAccountName: m.SAMAccountName, Path: m.Path, OldPath: was.Path, Eligible: m.Eligible})
			}
		}
		for mk, m := range oldMembers {
			if _, ok := newMembers[mk]; !ok {
				changes = append(changes, Change{Change: ChangeRemoved, Group: name, DN: m.DN, SAMAccountName: m.SAMAccountName, Path: m.Path, Eligible: m.Eligible})
			}
		}
		sortChanges(changes)
		d.Changes = append(d.Changes, changes...)
	}
	oldAccounts := map[string]SnapshotAccount{}
	for _, a := range old.Accounts {
		oldAccounts[memberKey(a.SID, a.DN)] = a
	}
	var flagChanges []Change
	for _, a := range new.Accounts {
		was, ok := oldAccounts[memberKey(a.SID, a.DN)]
		if !ok {
			continue
		}
		added, removed := setDiff(was.Flags, a.Flags), setDiff(a.Flags, was.Flags)
		if len(added)+len(removed) > 0 {
			flagChanges = append(flagChanges, Change{Change: ChangeFlagsChanged, DN: a.DN, SAMAccountName: a.SAMAccountName, FlagsAdded: added, FlagsRemoved: removed})
		}
	}
	sortChanges(flagChanges)
	d.Changes = append(d.Changes, flagChanges...)
	return d
}

// Describe says what a change is, in a line: "added to Domain Admins via IT Admins"; an
// eligible (PIM) holding of an Entra ID role says so: "added to Global Administrator as
// eligible, direct".
func (c Change) Describe() string {
	group := c.Group
	if c.Eligible {
		group += " as eligible"
	}
	switch c.Change {
	case ChangeAdded:
		return "added to " + group + pathText(c.Path)
	case ChangeRemoved:
		return "removed from " + group + " (was" + strings.TrimPrefix(pathText(c.Path), ",") + ")"
	case ChangePathChanged:
		return "still in " + group + ", now" + strings.TrimPrefix(pathText(c.Path), ",") + " (was" + strings.TrimPrefix(pathText(c.OldPath), ",") + ")"
	case ChangeFlagsChanged:
		var parts []string
		for _, f := range c.FlagsAdded {
			parts = append(parts, "+"+f)
		}
		for _, f := range c.FlagsRemoved {
			parts = append(parts, "-"+f)
		}
		return "flags " + strings.Join(parts, " ")
	}
	return c.Change
}

// pathText renders a membership path: ", direct" or ", via IT Admins → Tier0".
func pathText(path []string) string {
	if len(path) <= 1 {
		return ", direct"
	}
	names := make([]string, 0, len(path)-1)
	for _, dn := range path[1:] {
		names = append(names, commonName(dn))
	}
	return ", via " + strings.Join(names, " → ")
}

func groupDisplay(g *SnapshotGroup) string {
	if g == nil {
		return ""
	}
	if g.SAMAccountName != "" && !strings.EqualFold(g.SAMAccountName, g.Name) {
		return g.SAMAccountName + " (" + g.Name + ")"
	}
	return g.Name
}

func groupKey(g SnapshotGroup) string { return cmp.Or(g.SID, "name:"+g.Name) }

func indexGroups(groups []SnapshotGroup) map[string]*SnapshotGroup {
	m := make(map[string]*SnapshotGroup, len(groups))
	for i := range groups {
		m[groupKey(groups[i])] = &groups[i]
	}
	return m
}

// unionKeys lists the groups of both snapshots: new's order first, then any only in old.
func unionKeys(old, new []SnapshotGroup) []string {
	var keys []string
	seen := map[string]bool{}
	for _, list := range [][]SnapshotGroup{new, old} {
		for _, g := range list {
			if k := groupKey(g); !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// indexMembers keys a group's members by SID (or DN), eligible holdings apart from active
// ones; eligible ones are left out unless withEligible.
func indexMembers(g *SnapshotGroup, withEligible bool) map[string]SnapshotMember {
	m := map[string]SnapshotMember{}
	if g != nil {
		for _, mem := range g.Members {
			k := memberKey(mem.SID, mem.DN)
			if mem.Eligible {
				if !withEligible {
					continue
				}
				k = "eligible|" + k
			}
			m[k] = mem
		}
	}
	return m
}

func equalPath(a, b []string) bool {
	return slices.EqualFunc(a, b, func(x, y string) bool { return strings.EqualFold(x, y) })
}

// setDiff returns the elements of b that are not in a.
func setDiff(a, b []string) []string {
	var out []string
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

func sortChanges(cs []Change) {
	order := map[string]int{ChangeAdded: 0, ChangeRemoved: 1, ChangePathChanged: 2, ChangeFlagsChanged: 3}
	slices.SortFunc(cs, func(a, b Change) int {
		return cmp.Or(cmp.Compare(order[a.Change], order[b.Change]),
			cmp.Compare(strings.ToLower(a.SAMAccountName), strings.ToLower(b.SAMAccountName)), cmp.Compare(a.DN, b.DN))
	})
}
