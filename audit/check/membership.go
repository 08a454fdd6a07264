package check

import (
	"strconv"
	"strings"
)

// principalKind tells which Inventory slice a ref points into.
type principalKind uint8

const (
	kindAccount principalKind = iota
	kindGroup
	kindForeign
)

// ref points at an account, group or foreign principal of the Inventory.
type ref struct {
	kind principalKind
	i    int32
}

// edge is a direct membership: the member, and whether it is the member's primary group.
type edge struct {
	member  ref
	primary bool
}

// graph is the domain's group nesting, built once in memory from every object's memberOf
// and every account's primaryGroupID, so that expanding a group costs no directory round
// trip. Reading memberOf rather than the groups' member attribute also sidesteps AD's
// 1500-value limit on one attribute in a search result, which large groups hit.
type graph struct {
	inv     *Inventory
	byDN    map[string]int32 // folded DN -> group
	bySID   map[string]int32
	members [][]edge // by group
}

func newGraph(inv *Inventory) *graph {
	g := &graph{
		inv:     inv,
		byDN:    make(map[string]int32, len(inv.Groups)),
		bySID:   make(map[string]int32, len(inv.Groups)),
		members: make([][]edge, len(inv.Groups)),
	}
	for i, gr := range inv.Groups {
		g.byDN[foldDN(gr.DN)] = int32(i)
		if gr.SID != "" {
			g.bySID[gr.SID] = int32(i)
		}
	}
	link := func(groupDNs []string, m ref) {
		for _, dn := range groupDNs {
			if gi, ok := g.byDN[foldDN(dn)]; ok {
				g.members[gi] = append(g.members[gi], edge{member: m})
			}
		}
	}
	for i := range inv.Accounts {
		a := &inv.Accounts[i]
		m := ref{kindAccount, int32(i)}
		link(a.MemberOf, m)
		// The primary group is a group of the account's own domain, named by RID.
		if a.PrimaryGroupID != 0 && inv.DomainSID != "" {
			sid := inv.DomainSID + "-" + strconv.FormatUint(uint64(a.PrimaryGroupID), 10)
			if gi, ok := g.bySID[sid]; ok {
				g.members[gi] = append(g.members[gi], edge{member: m, primary: true})
			}
		}
	}
	for i := range inv.Groups {
		link(inv.Groups[i].MemberOf, ref{kindGroup, int32(i)})
	}
	for i := range inv.Foreign {
		link(inv.Foreign[i].MemberOf, ref{kindForeign, int32(i)})
	}
	return g
}

// holding is how a principal holds membership of a group: the chain of groups from that
// group down to the one the principal is a direct member of.
type holding struct {
	member  ref
	path    []int32
	primary bool // the last link is the member's primary group
}

// expand returns every account and foreign principal that is a member of root, directly,
// through nesting or through a primary group, each once, with its shortest chain. Groups are
// visited once, so a cycle (A in B in A) ends the walk rather than looping it.
func (g *graph) expand(root int32) []holding {
	var out []holding
	paths := map[int32][]int32{root: {root}}
	seen := map[ref]bool{}
	queue := []int32{root}
	for len(queue) > 0 {
		gi := queue[0]
		queue = queue[1:]
		for _, e := range g.members[gi] {
			if e.member.kind == kindGroup {
				child := e.member.i
				if _, visited := paths[child]; !visited {
					paths[child] = append(append(make([]int32, 0, len(paths[gi])+1), paths[gi]...), child)
					queue = append(queue, child)
				}
				continue
			}
			if seen[e.member] {
				continue
			}
			seen[e.member] = true
			out = append(out, holding{member: e.member, path: paths[gi], primary: e.primary})
		}
	}
	return out
}

// pathDNs turns a chain of group indexes into their DNs.
func (g *graph) pathDNs(path []int32) []string {
	out := make([]string, len(path))
	for i, gi := range path {
		out[i] = g.inv.Groups[gi].DN
	}
	return out
}

// describe says in words how a holding reaches its group: "direct member", "primary group",
// "via IT Admins", "via Tier0 → Ops (primary group)".
func (g *graph) describe(h holding) string {
	if len(h.path) <= 1 {
		if h.primary {
			return "primary group"
		}
		return "direct member"
	}
	names := make([]string, 0, len(h.path)-1)
	for _, gi := range h.path[1:] {
		names = append(names, groupName(&g.inv.Groups[gi]))
	}
	s := "via " + strings.Join(names, " → ")
	if h.primary {
		s += " (primary group)"
	}
	return s
}

func groupName(gr *Group) string {
	if gr.SAMAccountName != "" {
		return gr.SAMAccountName
	}
	return commonName(gr.DN)
}

// foldDN is a DN's lookup key. AD compares DNs without regard to case; the values it returns
// for one object agree otherwise, so folding case is enough.
func foldDN(dn string) string { return strings.ToLower(dn) }

// commonName is the value of a DN's first RDN, unescaped enough for display. Anything that
// is not a DN (an Entra ID path holds display names) is returned as it is.
func commonName(dn string) string {
	var sb strings.Builder
	attr, rest, ok := strings.Cut(dn, "=")
	if !ok || attr == "" || strings.ContainsFunc(attr, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.')
	}) {
		return dn
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c == '\\' && i+1 < len(rest) {
			i++
			sb.WriteByte(rest[i])
			continue
		}
		if c == ',' {
			break
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
