package check

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The kinds of assignment, as Object.Assignment names them.
const (
	AssignmentActive   = "active"
	AssignmentEligible = "eligible"
	// AssignmentMixed: the object holds some roles actively and others as eligible only.
	AssignmentMixed = "mixed"
)

// Tier0Roles are the directory roles that control the tenant, or lead to control of it in one
// step, by role template id (the same in every tenant; display names can be reused by
// custom roles and change with the language). Exchange and SharePoint Administrator control
// a workload's data, not identities, and are not on it.
var Tier0Roles = []struct{ TemplateID, Name string }{
	{"62e90394-69f5-4237-9190-012177145e10", "Global Administrator"},
	{"e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator"},
	{"7be44c8a-adaf-4e2a-84d6-ab2649e08a13", "Privileged Authentication Administrator"},
	{"194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator"},
	{"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "Conditional Access Administrator"},
	{"0526716b-113d-4c15-b2c8-68e3c22b9f80", "Authentication Policy Administrator"},
	{"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator"},
	{"158c047a-c907-4556-b7ef-446551a6b5f7", "Cloud Application Administrator"},
	{"8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", "Hybrid Identity Administrator"},
	{"8329153b-31d0-4727-b945-745eb3bc5f31", "Domain Name Administrator"},
	{"3a2c62db-5318-420d-8d74-23affee5d9d5", "Intune Administrator"},
	{"e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8", "Partner Tier2 Support"},
	{"d29b2b05-8046-44ba-8758-1e26182fcf32", "Directory Synchronization Accounts"},
}

// tier0Rank is a tier-0 role's place in Tier0Roles, or -1.
func tier0Rank(templateID string) int {
	return slices.IndexFunc(Tier0Roles, func(r struct{ TemplateID, Name string }) bool {
		return strings.EqualFold(r.TemplateID, templateID)
	})
}

// EntraNeeds says what an Entra check reads besides users and roles.
type EntraNeeds struct{ SignIns, MFA bool }

// EntraLoadOptionsFor is what the checks need read.
func EntraLoadOptionsFor(checks []Check) EntraLoadOptions {
	var o EntraLoadOptions
	for _, c := range checks {
		o.SignIns = o.SignIns || c.Entra.SignIns
		o.MFA = o.MFA || c.Entra.MFA
	}
	return o
}

// Skipped is a check that did not run for want of data the app may not read.
type Skipped struct {
	Check  string
	Reason string
}

// RunEntra runs Entra ID checks over an inventory. Checks whose data could not be read are
// skipped and returned, so the caller can say so; checks that need a baseline are skipped
// without one.
func RunEntra(inv *EntraInventory, checks []Check, opts Options) (*Report, []Skipped) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	s := newEntraScan(inv, opts)
	r := &Report{GeneratedAt: opts.Now.UTC().Truncate(time.Second), Directory: cmp.Or(inv.Directory, EntraDirectory)}
	var skipped []Skipped
	order := map[string]int{}
	for i, c := range checks {
		order[c.ID] = i
		switch {
		case c.entraFind == nil, c.NeedsBaseline && opts.Baseline == nil:
			continue
		case c.Entra.SignIns && !inv.SignIns:
			skipped = append(skipped, Skipped{c.ID, cmp.Or(inv.SignInsGap, "sign-in activity was not read")})
			continue
		case c.Entra.MFA && !inv.MFA:
			skipped = append(skipped, Skipped{c.ID, cmp.Or(inv.MFAGap, "the MFA registration report was not read")})
			continue
		}
		r.addFindings(c, c.entraFind(s))
	}
	r.Warnings = slices.Clone(inv.Warnings)
	r.finish(order)
	return r, skipped
}

// entraHolding is one principal holding one role, directly or through groups.
type entraHolding struct {
	role      *EntraRole
	principal EntraPrincipal
	// path is the role's name, then each group from the one assigned the role down to the
	// one the principal is a direct member of.
	path  []string
	scope string
	// eligible: held through a PIM eligible assignment, not an active one.
	eligible bool
}

func (h entraHolding) tier0() bool { return tier0Rank(h.role.TemplateID) >= 0 }

func (h entraHolding) kind() string {
	if h.eligible {
		return AssignmentEligible
	}
	return AssignmentActive
}

// how says how a role is held: "Global Administrator (direct)", "... (via Tier0 Admins)";
// eligible assignments say so: "Global Administrator (eligible, direct)".
func (h entraHolding) how() string {
	s := h.role.DisplayName + " ("
	if h.eligible {
		s += "eligible, "
	}
	if len(h.path) > 1 {
		s += "via " + strings.Join(h.path[1:], " → ") + ")"
	} else {
		s += "direct)"
	}
	if h.scope != "" && h.scope != "/" {
		s += " at scope " + h.scope
	}
	return s
}

