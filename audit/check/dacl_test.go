package check

import (
	"slices"
	"strings"
	"testing"
)

func deny(sid string, mask uint32, flags uint8) ACE {
	return ACE{Type: aceTypeAccessDenied, Flags: flags, Mask: mask, SID: sid}
}

func denyObject(sid string, mask uint32, objectType string, flags uint8) ACE {
	return ACE{Type: aceTypeAccessDeniedObject, Flags: flags, Mask: mask, ObjectType: objectType, SID: sid}
}

func inherited(a ACE) ACE { a.Flags |= aceFlagInherited; return a }

// lines runs every check and returns one check's objects as "name: detail".
func lines(t *testing.T, inv *Inventory, id string) []string {
	t.Helper()
	var got []string
	for _, f := range runAll(t, inv, Options{}).Findings {
		if f.Check == id {
			for _, o := range f.Objects {
				got = append(got, o.SAMAccountName+": "+o.Detail)
			}
		}
	}
	slices.Sort(got)
	return got
}

// withSD replaces the descriptor of the fixture's secured object dn (from aclFixture).
func withSD(t *testing.T, inv *Inventory, dn string, dacl ...ACE) {
	t.Helper()
	for i := range inv.Secured {
		if inv.Secured[i].DN == dn {
			inv.Secured[i].SD = &SecurityDescriptor{Owner: rid(512), DACL: append([]ACE{}, dacl...)}
			return
		}
	}
	t.Fatalf("no secured object %s", dn)
}

// TestDenyCancelsGrant: explicit deny entries come first in a canonical DACL, so they cancel
// the grants after them, explicit or inherited, to the same trustee or to a group member.
func TestDenyCancelsGrant(t *testing.T) {
	helpers, helper := rid(1106), rid(1214) // helper is a member of Helpers
	tests := map[string][]ACE{
		"explicit deny before an inherited grant": {
			denyObject(helpers, adsRightControlAccess, guidResetPassword, 0),
			inherited(allowObject(helpers, adsRightControlAccess, guidResetPassword)),
		},
		"explicit deny before an explicit grant": {
			deny(helpers, writeDAC, 0),
			allow(helpers, writeDAC),
		},
		"deny to Everyone": {
			deny(sidEveryone, 0xF01FF, 0),
			allow(helpers, 0xF01FF),
		},
		"deny to Authenticated Users": {
			deny(sidAuthenticatedUsers, writeDAC|writeOwner, 0),
			allow(helpers, writeDAC|writeOwner),
		},
		"deny to a group the trustee is in": {
			deny(helpers, adsRightControlAccess, 0),
			allowObject(helper, adsRightControlAccess, guidResetPassword),
		},
		"generic deny bit": {
			deny(helpers, genericAll, 0),
			allow(helpers, 0xF01FF),
		},
	}
	for name, dacl := range tests {
		t.Run(name, func(t *testing.T) {
			inv := aclFixture()
			withSD(t, inv, userDN("adm"), dacl...)
			withSD(t, inv, userDN("admsvc"))
			if got := lines(t, inv, "acl-privileged-accounts"); got != nil {
				t.Errorf("a grant the deny cancels is reported: %q", got)
			}
		})
	}
}

