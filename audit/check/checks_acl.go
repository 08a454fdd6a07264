package check

import (
	"fmt"
	"slices"
	"strings"
)

const aclExpected = "Expected trustees are not reported: SYSTEM, Administrators, Domain Admins, Enterprise " +
	"Admins, the domain controllers, SELF and CREATOR OWNER. Deny entries are evaluated as Windows " +
	"does (in DACL order: explicit deny before allow, inherited entries after explicit ones), so a " +
	"grant a deny entry cancels is not listed."

func aclChecks() []Check {
	return []Check{
		{
			ID:       "acl-domain-head",
			Severity: SeverityCritical,
			Title:    "Unexpected control of the domain object (DCSync, permissions, owner, GPO links)",
			Why: "Whoever can replicate directory secrets (DCSync) reads every password hash, krbtgt's " +
				"included; whoever can change the domain object's permissions or owner can grant " +
				"themselves that right; linking a GPO to the domain runs code on every computer. " + aclExpected,
			Fix: "Remove the entry from the domain object's permissions (Active Directory Users and Computers, " +
				"Advanced Features, domain Properties, Security), or make the trustee part of tier 0 on purpose.",
			NeedsACLs: true,
			find: withSplitDCSync(aclFindingOf(func(s *scan, o *SecuredObject) (targetKind, bool) { return targetDomain, s.isDomainHead(o) },
				func(r Right) bool { return r != RightGetChangesAll })),
		},
		{
			ID:       "acl-get-changes-all",
			Severity: SeverityMedium,
			Title:    "Replicating Directory Changes All without Replicating Directory Changes (one grant short of DCSync)",
			Why: "DS-Replication-Get-Changes-All lets its holder replicate secrets (password hashes), but the " +
				"replication request also needs DS-Replication-Get-Changes (MS-DRSR 4.1.10.5.20): alone it is " +
				"not DCSync, yet whoever is later given Get-Changes, or already holds it through another " +
				"entry or group, can read every password hash. Holders of both are reported as DCSync by " +
				"acl-domain-head. " + aclExpected,
			Fix: "Remove the Replicating Directory Changes All entry from the domain object's permissions unless " +
				"the trustee is a directory synchronisation account that needs it (which then needs both rights).",
			NeedsACLs: true,
			find: aclFindingOf(func(s *scan, o *SecuredObject) (targetKind, bool) { return targetDomain, s.isDomainHead(o) },
				func(r Right) bool { return r == RightGetChangesAll }),
		},
		{
			ID:       "acl-adminsdholder",
			Severity: SeverityCritical,
			Title:    "Unexpected control of AdminSDHolder",
			Why: "Every hour SDProp copies AdminSDHolder's permissions onto every protected account and group " +
				"(Domain Admins, Administrators, their members, ...): a right granted here becomes a right " +
				"over all of them, and survives its removal from the individual objects. " + aclExpected,
			Fix: "Remove the entry from CN=AdminSDHolder,CN=System's permissions; then check the protected " +
				"objects, which already carry the copied entry until SDProp runs again.",
			NeedsACLs: true,
			find:      aclFinding(func(s *scan, o *SecuredObject) (targetKind, bool) { return targetAdminSDHolder, s.isAdminSDHolder(o) }),
		},
		{
			ID:       "acl-privileged-groups",
			Severity: SeverityCritical,
			Title:    "Unexpected rights to add members to, or take over, privileged groups",
			Why: "Whoever may write a privileged group's member attribute, change its permissions or owner, " +
				"or has full control of it, can make themselves a member. " + aclExpected,
			Fix: "Remove the entry from the group's permissions. On protected groups also check AdminSDHolder: " +
				"SDProp puts back whatever AdminSDHolder grants.",
			NeedsACLs: true,
			find: aclFinding(func(s *scan, o *SecuredObject) (targetKind, bool) {
				return targetGroup, o.Class == ClassGroup && s.isPrivilegedGroup(o.SID)
			}),
		},
		{
			ID:       "acl-privileged-accounts",
			Severity: SeverityCritical,
			Title:    "Unexpected rights to reset the password of, or take over, privileged accounts",
			Why: "Whoever may reset a privileged account's password, write its key credentials, change its " +
				"permissions or owner, or has full control of it, can log on as it. These rights often " +
				"come from a delegation on the account's OU. " + aclExpected,
			Fix: "Remove the entry or the OU delegation it is inherited from; keep privileged accounts in an OU " +
				"without help-desk delegations, or in a protected group so SDProp replaces their ACL.",
			NeedsACLs: true,
			find: aclFinding(func(s *scan, o *SecuredObject) (targetKind, bool) {
				switch o.Class {
				case ClassUser:
					return targetUser, s.isPrivilegedAccount(o.SID)
				case ClassComputer:
					return targetComputer, s.isPrivilegedAccount(o.SID)
				}
				return 0, false
			}),
		},
		{
			ID:       "delegated-password-reset",
			Severity: SeverityLow,
			Title:    "Delegated password resets: who may reset the passwords of users in which OU",
			Why: "Every trustee listed can take over any account below the OU by resetting its password; " +
				"help-desk delegations are normal, but auditors need the list, and a delegation over an OU " +
				"that holds admins is how help-desk accounts become domain admins. " + aclExpected,
			Fix: "Confirm each delegation is intended and scoped to the OUs it needs; remove the rest with " +
				"dsacls or the OU's Security tab (Advanced).",
			NeedsACLs: true,
			find:      findDelegatedResets,
		},
	}
}

