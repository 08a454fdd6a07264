package check

import (
	"cmp"
	"slices"
	"strings"
)

// The Entra ID checks. "Privileged" means holding any directory role assignment, active or
// eligible (PIM), directly or through a role-assignable group; tier 0 is the short list in
// Tier0Roles. Findings about role holders say which kind each is (Object.Assignment, and
// "eligible" in the detail).
func entraChecks() []Check {
	return []Check{
		{
			ID:       "entra-tier0-members",
			Severity: SeverityLow,
			Title:    "Holders of tier-0 directory roles, with the group path of each (one finding per role)",
			Why: "Everyone listed controls the tenant or can take control of it in one step. Roles held " +
				"through a role-assignable group are invisible to anyone who only looks at the role's direct " +
				"assignments. Holders eligible through Privileged Identity Management are listed too, " +
				"marked eligible: they can activate the role whenever they like. Roles are identified " +
				"by template id, so a custom role or a group that borrows a built-in role's name changes nothing.",
			Fix: "Review each holder against its owner and need; remove standing assignments nobody needs " +
				"and make the rest eligible (Privileged Identity Management) instead of active.",
			entraFind: findEntraTier0Members,
		},
		{
			ID:       "entra-tier0-service-principals",
			Severity: SeverityHigh,
			Title:    "Applications (service principals) holding a tier-0 directory role",
			Why: "An application signs in with a secret or certificate, which neither MFA nor most " +
				"Conditional Access policies protect; whoever can add a credential to it (its owners, " +
				"Application Administrators) holds the role too.",
			Fix: "Give the application Graph application permissions scoped to what it does instead of a " +
				"directory role; if it must keep the role, restrict and monitor who can manage its credentials.",
			entraFind: findEntraTier0ServicePrincipals,
		},
		{
			ID:       "entra-privileged-guests",
			Severity: SeverityHigh,
			Title:    "Guest accounts holding a directory role, directly or through a group",
			Why: "A guest signs in with an account another organisation controls: its password, MFA and " +
				"offboarding are outside your policies, yet the role gives it administrative rights here.",
			Fix: "Remove the role (or the group membership that grants it); give the person a member " +
				"account under your own policies if they really administer the tenant.",
			entraFind: findEntraPrivilegedGuests,
		},
		{
			ID:       "entra-privileged-no-mfa",
			Severity: SeverityHigh,
			Title:    "Enabled accounts holding a directory role and not registered for MFA",
			Why: "An administrator without a registered MFA method signs in with a password alone, or is " +
				"asked to register one at the next sign-in, by whoever has the password first.",
			Fix: "Have the owner register a phishing-resistant method (FIDO2, Windows Hello, passkey) now, " +
				"and require MFA for all directory roles with Conditional Access.",
			Entra:     EntraNeeds{MFA: true},
			entraFind: findEntraPrivilegedNoMFA,
		},
		{
			ID:       "entra-privileged-stale",
			Severity: SeverityHigh,
			Title:    "Enabled accounts holding a directory role that have not signed in for --stale-days, or never",
			Why: "A privileged account nobody uses is an attack surface without an owner: its misuse goes " +
				"unnoticed. The last sign-in is the later of signInActivity's interactive and " +
				"non-interactive sign-ins.",
			Fix:       "Confirm with the owner; remove the role assignment and disable the account.",
			Entra:     EntraNeeds{SignIns: true},
			entraFind: findEntraPrivilegedStale,
		},
		{
			ID:       "entra-privileged-disabled",
			Severity: SeverityMedium,
			Title:    "Disabled accounts and applications still holding a directory role",
			Why: "A disabled account keeps its role assignments: enabling it again (by mistake, or by anyone " +
				"who may) restores its administrative rights at once, and it clutters every review.",
			Fix:       "Remove the role assignments (or the group memberships that grant them).",
			entraFind: findEntraPrivilegedDisabled,
		},
		{
			ID:       "entra-no-mfa",
			Severity: SeverityMedium,
			Title:    "Enabled member accounts not registered for MFA",
			Why: "Without a registered method the account signs in with its password alone, and whoever " +
				"learns the password first can register their own method.",
			Fix: "Run a registration campaign (or require registration with Conditional Access) and " +
				"follow up on the accounts that stay unregistered; disable those nobody uses.",
			Entra:     EntraNeeds{MFA: true},
			entraFind: findEntraNoMFA,
		},
		{
			ID:        "entra-stale-accounts",
			Severity:  SeverityLow,
			Title:     "Enabled accounts that have not signed in for more than --stale-days days",
			Why:       "Unused accounts keep working passwords and licences; their misuse goes unnoticed.",
			Fix:       "Confirm with the owner or manager, then disable (and later delete) the account.",
			Entra:     EntraNeeds{SignIns: true},
			entraFind: findEntraStale,
		},
		{
			ID:        "entra-never-signed-in",
			Severity:  SeverityLow,
			Title:     "Enabled accounts that never signed in, created more than --stale-days days ago",
			Why:       "An account nobody ever used often still has its initial password, which others may know.",
			Fix:       "Confirm the account is still needed; disable it otherwise.",
			Entra:     EntraNeeds{SignIns: true},
			entraFind: findEntraNeverSignedIn,
		},
		{
			ID:       "entra-guests",
			Severity: SeverityLow,
			Title:    "Guest accounts, with their invitation state, creation date and last sign-in",
			Why: "Guests are people of other organisations with access to your tenant; invitations never " +
				"accepted and guests who no longer sign in are access nobody reviews.",
			Fix: "Review guests regularly (access reviews); remove those whose invitation was never " +
				"accepted or who no longer need access.",
			entraFind: findEntraGuests,
		},
		{
			ID:       "entra-privileged-drift",
			Severity: SeverityHigh,
			Title:    "Directory role holders and their flags changed since the baseline (--baseline)",
			Why: "A role assignment nobody expected is the most direct sign of an attack or of a change " +
				"made outside the process.",
			Fix:           "Match each change with its change ticket; revert what has none and investigate how it was made.",
			NeedsBaseline: true,
			entraFind:     findEntraDrift,
		},
	}
}

