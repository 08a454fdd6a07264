package check

import "github.com/adkit-dev/adkit/audit/inventory"

// Well-known SIDs (MS-DTYP 2.4.2.4) the checks name or treat specially.
const (
	sidEveryone           = "S-1-1-0"
	sidCreatorOwner       = "S-1-3-0"
	sidEnterpriseDCs      = "S-1-5-9"
	sidSelf               = "S-1-5-10"
	sidAuthenticatedUsers = "S-1-5-11"
	sidSystem             = "S-1-5-18"
	sidAdministrators     = "S-1-5-32-544"
)

// Relative IDs of domain accounts and groups that every domain has.
const (
	ridAdministrator       = 500
	ridKrbtgt              = 502
	ridDomainAdmins        = 512
	ridDomainControllers   = 516
	ridSchemaAdmins        = 518
	ridEnterpriseAdmins    = 519
	ridGPCreatorOwners     = 520
	ridReadOnlyDCs         = 521
	ridKeyAdmins           = 526
	ridEnterpriseKeyAdmins = 527
	ridEnterpriseROnlyDCs  = 498
)

// wellKnownName names the SIDs that have no object in the domain partition.
func wellKnownName(sid string) (string, bool) { return inventory.WellKnownName(sid) }

// splitDomainSID splits a domain account's SID into the domain SID and the RID.
func splitDomainSID(sid string) (domain string, rid uint32, ok bool) {
	return inventory.SplitDomainSID(sid)
}

// ridOf is the RID of a domain SID, or 0.
func ridOf(sid string) uint32 { return inventory.RIDOf(sid) }

// expectedTrustee reports whether a trustee is one AD itself grants control over the
// sensitive objects, so that its permissions are not findings: SYSTEM, Administrators,
// Domain Admins, Enterprise Admins, the domain controllers, SELF and CREATOR OWNER.
func expectedTrustee(sid, domainSID string) bool {
	switch sid {
	case sidSystem, sidAdministrators, sidEnterpriseDCs, sidSelf, sidCreatorOwner:
		return true
	}
	dom, rid, ok := splitDomainSID(sid)
	if !ok {
		return false
	}
	switch rid {
	case ridDomainAdmins, ridDomainControllers, ridReadOnlyDCs:
		return dom == domainSID
	case ridEnterpriseAdmins, ridEnterpriseROnlyDCs:
		// These groups live in the forest root domain, whose SID a DC of a child domain
		// does not hold; a RID below 1000 is reserved for them in every domain.
		return true
	}
	return false
}