// TestDenyDoesNotCancelGrant: a deny after a grant (inherited after explicit), a deny for
// another right or property, for one member of the trustee group, or inherit-only, leaves
// the grant standing.
func TestDenyDoesNotCancelGrant(t *testing.T) {
	helpers, helper := rid(1106), rid(1214)
	const want = "Helpers: ResetPassword on adm; the group has 1 member account"
	tests := map[string][]ACE{
		"inherited deny after an explicit grant": {
			allowObject(helpers, adsRightControlAccess, guidResetPassword),
			inherited(denyObject(helpers, adsRightControlAccess, guidResetPassword, 0)),
		},
		"deny of another extended right": {
			denyObject(helpers, adsRightControlAccess, "ab721a53-1e2f-11d0-9819-00aa0040529b", 0), // change password
			allowObject(helpers, adsRightControlAccess, guidResetPassword),
		},
		"deny to a member of the trustee group": {
			deny(helper, adsRightControlAccess, 0),
			allowObject(helpers, adsRightControlAccess, guidResetPassword),
		},
		"inherit-only deny": {
			deny(helpers, adsRightControlAccess, aceFlagContainerInherit|aceFlagInheritOnly),
			allowObject(helpers, adsRightControlAccess, guidResetPassword),
		},
		"deny of other bits": {
			deny(helpers, writeDAC|writeOwner, 0),
			allowObject(helpers, adsRightControlAccess, guidResetPassword),
		},
	}
	for name, dacl := range tests {
		t.Run(name, func(t *testing.T) {
			inv := aclFixture()
			withSD(t, inv, userDN("adm"), dacl...)
			withSD(t, inv, userDN("admsvc"))
			if got := lines(t, inv, "acl-privileged-accounts"); !slices.Equal(got, []string{want}) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// TestPartialDenyLeavesTheRest: denying WriteProperty out of full control leaves the other
// rights, named one by one.
func TestPartialDenyLeavesTheRest(t *testing.T) {
	inv := aclFixture()
	helpers := rid(1106)
	withSD(t, inv, userDN("adm"), deny(helpers, adsRightWriteProperty|adsRightControlAccess, 0), allow(helpers, 0xF01FF))
	withSD(t, inv, userDN("admsvc"))
	want := []string{"Helpers: WriteDACL, WriteOwner on adm; the group has 1 member account"}
	if got := lines(t, inv, "acl-privileged-accounts"); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDCSyncNeedsBothRights(t *testing.T) {
	helpers, helper, nopwd := rid(1106), rid(1214), rid(1216)
	getChanges := func(sid string) ACE { return allowObject(sid, adsRightControlAccess, guidGetChanges) }
	getChangesAll := func(sid string) ACE { return allowObject(sid, adsRightControlAccess, guidGetChangesAll) }
	inv := aclFixture()
	withSD(t, inv, testDomainDN,
		// Helpers: DCSync (both rights); helper: Get-Changes-All alone; nopwd: Get-Changes alone
		// (not reported); the deny below takes Get-Changes-All from IT Admins, which keeps
		// Get-Changes only; Tier0's denied right is another one, so it keeps DCSync.
		denyObject(rid(1101), adsRightControlAccess, guidGetChangesAll, 0),
		denyObject(rid(1102), adsRightControlAccess, "89e95b76-444d-4c62-991a-0facbeda640c", 0), // Get-Changes-In-Filtered-Set
		getChanges(helpers), getChangesAll(helpers),
		getChangesAll(helper),
		getChanges(nopwd),
		getChanges(rid(1101)), getChangesAll(rid(1101)),
		getChanges(rid(1102)), getChangesAll(rid(1102)),
	)
	head := lines(t, inv, "acl-domain-head")
	if want := []string{
		"Helpers: DCSync on " + testDomainDN + "; the group has 1 member account",
		// Tier0 contains Ops (a cycle); its members are offadm and the primary-group member priadm.
		"Tier0: DCSync on " + testDomainDN + "; the group has 2 member accounts",
	}; !slices.Equal(head, want) {
		t.Errorf("acl-domain-head:\n got  %q\n want %q", head, want)
	}
	alone := lines(t, inv, "acl-get-changes-all")
	if want := []string{"helper: DS-Replication-Get-Changes-All (without Get-Changes) on " + testDomainDN}; !slices.Equal(alone, want) {
		t.Errorf("acl-get-changes-all:\n got  %q\n want %q", alone, want)
	}
}

// TestDCSyncThroughTwoTrustees: Get-Changes through Authenticated Users and Get-Changes-All
// through DnsAdmins give DnsAdmins' member both rights, though neither trustee holds both.
func TestDCSyncThroughTwoTrustees(t *testing.T) {
	inv := aclFixture()
	withSD(t, inv, testDomainDN,
		allowObject(sidAuthenticatedUsers, adsRightControlAccess, guidGetChanges),
		allowObject(rid(1105), adsRightControlAccess, guidGetChangesAll))
	want := []string{"dnsadm: DCSync on " + testDomainDN + ": Get-Changes through Authenticated Users, Get-Changes-All through DnsAdmins"}
	if got := lines(t, inv, "acl-domain-head"); !slices.Equal(got, want) {
		t.Errorf("acl-domain-head:\n got  %q\n want %q", got, want)
	}
	if got := lines(t, inv, "acl-get-changes-all"); len(got) != 1 || !strings.HasPrefix(got[0], "DnsAdmins: ") {
		t.Errorf("acl-get-changes-all: %q, want DnsAdmins' own line", got)
	}
}