func findEntraTier0Members(s *entraScan) []Finding {
	byRole := map[*EntraRole][]Object{}
	var roles []*EntraRole
	for _, h := range s.holdings {
		if !h.tier0() {
			continue
		}
		if _, ok := byRole[h.role]; !ok {
			roles = append(roles, h.role)
		}
		detail := h.how()
		switch h.principal.Kind {
		case PrincipalUser:
			u := s.user(h.principal)
			if u.Guest {
				detail += "; guest"
			}
			if !u.Enabled {
				detail += "; disabled"
			}
			byRole[h.role] = append(byRole[h.role], withAssignment(userObject(u, detail, h.path), h.kind()))
		case PrincipalServicePrincipal:
			detail += "; service principal"
			if h.principal.Enabled != nil && !*h.principal.Enabled {
				detail += "; disabled"
			}
			byRole[h.role] = append(byRole[h.role], withAssignment(principalObject(h.principal, detail, h.path), h.kind()))
		default:
			byRole[h.role] = append(byRole[h.role], withAssignment(principalObject(h.principal, detail+"; "+h.principal.Kind, h.path), h.kind()))
		}
	}
	slices.SortFunc(roles, func(a, b *EntraRole) int { return cmp.Compare(tier0Rank(a.TemplateID), tier0Rank(b.TemplateID)) })
	var out []Finding
	for _, r := range roles {
		out = append(out, Finding{Title: "Holders of " + r.DisplayName, Objects: byRole[r]})
	}
	return out
}

func findEntraTier0ServicePrincipals(s *entraScan) []Finding {
	var objects []Object
	for _, h := range s.holdings {
		if !h.tier0() || h.principal.Kind != PrincipalServicePrincipal {
			continue
		}
		detail := h.how()
		if h.principal.AppID != "" {
			detail += "; app id " + h.principal.AppID
		}
		objects = append(objects, withAssignment(principalObject(h.principal, detail, h.path), h.kind()))
	}
	return single(objects)
}

func withAssignment(o Object, kind string) Object {
	o.Assignment = kind
	return o
}

// holderObject is a role holder in a finding about the holder: its roles in the detail,
// how it holds them in Assignment.
func (s *entraScan) holderObject(u *EntraUser, why string) Object {
	return withAssignment(userObject(u, why+"; holds "+s.rolesOf(u.ID), s.firstPath(u.ID)), s.assignment(u.ID))
}

// eachPrivilegedUser calls fn once for every user holding a role, in inventory order.
func (s *entraScan) eachPrivilegedUser(fn func(u *EntraUser)) {
	for i := range s.inv.Users {
		if s.privileged(s.inv.Users[i].ID) {
			fn(&s.inv.Users[i])
		}
	}
}

func findEntraPrivilegedGuests(s *entraScan) []Finding {
	var objects []Object
	s.eachPrivilegedUser(func(u *EntraUser) {
		if u.Guest {
			objects = append(objects, s.holderObject(u, "guest"+invitation(u)))
		}
	})
	return single(objects)
}

func findEntraPrivilegedNoMFA(s *entraScan) []Finding {
	var objects []Object
	s.eachPrivilegedUser(func(u *EntraUser) {
		if u.Enabled && u.NoMFA {
			objects = append(objects, s.holderObject(u, noMFADetail(u)))
		}
	})
	return single(objects)
}

