package check

import (
	"strconv"
	"strings"
	"time"
)

// groupSpec identifies a sensitive group. Groups are found by SID, never by name: names are
// localised ("Domänen-Admins"), can be renamed, and anyone who may create a group can create
// one called "Domain Admins" elsewhere. DnsAdmins is the exception: its RID is allocated
// when DNS is installed, so its sAMAccountName (unique in the domain) is all there is.
type groupSpec struct {
	Name string
	// Exactly one of the three identifies the group.
	SID            string // well-known (builtin) SID
	RID            uint32 // relative to the domain SID
	SAMAccountName string
	// Privileged groups are audited: their membership, their members, their ACLs.
	Privileged bool
	// Protected groups are those whose members AD's SDProp protects with AdminSDHolder's
	// ACL (and marks adminCount=1).
	Protected bool
}

// groupSpecs lists the sensitive groups, most powerful first: the order decides which of an
// account's privileged groups a finding names first.
func groupSpecs() []groupSpec {
	return []groupSpec{
		{Name: "Enterprise Admins", RID: ridEnterpriseAdmins, Privileged: true, Protected: true},
		{Name: "Domain Admins", RID: ridDomainAdmins, Privileged: true, Protected: true},
		{Name: "Administrators", SID: sidAdministrators, Privileged: true, Protected: true},
		{Name: "Schema Admins", RID: ridSchemaAdmins, Privileged: true, Protected: true},
		{Name: "Account Operators", SID: "S-1-5-32-548", Privileged: true, Protected: true},
		{Name: "Server Operators", SID: "S-1-5-32-549", Privileged: true, Protected: true},
		{Name: "Print Operators", SID: "S-1-5-32-550", Privileged: true, Protected: true},
		{Name: "Backup Operators", SID: "S-1-5-32-551", Privileged: true, Protected: true},
		{Name: "Group Policy Creator Owners", RID: ridGPCreatorOwners, Privileged: true},
		{Name: "DnsAdmins", SAMAccountName: "DnsAdmins", Privileged: true},
		{Name: "Replicator", SID: "S-1-5-32-552", Protected: true},
		{Name: "Domain Controllers", RID: ridDomainControllers, Protected: true},
		{Name: "Read-only Domain Controllers", RID: ridReadOnlyDCs, Protected: true},
		{Name: "Key Admins", RID: ridKeyAdmins, Protected: true},
		{Name: "Enterprise Key Admins", RID: ridEnterpriseKeyAdmins, Protected: true},
	}
}

// resolve finds the group a spec names, or -1.
func (sp groupSpec) resolve(g *graph) int32 {
	switch {
	case sp.SID != "":
		if gi, ok := g.bySID[sp.SID]; ok {
			return gi
		}
	case sp.RID != 0 && g.inv.DomainSID != "":
		if gi, ok := g.bySID[g.inv.DomainSID+"-"+strconv.FormatUint(uint64(sp.RID), 10)]; ok {
			return gi
		}
	case sp.SAMAccountName != "":
		for i, gr := range g.inv.Groups {
			if strings.EqualFold(gr.SAMAccountName, sp.SAMAccountName) {
				return int32(i)
			}
		}
	}
	return -1
}

// privilegedGroup is a privileged group found in the inventory, with its expanded members.
type privilegedGroup struct {
	spec     groupSpec
	index    int32
	holdings []holding
}

// privilege is one privileged group an account belongs to, and how.
type privilege struct {
	group *privilegedGroup
	h     holding
}

// PrivilegedSIDs names the objects whose security descriptors the ACL checks read besides the
// domain head and the containers: the privileged groups, found by SID, and every account
// that holds one of them through any nesting. An AD loader calls it on the groups and
// accounts it has read (ad.Client.AuditInventory), so that which groups count as privileged
// stays the checks' knowledge.
func PrivilegedSIDs(inv *Inventory) []string {
	s := newScan(inv, Options{Now: time.Now()})
	var sids []string
	for _, pg := range s.privileged {
		sids = append(sids, inv.Groups[pg.index].SID)
	}
	for _, i := range s.privilegedAccounts() {
		sids = append(sids, inv.Accounts[i].SID)
	}
	return sids
}
