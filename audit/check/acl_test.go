package check

import (
	"slices"
	"strings"
	"testing"
)

func TestControlRights(t *testing.T) {
	tests := []struct {
		name string
		ace  ACE
		kind targetKind
		want []Right
	}{
		{"full control as AD stores it", ACE{Mask: 0x000F01FF}, targetGroup, []Right{RightGenericAll}},
		{"generic all bit", ACE{Mask: genericAll}, targetUser, []Right{RightGenericAll}},
		{"generic write bit", ACE{Mask: genericWrite}, targetGroup, []Right{RightGenericWrite}},
		{"generic write mapped", ACE{Mask: readControl | adsRightWriteProperty | adsRightSelf}, targetGroup, []Right{RightGenericWrite}},
		{"write DACL and owner", ACE{Mask: writeDAC | writeOwner | readControl}, targetDomain, []Right{RightWriteDACL, RightWriteOwner}},
		{"write all properties", ACE{Mask: adsRightWriteProperty | adsRightReadProperty}, targetAdminSDHolder, []Right{RightWriteAllProperties}},
		{"all extended rights on a user", ACE{Mask: adsRightControlAccess}, targetUser, []Right{RightAllExtendedRights}},
		{"all extended rights mean nothing on a group", ACE{Mask: adsRightControlAccess}, targetGroup, nil},
		{"reset password", ACE{Mask: adsRightControlAccess, ObjectType: guidResetPassword}, targetUser, []Right{RightResetPassword}},
		{"reset password means nothing on a group", ACE{Mask: adsRightControlAccess, ObjectType: guidResetPassword}, targetGroup, nil},
		{"write member", ACE{Mask: adsRightWriteProperty, ObjectType: guidMember}, targetGroup, []Right{RightWriteMember}},
		{"add self", ACE{Mask: adsRightSelf, ObjectType: guidMember}, targetGroup, []Right{RightAddSelf}},
		// DCSync needs both rights: unexpectedControl pairs them (TestDCSyncNeedsBothRights).
		{"Get-Changes-All", ACE{Mask: adsRightControlAccess, ObjectType: guidGetChangesAll}, targetDomain, []Right{RightGetChangesAll}},
		{"Get-Changes", ACE{Mask: adsRightControlAccess, ObjectType: guidGetChanges}, targetDomain, []Right{rightGetChanges}},
		{"gPLink", ACE{Mask: adsRightWriteProperty, ObjectType: guidGPLink}, targetDomain, []Right{RightWriteGPLink}},
		{"key credentials", ACE{Mask: adsRightWriteProperty, ObjectType: guidKeyCredentialLink}, targetComputer, []Right{RightWriteKeyCredential}},
		{"RBCD on a computer", ACE{Mask: adsRightWriteProperty, ObjectType: guidAllowedToActOnBe}, targetComputer, []Right{RightWriteRBCD}},
		{"read only", ACE{Mask: adsRightReadProperty | readControl | adsRightListChildren}, targetDomain, nil},
		{"another property", ACE{Mask: adsRightWriteProperty, ObjectType: "bf967a0a-0de6-11d0-a285-00aa003049e2"}, targetUser, nil},
		{"another extended right", ACE{Mask: adsRightControlAccess, ObjectType: "ab721a53-1e2f-11d0-9819-00aa0040529b"}, targetUser, nil},
		// An object ACE's WriteDACL bit is scoped to its object type and does not make it a WriteDACL grant.
		{"object-scoped standard rights", ACE{Mask: writeDAC | adsRightReadProperty, ObjectType: guidMember}, targetGroup, nil},
		{"create and delete children", ACE{Mask: adsRightCreateChild | adsRightDeleteChild}, targetDomain, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.ace.Type = aceTypeAccessAllowed
			if tt.ace.ObjectType != "" {
				tt.ace.Type = aceTypeAccessAllowedObject
			}
			if got := controlRights(tt.ace, tt.kind); !slices.Equal(got, tt.want) {
				t.Errorf("controlRights = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestExpectedTrustee(t *testing.T) {
	for sid, want := range map[string]bool{
		sidSystem: true, sidAdministrators: true, sidSelf: true, sidCreatorOwner: true, sidEnterpriseDCs: true,
		rid(512): true, rid(516): true, rid(521): true,
		// Enterprise Admins of the forest root, whose SID a child domain does not know.
		"S-1-5-21-1-2-3-519": true,
		// Another domain's Domain Admins are not ours.
		"S-1-5-21-1-2-3-512": false,
		rid(513):             false, rid(1106): false, sidEveryone: false, sidAuthenticatedUsers: false,
		"S-1-5-32-548": false, // Account Operators
	} {
		if got := expectedTrustee(sid, testDomain); got != want {
			t.Errorf("expectedTrustee(%s) = %v, want %v", sid, got, want)
		}
	}
}

func allow(sid string, mask uint32) ACE { return ACE{Type: aceTypeAccessAllowed, Mask: mask, SID: sid} }

func allowObject(sid string, mask uint32, objectType string) ACE {
	return ACE{Type: aceTypeAccessAllowedObject, Mask: mask, ObjectType: objectType, SID: sid}
}

// aclFixture adds descriptors: each sensitive object gets the expected grants (which must not
// be reported) plus one unexpected grant (which must).
func aclFixture() *Inventory {
	inv := fixture()
	helpers := rid(1106)
	helper := rid(1214)
	expected := []ACE{
		allow(rid(512), 0xF01FF), allow(sidSystem, 0xF01FF), allow(sidAdministrators, 0xF01FF),
		allow("S-1-5-21-9-9-9-519", 0xF01FF), allow(sidSelf, adsRightSelf|adsRightWriteProperty),
		allowObject(sidAuthenticatedUsers, adsRightControlAccess, "ab721a53-1e2f-11d0-9819-00aa0040529b"), // change password
		allow(sidAuthenticatedUsers, adsRightReadProperty|readControl),
	}
	domainDACL := append(slices.Clone(expected),
		allowObject(helpers, adsRightControlAccess, guidGetChangesAll),
		allowObject(helpers, adsRightControlAccess, guidGetChanges),
		// Get-Changes-All alone: not DCSync, its own finding.
		allowObject(helper, adsRightControlAccess, guidGetChangesAll),
		// Inherit-only: applies below the domain object, not to it.
		ACE{Type: aceTypeAccessAllowed, Flags: aceFlagContainerInherit | aceFlagInheritOnly, Mask: writeDAC, SID: sidEveryone},
		// A deny entry grants nothing.
		ACE{Type: aceTypeAccessDenied, Mask: 0xF01FF, SID: sidEveryone},
	)
	inv.Secured = []SecuredObject{
		{DN: testDomainDN, Class: ClassDomain, SID: testDomain, SD: &SecurityDescriptor{Owner: sidAdministrators, DACL: domainDACL}},
		// AdminSDHolder owned by an ordinary account.
		{DN: dnAdminSDHolder, Class: ClassContainer, SD: &SecurityDescriptor{Owner: helper, DACL: expected}},
		{DN: dnDomainAdmins, Class: ClassGroup, SID: rid(512), SD: &SecurityDescriptor{Owner: rid(512),
			DACL: append(slices.Clone(expected), allowObject(helpers, adsRightWriteProperty, guidMember))}},
		// No DACL at all: everyone may do everything.
		{DN: dnDnsAdmins, Class: ClassGroup, SID: rid(1105), SD: &SecurityDescriptor{Owner: rid(512)}},
		// The look-alike group's permissions are nobody's business here.
		{DN: dnLookalike, Class: ClassGroup, SID: rid(1104), SD: &SecurityDescriptor{Owner: rid(512),
			DACL: append(slices.Clone(expected), allow(helpers, 0xF01FF))}},
		{DN: userDN("adm"), Class: ClassUser, SID: rid(1201), SD: &SecurityDescriptor{Owner: rid(512),
			DACL: append(slices.Clone(expected), ACE{Type: aceTypeAccessAllowedObject, Flags: aceFlagInherited, Mask: adsRightControlAccess, ObjectType: guidResetPassword, SID: helpers})}},
		{DN: userDN("admsvc"), Class: ClassUser, SID: rid(1207), SD: &SecurityDescriptor{Owner: rid(512),
			DACL: append(slices.Clone(expected), ACE{Type: aceTypeAccessAllowedObject, Flags: aceFlagInherited, Mask: adsRightControlAccess, ObjectType: guidResetPassword, SID: helpers})}},
		{DN: userDN("svc"), Class: ClassUser, SID: rid(1205), SD: &SecurityDescriptor{Owner: rid(512),
			DACL: append(slices.Clone(expected), allow(helpers, 0xF01FF))}},
		// The help-desk delegation, its inherited copy one level down, a delegation on computer
		// objects only, and one to an unknown SID.
		{DN: dnStaff, Class: ClassContainer, SD: &SecurityDescriptor{Owner: rid(512), DACL: append(slices.Clone(expected),
			ACE{Type: aceTypeAccessAllowedObject, Flags: aceFlagContainerInherit | aceFlagInheritOnly, Mask: adsRightControlAccess,
				ObjectType: guidResetPassword, InheritedObjectType: classUser, SID: helpers},
			ACE{Type: aceTypeAccessAllowedObject, Flags: aceFlagContainerInherit | aceFlagInheritOnly, Mask: adsRightControlAccess,
				ObjectType: guidResetPassword, InheritedObjectType: "bf967a86-0de6-11d0-a285-00aa003049e2", SID: rid(1216)},
			ACE{Type: aceTypeAccessAllowed, Flags: aceFlagContainerInherit, Mask: 0xF01FF, SID: testDomain + "-7777"},
		)}},
		{DN: "OU=Sub," + dnStaff, Class: ClassContainer, SD: &SecurityDescriptor{Owner: rid(512), DACL: append(slices.Clone(expected),
			ACE{Type: aceTypeAccessAllowedObject, Flags: aceFlagContainerInherit | aceFlagInheritOnly | aceFlagInherited, Mask: adsRightControlAccess,
				ObjectType: guidResetPassword, InheritedObjectType: classUser, SID: helpers},
		)}},
	}
	return inv
}

func TestACLChecks(t *testing.T) {
	r := runAll(t, aclFixture(), Options{})
	want := map[string][]string{
		"acl-domain-head":         {"Helpers: DCSync on " + testDomainDN + "; the group has 1 member account"},
		"acl-get-changes-all":     {"helper: DS-Replication-Get-Changes-All (without Get-Changes) on " + testDomainDN},
		"acl-adminsdholder":       {"helper: Owner on " + dnAdminSDHolder},
		"acl-privileged-groups":   {"Everyone: GenericAll on DnsAdmins", "Helpers: WriteMember on Domain Admins; the group has 1 member account"},
		"acl-privileged-accounts": {"Helpers: ResetPassword on adm, admsvc; the group has 1 member account"},
		"delegated-password-reset": {
			"Helpers: Reset Password on user accounts under " + dnStaff + "; the group has 1 member account",
			testDomain + "-7777: Full control (includes Reset Password) on user accounts under " + dnStaff + "; unresolved SID (a deleted object or another domain's)",
		},
	}
	for id, lines := range want {
		var got []string
		for _, f := range r.Findings {
			if f.Check == id {
				for _, o := range f.Objects {
					got = append(got, o.SAMAccountName+": "+o.Detail)
				}
			}
		}
		slices.Sort(got)
		slices.Sort(lines)
		if !slices.Equal(got, lines) {
			t.Errorf("%s:\n got  %q\n want %q", id, got, lines)
		}
	}
}

func TestACLChecksNeedDescriptors(t *testing.T) {
	r := runAll(t, fixture(), Options{}) // loaded without ACLs
	for _, f := range r.Findings {
		if strings.HasPrefix(f.Check, "acl-") || f.Check == "delegated-password-reset" {
			t.Errorf("%s found something without descriptors", f.Check)
		}
	}
}

func TestTrusteeNamedFromLoaderLookup(t *testing.T) {
	inv := aclFixture()
	inv.Principals = map[string]Principal{testDomain + "-7777": {DN: "CN=gMSA1,CN=Managed Service Accounts," + testDomainDN, Name: "gMSA1$"}}
	r := runAll(t, inv, Options{})
	if got := accountsOf(r, "delegated-password-reset"); !slices.Equal(got, []string{"Helpers", "gMSA1$"}) {
		t.Errorf("trustees = %v", got)
	}
}