func (s *scan) isDomainHead(o *SecuredObject) bool { return strings.EqualFold(o.DN, s.inv.DomainDN) }

func (s *scan) isAdminSDHolder(o *SecuredObject) bool {
	return strings.EqualFold(o.DN, "CN=AdminSDHolder,CN=System,"+s.inv.DomainDN)
}

func (s *scan) isPrivilegedGroup(sid string) bool {
	return sid != "" && slices.ContainsFunc(s.privileged, func(pg *privilegedGroup) bool {
		return s.inv.Groups[pg.index].SID == sid
	})
}

func (s *scan) isPrivilegedAccount(sid string) bool {
	if sid == "" {
		return false
	}
	_, _, r, ok := s.principal(sid)
	if !ok || r.kind != kindAccount {
		return false
	}
	_, privileged := s.privileges[r.i]
	return privileged
}

// control is what one unexpected trustee may do to one object.
type control struct {
	trustee string
	rights  []Right
}

// unexpectedControl lists the trustees outside the expected set that hold, on the object
// itself, a right that matters for its kind: through an allow ACE that is not inherit-only,
// or through ownership (an owner may always rewrite the DACL).
func (s *scan) unexpectedControl(o *SecuredObject, kind targetKind) []control {
	var out []control
	add := func(sid string, rights ...Right) {
		if len(rights) == 0 || expectedTrustee(sid, s.inv.DomainSID) {
			return
		}
		i := slices.IndexFunc(out, func(c control) bool { return c.trustee == sid })
		if i < 0 {
			out = append(out, control{trustee: sid})
			i = len(out) - 1
		}
		for _, r := range rights {
			if !slices.Contains(out[i].rights, r) {
				out[i].rights = append(out[i].rights, r)
			}
		}
	}
	if o.SD.Owner != "" {
		add(o.SD.Owner, RightOwner)
	}
	if o.SD.DACL == nil {
		add(sidEveryone, RightGenericAll) // no DACL at all grants everyone everything
	}
	for _, ace := range s.effectiveAllows(o.SD.DACL) {
		add(ace.SID, controlRights(ace, kind)...)
	}
	return pairReplication(out)
}

