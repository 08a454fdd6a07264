package check

// Deny entries. AD's access check (MS-DTYP 2.5.3.2, AccessCheck) walks the DACL in order and,
// per access bit, keeps the first answer: a bit an allow entry grants stays granted, a bit a
// deny entry denies stays denied, whatever comes later. AD keeps DACLs in canonical order
// (MS-DTYP 2.4.5: explicit deny, explicit allow, then the inherited entries, nearest parent
// first, deny before allow in each), so an explicit deny cancels an inherited or explicit
// grant, and an inherited deny cannot cancel an explicit grant. Walking the stored order
// gives exactly that on a canonical DACL and gives what AD itself decides on one that is not.

const (
	sidAnonymous  = "S-1-5-7"
	genericRead   = 0x80000000
	genericExec   = 0x20000000
	mappedGeneric = genericAll | genericWrite | genericRead | genericExec
)

// mapGeneric maps the generic bits of a stored mask to the directory rights they stand for
// (MS-ADTS 5.1.3.2). AD maps them when it stores a DACL, but a DACL written below the module
// stack, or by another tool, may keep them.
func mapGeneric(m uint32) uint32 {
	if m&genericAll != 0 {
		m |= fullControl
	}
	if m&genericWrite != 0 {
		m |= mappedGenericWrite | readControl
	}
	if m&genericRead != 0 {
		m |= adsRightListChildren | adsRightReadProperty | adsRightListObject | readControl
	}
	if m&genericExec != 0 {
		m |= adsRightListChildren | readControl
	}
	return m &^ mappedGeneric
}

// effectiveAllows returns the allow entries of a DACL that take effect on the object itself,
// each with the mask its trustee still holds after the deny entries before it that apply to
// that trustee. An entry whose every bit was denied is left out. The masks have their
// generic bits mapped, so controlRights reads them as it reads what AD stores.
//
// A deny entry applies to a trustee when it names the trustee itself, a group the trustee
// is nested in (every member's token holds that group), Everyone, or Authenticated Users
// (for anyone but ANONYMOUS LOGON). A deny naming one member of a group does not cancel the
// group's grant: the group's other members keep it. An object deny (one property or right)
// cancels only an allow for that same object type: an allow for everything keeps its bits,
// less the one property, which the rights below cannot tell apart.
func (s *scan) effectiveAllows(dacl []ACE) []ACE {
	var out []ACE
	for i, a := range dacl {
		if !a.Allows() || !a.AppliesToObject() || a.SID == "" {
			continue
		}
		mask := mapGeneric(a.Mask)
		for _, d := range dacl[:i] {
			if mask == 0 {
				break
			}
			if d.Allows() || !d.AppliesToObject() || !denies(d) {
				continue
			}
			if d.ObjectType != "" && d.ObjectType != a.ObjectType {
				continue
			}
			if s.tokenHolds(a.SID, d.SID) {
				mask &^= mapGeneric(d.Mask)
			}
		}
		if mask != 0 {
			a.Mask = mask
			out = append(out, a)
		}
	}
	return out
}

// denies reports whether an ACE is a deny entry the evaluation understands.
func denies(a ACE) bool { return a.Type == aceTypeAccessDenied || a.Type == aceTypeAccessDeniedObject }

// tokenHolds reports whether every token of trustee holds sid: the trustee itself, Everyone,
// Authenticated Users, or a group the trustee is nested in (directly, through nesting or as
// its primary group).
func (s *scan) tokenHolds(trustee, sid string) bool {
	switch {
	case trustee == sid, sid == sidEveryone:
		return true
	case sid == sidAuthenticatedUsers:
		return trustee != sidAnonymous && trustee != sidEveryone
	}
	gi, ok := s.graph.bySID[sid]
	if !ok {
		return false
	}
	_, _, r, found := s.principal(trustee)
	if !found {
		return false
	}
	if s.nested == nil {
		s.nested = map[int32]map[ref]bool{}
	}
	members, ok := s.nested[gi]
	if !ok {
		members = s.graph.allMembers(gi)
		s.nested[gi] = members
	}
	return members[r]
}

// allMembers is every principal nested in a group, groups included (expand leaves groups out).
func (g *graph) allMembers(root int32) map[ref]bool {
	out := map[ref]bool{}
	queue := []int32{root}
	for len(queue) > 0 {
		gi := queue[0]
		queue = queue[1:]
		for _, e := range g.members[gi] {
			if out[e.member] {
				continue
			}
			out[e.member] = true
			if e.member.kind == kindGroup {
				queue = append(queue, e.member.i)
			}
		}
	}
	return out
}
