package check

// Access mask bits of directory objects (MS-ADTS 5.1.3.2, MS-DTYP 2.4.3). AD stores generic
// rights already mapped to these, so "GenericAll" granted in a UI reads back as 0xF01FF.
const (
	adsRightCreateChild   = 0x00000001
	adsRightDeleteChild   = 0x00000002
	adsRightListChildren  = 0x00000004
	adsRightSelf          = 0x00000008 // validated writes
	adsRightReadProperty  = 0x00000010
	adsRightWriteProperty = 0x00000020
	adsRightDeleteTree    = 0x00000040
	adsRightListObject    = 0x00000080
	adsRightControlAccess = 0x00000100 // extended rights
	deleteRight           = 0x00010000
	readControl           = 0x00020000
	writeDAC              = 0x00040000
	writeOwner            = 0x00080000
	genericAll            = 0x10000000
	genericWrite          = 0x40000000

	// fullControl is GenericAll after AD's mapping: every DS right plus the standard ones.
	fullControl = adsRightCreateChild | adsRightDeleteChild | adsRightListChildren | adsRightSelf |
		adsRightReadProperty | adsRightWriteProperty | adsRightDeleteTree | adsRightListObject |
		adsRightControlAccess | deleteRight | readControl | writeDAC | writeOwner
	// mappedGenericWrite is GenericWrite after mapping: write every property and every
	// validated write (plus read control).
	mappedGenericWrite = adsRightSelf | adsRightWriteProperty
)

// Object-type GUIDs: extended rights (rightsGuid), attributes (schemaIDGUID) and classes.
const (
	guidResetPassword     = "00299570-246d-11d0-a768-00aa006e0529" // User-Force-Change-Password
	guidMember            = "bf9679c0-0de6-11d0-a285-00aa003049e2" // member, and the Self-Membership validated write
	guidGetChanges        = "1131f6aa-9c07-11d1-f79f-00c04fc2dcd2" // DS-Replication-Get-Changes
	guidGetChangesAll     = "1131f6ad-9c07-11d1-f79f-00c04fc2dcd2" // DS-Replication-Get-Changes-All: with Get-Changes, DCSync
	guidKeyCredentialLink = "5b47d60f-6090-40b2-9f37-2a4de88f3063" // msDS-KeyCredentialLink ("shadow credentials")
	guidAllowedToActOnBe  = "3f78c3e5-f79a-46bd-a0b8-9d18116ddc79" // msDS-AllowedToActOnBehalfOfOtherIdentity (RBCD)
	guidGPLink            = "f30e3bbe-9ff0-11d1-b603-0000f80367c1" // gPLink: which GPOs apply

	classUser          = "bf967aba-0de6-11d0-a285-00aa003049e2"
	classInetOrgPerson = "4828cc14-1437-45bc-9b07-ad6f015e5f28"
)

// Right is a permission that hands over control of an object, named the way AD tools name it.
type Right string

// The rights the ACL checks look for.
const (
	RightOwner              Right = "Owner"
	RightGenericAll         Right = "GenericAll"
	RightGenericWrite       Right = "GenericWrite"
	RightWriteDACL          Right = "WriteDACL"
	RightWriteOwner         Right = "WriteOwner"
	RightWriteAllProperties Right = "WriteProperty (all)"
	RightAllExtendedRights  Right = "AllExtendedRights"
	RightResetPassword      Right = "ResetPassword"
	RightWriteMember        Right = "WriteMember"
	RightAddSelf            Right = "AddSelf"
	RightDCSync             Right = "DCSync"
	// RightGetChangesAll is DS-Replication-Get-Changes-All without DS-Replication-Get-Changes:
	// replicating secrets needs both (MS-DRSR 4.1.10.5.20), so alone it is one grant short of
	// DCSync, and its own finding (acl-get-changes-all).
	RightGetChangesAll Right = "DS-Replication-Get-Changes-All (without Get-Changes)"
	// rightGetChanges is DS-Replication-Get-Changes: it replicates everything but secrets, and
	// counts only as the other half of DCSync; it is never reported alone.
	rightGetChanges         Right = "DS-Replication-Get-Changes"
	RightWriteKeyCredential Right = "Write msDS-KeyCredentialLink"
	RightWriteRBCD          Right = "Write msDS-AllowedToActOnBehalfOfOtherIdentity"
	RightWriteGPLink        Right = "Write gPLink"
)