// pairReplication turns each trustee's replication rights into what they amount to: both
// Get-Changes and Get-Changes-All are DCSync (MS-DRSR 4.1.10.5.20: IDL_DRSGetNCChanges
// checks both for secret attributes); Get-Changes-All alone stays as it is, its own finding;
// Get-Changes alone replicates no secrets and is dropped.
func pairReplication(cs []control) []control {
	out := cs[:0]
	for _, c := range cs {
		all, changes := slices.Contains(c.rights, RightGetChangesAll), slices.Contains(c.rights, rightGetChanges)
		c.rights = slices.DeleteFunc(c.rights, func(r Right) bool { return r == rightGetChanges })
		if all && changes {
			i := slices.Index(c.rights, RightGetChangesAll)
			c.rights[i] = RightDCSync
		}
		if len(c.rights) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// aclFinding builds an ACL check over the secured objects that match. A trustee holding the
// same rights on several objects gets one line naming them all: a default that hands one
// group control of every privileged group reads as one fact, not ten.
func aclFinding(match func(*scan, *SecuredObject) (targetKind, bool)) func(*scan) []Finding {
	return aclFindingOf(match, func(Right) bool { return true })
}

// aclFindingOf is aclFinding over the rights keep accepts, so that two checks can split the
// rights on one object between them.
func aclFindingOf(match func(*scan, *SecuredObject) (targetKind, bool), keep func(Right) bool) func(*scan) []Finding {
	return func(s *scan) []Finding {
		type line struct{ trustee, rights string }
		targets := map[line][]string{}
		var order []line
		for i := range s.inv.Secured {
			o := &s.inv.Secured[i]
			kind, ok := match(s, o)
			if !ok || o.SD == nil {
				continue
			}
			for _, c := range s.unexpectedControl(o, kind) {
				rights := slices.DeleteFunc(c.rights, func(r Right) bool { return !keep(r) })
				if len(rights) == 0 {
					continue
				}
				l := line{c.trustee, joinRights(rights)}
				if _, seen := targets[l]; !seen {
					order = append(order, l)
				}
				targets[l] = append(targets[l], s.targetLabel(o, kind))
			}
		}
		var objects []Object
		for _, l := range order {
			names := targets[l]
			slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
			full, brief := briefList(names, "objects")
			o := s.trusteeObject(l.trustee, fmt.Sprintf("%s on %s", l.rights, full))
			if brief != "" {
				o.Brief = s.trusteeObject(l.trustee, fmt.Sprintf("%s on %s", l.rights, brief)).Detail
			}
			objects = append(objects, o)
		}
		return single(objects)
	}
}

// trusteeObject is a finding's line for a trustee; a group trustee says how many accounts
// its (nested) membership gives the right to.
func (s *scan) trusteeObject(sid, detail string) Object {
	dn, name, r, found := s.principal(sid)
	switch {
	case found && r.kind == kindGroup:
		n := 0
		for _, h := range s.graph.expand(r.i) {
			if h.member.kind == kindAccount {
				n++
			}
		}
		switch n {
		case 0:
			detail += "; the group has no member accounts"
		case 1:
			detail += "; the group has 1 member account"
		default:
			detail += fmt.Sprintf("; the group has %d member accounts", n)
		}
	case !found && name == sid:
		detail += "; unresolved SID (a deleted object or another domain's)"
	}
	return Object{DN: dn, SAMAccountName: name, Detail: detail}
}

func (s *scan) targetLabel(o *SecuredObject, kind targetKind) string {
	switch kind {
	case targetDomain, targetAdminSDHolder:
		return o.DN
	}
	if _, name, _, ok := s.principal(o.SID); ok {
		return name
	}
	return o.DN
}

func joinRights(rights []Right) string {
	parts := make([]string, len(rights))
	for i, r := range rights {
		parts[i] = string(r)
	}
	return strings.Join(parts, ", ")
}

func findDelegatedResets(s *scan) []Finding {
	type key struct{ trustee, scope string }
	seen := map[key]bool{}
	var objects []Object
	for i := range s.inv.Secured {
		o := &s.inv.Secured[i]
		if o.SD == nil || (o.Class != ClassContainer && o.Class != ClassDomain) {
			continue
		}
		for _, ace := range o.SD.DACL {
			// Explicit entries only: the inherited copies below the OU are the same delegation.
			if ace.Inherited() || !ace.InheritedByChildren() || !resetsUserPasswords(ace) ||
				!inheritsToUsers(ace) || expectedTrustee(ace.SID, s.inv.DomainSID) {
				continue
			}
			k := key{ace.SID, foldDN(o.DN)}
			if seen[k] {
				continue
			}
			seen[k] = true
			objects = append(objects, s.trusteeObject(ace.SID, fmt.Sprintf("%s on user accounts under %s", resetRightText(ace), o.DN)))
		}
	}
	return single(objects)
}

// inheritsToUsers reports whether an inheritable ACE reaches user (or inetOrgPerson) objects.
func inheritsToUsers(a ACE) bool {
	return a.InheritedObjectType == "" || a.InheritedObjectType == classUser || a.InheritedObjectType == classInetOrgPerson
}

func resetRightText(a ACE) string {
	switch {
	case a.ObjectType == guidResetPassword:
		return "Reset Password"
	case a.Mask&genericAll != 0 || a.Mask&fullControl == fullControl:
		return "Full control (includes Reset Password)"
	default:
		return "All extended rights (includes Reset Password)"
	}
}

// withSplitDCSync adds to the domain-head finding the accounts that hold the two halves of
// DCSync through different trustees (Get-Changes through one group, Get-Changes-All through
// another, or one of them directly): no single trustee's line says DCSync for them, but their
// token holds both SIDs, and the access check grants both rights.
func withSplitDCSync(find func(*scan) []Finding) func(*scan) []Finding {
	return func(s *scan) []Finding {
		findings := find(s)
		extra := s.splitDCSync()
		if len(extra) == 0 {
			return findings
		}
		if len(findings) == 0 {
			return single(extra)
		}
		findings[0].Objects = append(findings[0].Objects, extra...)
		return findings
	}
}

// splitDCSync lists the accounts whose Get-Changes and Get-Changes-All come from different
// unexpected trustees on the domain object (a trustee holding both is reported on its own).
func (s *scan) splitDCSync() []Object {
	var changes, all, both []string
	for i := range s.inv.Secured {
		o := &s.inv.Secured[i]
		if !s.isDomainHead(o) || o.SD == nil {
			continue
		}
		for _, c := range s.unexpectedControl(o, targetDomain) {
			switch {
			case slices.Contains(c.rights, RightDCSync):
				both = append(both, c.trustee) // reported as the trustee's own line
			case slices.Contains(c.rights, RightGetChangesAll):
				all = append(all, c.trustee)
			}
		}
		for _, ace := range s.effectiveAllows(o.SD.DACL) {
			if slices.Contains(controlRights(ace, targetDomain), rightGetChanges) && !expectedTrustee(ace.SID, s.inv.DomainSID) &&
				!slices.Contains(changes, ace.SID) {
				changes = append(changes, ace.SID)
			}
		}
	}
	if len(all) == 0 || len(changes) == 0 {
		return nil
	}
	var out []Object
	for i := range s.inv.Accounts {
		a := &s.inv.Accounts[i]
		viaAll := slices.IndexFunc(all, func(t string) bool { return s.tokenHolds(a.SID, t) })
		viaChanges := slices.IndexFunc(changes, func(t string) bool { return s.tokenHolds(a.SID, t) })
		if viaAll < 0 || viaChanges < 0 || all[viaAll] == changes[viaChanges] ||
			slices.ContainsFunc(both, func(t string) bool { return s.tokenHolds(a.SID, t) }) {
			continue
		}
		_, gc, _, _ := s.principal(changes[viaChanges])
		_, gca, _, _ := s.principal(all[viaAll])
		out = append(out, s.accountObject(int32(i), fmt.Sprintf("DCSync on %s: Get-Changes through %s, Get-Changes-All through %s",
			s.inv.DomainDN, gc, gca)))
	}
	return out
}