func noMFADetail(u *EntraUser) string {
	if len(u.MFAMethods) == 0 {
		return "no MFA method registered"
	}
	return "no MFA method registered (only " + strings.Join(u.MFAMethods, ", ") + ")"
}

func findEntraPrivilegedStale(s *entraScan) []Finding {
	var objects []Object
	s.eachPrivilegedUser(func(u *EntraUser) {
		if !u.Enabled {
			return
		}
		if why, stale := s.staleness(u); stale {
			objects = append(objects, s.holderObject(u, why))
		}
	})
	return single(objects)
}

func findEntraPrivilegedDisabled(s *entraScan) []Finding {
	var objects []Object
	s.eachPrivilegedUser(func(u *EntraUser) {
		if !u.Enabled {
			objects = append(objects, s.holderObject(u, "disabled"))
		}
	})
	seen := map[string]bool{}
	for _, h := range s.holdings {
		p := h.principal
		if p.Kind == PrincipalServicePrincipal && p.Enabled != nil && !*p.Enabled && !seen[strings.ToLower(p.ID)] {
			seen[strings.ToLower(p.ID)] = true
			objects = append(objects, withAssignment(principalObject(p, "disabled service principal; holds "+s.rolesOf(p.ID), s.firstPath(p.ID)), s.assignment(p.ID)))
		}
	}
	return single(objects)
}

// unprivileged calls fn for every enabled user who holds no role.
func (s *entraScan) unprivileged(fn func(u *EntraUser)) {
	for i := range s.inv.Users {
		u := &s.inv.Users[i]
		if u.Enabled && !s.privileged(u.ID) {
			fn(u)
		}
	}
}

func findEntraNoMFA(s *entraScan) []Finding {
	var objects []Object
	s.unprivileged(func(u *EntraUser) {
		if u.NoMFA && !u.Guest {
			objects = append(objects, userObject(u, noMFADetail(u), nil))
		}
	})
	return single(objects)
}

func findEntraStale(s *entraScan) []Finding {
	var objects []Object
	s.unprivileged(func(u *EntraUser) {
		if u.LastSignIn.IsZero() {
			return // entra-never-signed-in
		}
		if why, stale := s.staleness(u); stale {
			objects = append(objects, userObject(u, why+guestNote(u), nil))
		}
	})
	return single(objects)
}

func findEntraNeverSignedIn(s *entraScan) []Finding {
	var objects []Object
	s.unprivileged(func(u *EntraUser) {
		if !u.LastSignIn.IsZero() {
			return
		}
		if why, stale := s.staleness(u); stale {
			objects = append(objects, userObject(u, why+guestNote(u), nil))
		}
	})
	return single(objects)
}

func guestNote(u *EntraUser) string {
	if u.Guest {
		return "; guest"
	}
	return ""
}

func findEntraGuests(s *entraScan) []Finding {
	var objects []Object
	for i := range s.inv.Users {
		u := &s.inv.Users[i]
		if !u.Guest {
			continue
		}
		detail := strings.TrimPrefix(invitation(u), "; ")
		if detail == "" {
			detail = "invitation state unknown"
		}
		detail += createdOn(u.Created)
		if s.inv.SignIns {
			if u.LastSignIn.IsZero() {
				detail += ", never signed in"
			} else {
				detail += ", last sign-in " + day(u.LastSignIn)
			}
		}
		if !u.Enabled {
			detail += "; disabled"
		}
		if s.privileged(u.ID) {
			detail += "; holds " + s.rolesOf(u.ID)
		}
		objects = append(objects, withAssignment(userObject(u, detail, s.firstPath(u.ID)), s.assignment(u.ID)))
	}
	return single(objects)
}

// invitation is "; invitation Accepted 2026-01-02" for a guest whose state Graph reports.
func invitation(u *EntraUser) string {
	if u.ExternalUserState == "" {
		return ""
	}
	s := "; invitation " + u.ExternalUserState
	if !u.ExternalUserStateChange.IsZero() {
		s += " " + day(u.ExternalUserStateChange)
	}
	return s
}

func findEntraDrift(s *entraScan) []Finding {
	d := Compare(s.baseline, s.snapshot())
	objects := make([]Object, 0, len(d.Changes))
	for _, c := range d.Changes {
		o := Object{DN: c.DN, SAMAccountName: c.SAMAccountName, Detail: c.Describe(), Path: c.Path}
		if c.Group != "" {
			o.Assignment = AssignmentActive
			if c.Eligible {
				o.Assignment = AssignmentEligible
			}
		}
		objects = append(objects, o)
	}
	return single(objects)
}