// targetKind is what an ACL protects; it decides which rights matter.
type targetKind int

const (
	targetDomain targetKind = iota
	targetAdminSDHolder
	targetGroup
	targetUser
	targetComputer
)

// relevant reports whether r gives control over a target of kind k. Reset password means
// nothing on a group, add-member nothing on a user.
func (k targetKind) relevant(r Right) bool {
	switch r {
	case RightOwner, RightGenericAll, RightGenericWrite, RightWriteDACL, RightWriteOwner, RightWriteAllProperties:
		return true
	case RightAllExtendedRights:
		return k == targetDomain || k == targetUser || k == targetComputer
	case RightWriteMember, RightAddSelf:
		return k == targetGroup
	case RightResetPassword, RightWriteKeyCredential:
		return k == targetUser || k == targetComputer
	case RightWriteRBCD:
		return k == targetComputer
	case RightDCSync, RightGetChangesAll, rightGetChanges, RightWriteGPLink:
		return k == targetDomain
	}
	return false
}

// controlRights lists the rights an allow ACE grants among those above, for an object of
// kind k. An ACE scoped to one property or right (object type set) grants only that; the
// standard rights (WriteDACL, WriteOwner) come only from ACEs without an object type, the
// way AD's access check treats them.
func controlRights(a ACE, k targetKind) []Right {
	var out []Right
	add := func(r Right) {
		if k.relevant(r) {
			out = append(out, r)
		}
	}
	m := a.Mask
	if a.ObjectType != "" {
		switch {
		case m&adsRightControlAccess != 0 && a.ObjectType == guidResetPassword:
			add(RightResetPassword)
		case m&adsRightControlAccess != 0 && a.ObjectType == guidGetChangesAll:
			add(RightGetChangesAll) // DCSync when the same trustee holds Get-Changes: see pairReplication
		case m&adsRightControlAccess != 0 && a.ObjectType == guidGetChanges:
			add(rightGetChanges)
		case m&adsRightWriteProperty != 0 && a.ObjectType == guidMember:
			add(RightWriteMember)
		case m&adsRightSelf != 0 && a.ObjectType == guidMember:
			add(RightAddSelf)
		case m&adsRightWriteProperty != 0 && a.ObjectType == guidKeyCredentialLink:
			add(RightWriteKeyCredential)
		case m&adsRightWriteProperty != 0 && a.ObjectType == guidAllowedToActOnBe:
			add(RightWriteRBCD)
		case m&adsRightWriteProperty != 0 && a.ObjectType == guidGPLink:
			add(RightWriteGPLink)
		}
		return out
	}
	if m&genericAll != 0 || m&fullControl == fullControl {
		add(RightGenericAll)
		return out
	}
	if m&genericWrite != 0 || m&mappedGenericWrite == mappedGenericWrite {
		add(RightGenericWrite)
	} else {
		if m&adsRightWriteProperty != 0 {
			add(RightWriteAllProperties)
		}
		if m&adsRightSelf != 0 {
			add(RightAddSelf)
		}
	}
	if m&writeDAC != 0 {
		add(RightWriteDACL)
	}
	if m&writeOwner != 0 {
		add(RightWriteOwner)
	}
	if m&adsRightControlAccess != 0 {
		add(RightAllExtendedRights)
	}
	return out
}

// resetsUserPasswords reports whether an ACE lets its trustee reset the passwords of user
// objects: the Reset Password right, all extended rights, or full control.
func resetsUserPasswords(a ACE) bool {
	if !a.Allows() {
		return false
	}
	if a.ObjectType != "" {
		return a.Mask&adsRightControlAccess != 0 && a.ObjectType == guidResetPassword
	}
	return a.Mask&(adsRightControlAccess|genericAll) != 0 || a.Mask&fullControl == fullControl
}