type entraScan struct {
	inv      *EntraInventory
	now      time.Time
	stale    int
	baseline *Snapshot
	users    map[string]*EntraUser
	holdings []entraHolding
	// held lists the holdings of each principal, by id in lower case.
	held map[string][]int
}

func newEntraScan(inv *EntraInventory, opts Options) *entraScan {
	s := &entraScan{inv: inv, now: opts.Now, stale: opts.StaleDays, baseline: opts.Baseline,
		users: map[string]*EntraUser{}, held: map[string][]int{}}
	if s.stale == 0 {
		s.stale = DefaultStaleDays
	}
	for i := range inv.Users {
		s.users[strings.ToLower(inv.Users[i].ID)] = &inv.Users[i]
	}
	roles := map[string]*EntraRole{}
	for i := range inv.Roles {
		roles[strings.ToLower(inv.Roles[i].ID)] = &inv.Roles[i]
	}
	for _, a := range inv.Assignments {
		role := roles[strings.ToLower(a.RoleDefinitionID)]
		if role == nil { // a definition the read did not return: still a role
			role = &EntraRole{ID: a.RoleDefinitionID, TemplateID: a.RoleDefinitionID, DisplayName: "role " + a.RoleDefinitionID}
			roles[strings.ToLower(a.RoleDefinitionID)] = role
		}
		s.expand(entraHolding{role: role, path: []string{role.DisplayName}, scope: a.Scope, eligible: a.Eligible}, a.Principal, map[string]bool{})
	}
	return s
}

// expand records p holding role and, for a group, every member below it, depth first (role-
// assignable groups cannot nest, so paths are one group long in practice); cycles end the walk.
// h is the holding so far: role, scope, kind and the path down to p.
func (s *entraScan) expand(h entraHolding, p EntraPrincipal, seen map[string]bool) {
	key := strings.ToLower(p.ID)
	if p.Kind != PrincipalGroup {
		h.principal = p
		s.held[key] = append(s.held[key], len(s.holdings))
		s.holdings = append(s.holdings, h)
		return
	}
	if seen[key] {
		return
	}
	seen[key] = true
	h.path = append(slices.Clip(h.path), p.DisplayName)
	for _, m := range s.inv.GroupMembers[key] {
		s.expand(h, m, seen)
	}
}

