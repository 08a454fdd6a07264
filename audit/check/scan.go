package check

import (
	"fmt"
	"strings"
	"time"
)

// scan is one audit run's view of an inventory: the nesting graph, the privileged groups
// found by SID with their expanded members, and who holds which privilege. It is computed
// once and shared by every check.
type scan struct {
	inv       *Inventory
	now       time.Time
	staleDays int
	baseline  *Snapshot
	graph     *graph

	privileged []*privilegedGroup
	// privileges lists, per account, the privileged groups it belongs to, most powerful first.
	privileges map[int32][]privilege
	// protected are the accounts SDProp protects: members of protected groups, Administrator
	// and krbtgt.
	protected map[int32]bool

	sids map[string]ref // every account, group and foreign principal by SID, for trustees
	// nested caches, per group that a deny entry names, every principal nested in it.
	nested map[int32]map[ref]bool
}

func newScan(inv *Inventory, opts Options) *scan {
	s := &scan{
		inv:        inv,
		now:        opts.Now,
		staleDays:  opts.StaleDays,
		baseline:   opts.Baseline,
		graph:      newGraph(inv),
		privileges: map[int32][]privilege{},
		protected:  map[int32]bool{},
	}
	for _, sp := range groupSpecs() {
		gi := sp.resolve(s.graph)
		if gi < 0 {
			continue
		}
		holdings := s.graph.expand(gi)
		if sp.Protected {
			for _, h := range holdings {
				if h.member.kind == kindAccount {
					s.protected[h.member.i] = true
				}
			}
		}
		if !sp.Privileged {
			continue
		}
		pg := &privilegedGroup{spec: sp, index: gi, holdings: holdings}
		s.privileged = append(s.privileged, pg)
		for _, h := range holdings {
			if h.member.kind == kindAccount {
				s.privileges[h.member.i] = append(s.privileges[h.member.i], privilege{group: pg, h: h})
			}
		}
	}
	for i := range inv.Accounts {
		if rid := ridOf(inv.Accounts[i].SID); rid == ridAdministrator || rid == ridKrbtgt {
			s.protected[int32(i)] = true
		}
	}
	return s
}

// cutoff is the last-logon time before which an account counts as stale.
func (s *scan) cutoff() time.Time { return s.now.Add(-time.Duration(s.staleDays) * 24 * time.Hour) }

// privilegedAccounts returns the indexes of accounts holding any privileged membership, in
// inventory order.
func (s *scan) privilegedAccounts() []int32 {
	var out []int32
	for i := range s.inv.Accounts {
		if _, ok := s.privileges[int32(i)]; ok {
			out = append(out, int32(i))
		}
	}
	return out
}

// groupLabel names a privileged group by its actual name, adding the well-known name when
// the domain uses another (a localised or renamed group).
func (s *scan) groupLabel(pg *privilegedGroup) string {
	name := groupName(&s.inv.Groups[pg.index])
	if !strings.EqualFold(name, pg.spec.Name) {
		return fmt.Sprintf("%s (%s)", name, pg.spec.Name)
	}
	return name
}

// membershipText says which privileged group an account holds and how:
// "Domain Admins via IT Admins", plus the other privileged groups it is in.
func (s *scan) membershipText(i int32) string {
	ps := s.privileges[i]
	if len(ps) == 0 {
		return ""
	}
	first := ps[0]
	text := s.groupLabel(first.group)
	if how := s.graph.describe(first.h); how == "direct member" {
		text += " (direct member)"
	} else {
		text += " " + how
	}
	if len(ps) > 1 {
		others := make([]string, 0, len(ps)-1)
		for _, p := range ps[1:] {
			others = append(others, s.groupLabel(p.group))
		}
		text += "; also " + strings.Join(others, ", ")
	}
	return text
}

// accountObject is a finding's line for an account. Privileged accounts carry the path
// through which they hold their most powerful group.
func (s *scan) accountObject(i int32, detail string) Object {
	a := &s.inv.Accounts[i]
	o := Object{DN: a.DN, SAMAccountName: a.SAMAccountName, Detail: detail}
	if ps := s.privileges[i]; len(ps) > 0 {
		o.Path = s.graph.pathDNs(ps[0].h.path)
	}
	return o
}

// withPrivilege appends the account's privileged membership, if any, to a detail.
func (s *scan) withPrivilege(i int32, detail string) string {
	if m := s.membershipText(i); m != "" {
		return detail + "; privileged: " + m
	}
	return detail
}

// principal names a SID: an account, group or foreign principal of the inventory, a
// well-known SID, or one the loader looked up. Unknown SIDs are named by themselves.
func (s *scan) principal(sid string) (dn, name string, r ref, found bool) {
	if s.sids == nil {
		s.sids = make(map[string]ref, len(s.inv.Accounts)+len(s.inv.Groups)+len(s.inv.Foreign))
		for i, a := range s.inv.Accounts {
			s.sids[a.SID] = ref{kindAccount, int32(i)}
		}
		for i, g := range s.inv.Groups {
			s.sids[g.SID] = ref{kindGroup, int32(i)}
		}
		for i, f := range s.inv.Foreign {
			s.sids[f.SID] = ref{kindForeign, int32(i)}
		}
	}
	if r, ok := s.sids[sid]; ok {
		switch r.kind {
		case kindAccount:
			a := &s.inv.Accounts[r.i]
			return a.DN, a.SAMAccountName, r, true
		case kindGroup:
			g := &s.inv.Groups[r.i]
			return g.DN, groupName(g), r, true
		case kindForeign:
			f := &s.inv.Foreign[r.i]
			if n, ok := wellKnownName(sid); ok {
				return f.DN, n, r, true
			}
			return f.DN, sid, r, true
		}
	}
	if n, ok := wellKnownName(sid); ok {
		return "", n, ref{}, false
	}
	if p, ok := s.inv.Principals[sid]; ok {
		return p.DN, p.Name, ref{}, false
	}
	return "", sid, ref{}, false
}

// foreignObject is a finding's line for a foreign security principal.
func (s *scan) foreignObject(i int32, detail string, path []string) Object {
	f := &s.inv.Foreign[i]
	_, name, _, _ := s.principal(f.SID)
	return Object{DN: f.DN, SAMAccountName: name, Detail: detail, Path: path}
}