// rolesOf lists the roles a principal holds and how, for details.
func (s *entraScan) rolesOf(id string) string {
	var parts []string
	for _, i := range s.held[strings.ToLower(id)] {
		if how := s.holdings[i].how(); !slices.Contains(parts, how) {
			parts = append(parts, how)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

func (s *entraScan) privileged(id string) bool { return len(s.held[strings.ToLower(id)]) > 0 }

// assignment says how a principal holds its roles: AssignmentActive, AssignmentEligible, or
// AssignmentMixed; "" for none.
func (s *entraScan) assignment(id string) string {
	kind := ""
	for _, i := range s.held[strings.ToLower(id)] {
		switch k := s.holdings[i].kind(); {
		case kind == "":
			kind = k
		case kind != k:
			return AssignmentMixed
		}
	}
	return kind
}

// firstPath is the path of a principal's first tier-0 holding (active before eligible),
// else its first holding.
func (s *entraScan) firstPath(id string) []string {
	better := func(a, b entraHolding) bool {
		if a.tier0() != b.tier0() {
			return a.tier0()
		}
		return !a.eligible && b.eligible
	}
	best := -1
	for _, i := range s.held[strings.ToLower(id)] {
		if best < 0 || better(s.holdings[i], s.holdings[best]) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	return s.holdings[best].path
}

func (s *entraScan) cutoff() time.Time { return s.now.AddDate(0, 0, -s.stale) }

// staleness says whether a user has gone without a sign-in for longer than --stale-days (or
// never signed in and was created before that), and how.
func (s *entraScan) staleness(u *EntraUser) (string, bool) {
	cutoff := s.cutoff()
	if u.LastSignIn.IsZero() {
		if u.Created.IsZero() || u.Created.Before(cutoff) {
			return "never signed in" + createdOn(u.Created), true
		}
		return "", false
	}
	if u.LastSignIn.Before(cutoff) {
		return fmt.Sprintf("last sign-in %s (%d days ago)", day(u.LastSignIn), days(s.now.Sub(u.LastSignIn))), true
	}
	return "", false
}

func createdOn(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ", created " + day(t)
}

// userObject is how a user appears in a finding: the object id in dn, the UPN as the name.
func userObject(u *EntraUser, detail string, path []string) Object {
	return Object{DN: u.ID, SAMAccountName: u.UserPrincipalName, Detail: detail, Path: path}
}

func principalObject(p EntraPrincipal, detail string, path []string) Object {
	return Object{DN: p.ID, SAMAccountName: cmp.Or(p.UserPrincipalName, p.DisplayName), Detail: detail, Path: path}
}

// user is the inventory's user for a principal, or one made from the principal.
func (s *entraScan) user(p EntraPrincipal) *EntraUser {
	if u := s.users[strings.ToLower(p.ID)]; u != nil {
		return u
	}
	u := &EntraUser{ID: p.ID, UserPrincipalName: p.UserPrincipalName, DisplayName: p.DisplayName, Enabled: true}
	if p.Enabled != nil {
		u.Enabled = *p.Enabled
	}
	return u
}

// NewEntraSnapshot records who holds every directory role (groups expanded), actively or as
// eligible (a member's "eligible": true), and the flags of those principals. In it, a role's
// sid is its template id and a member's sid and dn its object id, so renames are not changes.
func NewEntraSnapshot(inv *EntraInventory, now time.Time) *Snapshot {
	return newEntraScan(inv, Options{Now: now}).snapshot()
}

func (s *entraScan) snapshot() *Snapshot {
	snap := &Snapshot{Version: SnapshotVersion, GeneratedAt: s.now.UTC().Truncate(time.Second),
		Directory: cmp.Or(s.inv.Directory, EntraDirectory), Groups: []SnapshotGroup{}, Accounts: []SnapshotAccount{},
		EligibleRead: s.inv.Eligible}
	byRole := map[*EntraRole]*SnapshotGroup{}
	var order []*EntraRole
	seenMember := map[string]bool{}
	accounts := map[string]SnapshotAccount{}
	for _, h := range s.holdings {
		g := byRole[h.role]
		if g == nil {
			g = &SnapshotGroup{Name: h.role.DisplayName, SAMAccountName: h.role.DisplayName, SID: h.role.TemplateID, DN: h.role.ID, Members: []SnapshotMember{}}
			byRole[h.role] = g
			order = append(order, h.role)
		}
		mk := strings.ToLower(h.role.ID + "|" + h.principal.ID + "|" + h.kind() + "|" + strings.Join(h.path, "|"))
		if seenMember[mk] {
			continue
		}
		seenMember[mk] = true
		o := principalObject(h.principal, "", h.path)
		g.Members = append(g.Members, SnapshotMember{SID: h.principal.ID, DN: h.principal.ID, SAMAccountName: o.SAMAccountName, Path: h.path, Eligible: h.eligible})
		accounts[strings.ToLower(h.principal.ID)] = SnapshotAccount{SID: h.principal.ID, DN: h.principal.ID, SAMAccountName: o.SAMAccountName, Flags: s.flags(h.principal)}
	}
	slices.SortFunc(order, func(a, b *EntraRole) int {
		ra, rb := tier0Rank(a.TemplateID), tier0Rank(b.TemplateID)
		if (ra >= 0) != (rb >= 0) {
			return cmp.Compare(rb, ra) // tier 0 first
		}
		return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(a.DisplayName, b.DisplayName))
	})
	for _, r := range order {
		g := byRole[r]
		slices.SortFunc(g.Members, func(a, b SnapshotMember) int {
			return cmp.Or(cmp.Compare(strings.ToLower(a.SAMAccountName), strings.ToLower(b.SAMAccountName)), cmp.Compare(a.SID, b.SID),
				cmpBool(a.Eligible, b.Eligible))
		})
		snap.Groups = append(snap.Groups, *g)
	}
	for _, a := range accounts {
		snap.Accounts = append(snap.Accounts, a)
	}
	slices.SortFunc(snap.Accounts, func(a, b SnapshotAccount) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.SAMAccountName), strings.ToLower(b.SAMAccountName)), cmp.Compare(a.SID, b.SID))
	})
	return snap
}

// flags names a role holder's security-relevant state: disabled, guest, service_principal.
func (s *entraScan) flags(p EntraPrincipal) []string {
	flags := []string{}
	switch p.Kind {
	case PrincipalUser:
		u := s.user(p)
		if !u.Enabled {
			flags = append(flags, "disabled")
		}
		if u.Guest {
			flags = append(flags, "guest")
		}
	case PrincipalServicePrincipal:
		if p.Enabled != nil && !*p.Enabled {
			flags = append(flags, "disabled")
		}
		flags = append(flags, "service_principal")
	}
	slices.Sort(flags)
	return flags
}
