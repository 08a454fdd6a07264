package inventory

import (
	"strconv"
	"strings"
	"time"
)

// Inventory is what the checks read: the domain's accounts, groups and the security
// descriptors of the objects that matter. ad.Client.AuditInventory fills it from Active
// Directory; tests build it by hand. It holds no connection and every check is a pure function of it.
type Inventory struct {
	// Directory is the domain's DNS name (lab.adkit.test).
	Directory string
	DomainDN  string
	DomainSID string
	// MachineAccountQuota is ms-DS-MachineAccountQuota, or nil when it could not be read.
	MachineAccountQuota *int

	Accounts []Account
	Groups   []Group
	// Foreign are foreign security principals: members from trusted domains and well-known
	// SIDs (Authenticated Users, ...) that groups can contain.
	Foreign []ForeignPrincipal

	// Secured are the objects whose permissions were read (only when loaded with ACLs):
	// the domain head, AdminSDHolder, privileged groups and accounts, OUs and containers.
	Secured []SecuredObject
	// Principals names trustee SIDs that are none of the accounts, groups or foreign
	// principals above (found by a last, batched lookup).
	Principals map[string]Principal

	// Warnings are problems that did not stop the load (an unreadable descriptor, ...).
	Warnings []string
	// Searches is how many LDAP searches the load made.
	Searches int
	// ExactLogons: LastLogon is the newest lastLogon of the DCs read (LoadOptions.ExactLogons);
	// MissingDCs are those that did not answer, whose logons are then not counted.
	ExactLogons bool
	MissingDCs  []string
}

// Account is a user or computer account.
type Account struct {
	DN             string
	SAMAccountName string
	SID            string
	Computer       bool
	// UAC is userAccountControl.
	UAC            uint32
	PrimaryGroupID uint32
	// LastLogon is lastLogonTimestamp: replicated, but only updated when the previous
	// value is 9-14 days old. Zero when the account never logged on. With
	// LoadOptions.ExactLogons it is the newest of that and every DC's own lastLogon.
	LastLogon time.Time
	// PasswordLastSet is pwdLastSet; zero when never set or when a change is forced.
	PasswordLastSet time.Time
	Created         time.Time
	AdminCount      bool
	// SPNs are the servicePrincipalName values (kept for user accounts only).
	SPNs []string
	// DNSHostName is a computer's dNSHostName (empty for users): it names the host part of
	// the SPNs that point at the computer, domain controllers' among them.
	DNSHostName string
	// AllowedToDelegateTo are the SPNs of msDS-AllowedToDelegateTo: the services the account
	// may get tickets to on behalf of users (constrained delegation, MS-SFU 3.2.5.2).
	AllowedToDelegateTo []string
	// AllowedToActOnBehalf is msDS-AllowedToActOnBehalfOfOtherIdentity, a security descriptor
	// whose allow entries name who may get tickets to this account's services as any user
	// (resource-based constrained delegation); nil when unset.
	AllowedToActOnBehalf *SecurityDescriptor
	// MemberOf holds the DNs of the groups the account is a direct member of, without its
	// primary group (AD leaves that out of memberOf).
	MemberOf []string
}

// Group is a group (security or distribution).
type Group struct {
	DN             string
	SAMAccountName string
	SID            string
	AdminCount     bool
	MemberOf       []string
}

// ForeignPrincipal is a foreignSecurityPrincipal object.
type ForeignPrincipal struct {
	DN       string
	SID      string
	MemberOf []string
}

// ObjectClass is the kind of a secured object, as far as the checks care.
type ObjectClass string

// The classes of secured objects.
const (
	ClassDomain    ObjectClass = "domain"
	ClassContainer ObjectClass = "container" // OUs and containers
	ClassGroup     ObjectClass = "group"
	ClassUser      ObjectClass = "user"
	ClassComputer  ObjectClass = "computer"
)

// SecuredObject is an object and its security descriptor.
type SecuredObject struct {
	DN    string
	Class ObjectClass
	SID   string
	SD    *SecurityDescriptor
}

// Principal is a name for a SID.
type Principal struct {
	DN   string
	Name string
}

// Enabled reports whether the account can log on (ACCOUNTDISABLE is clear).
func (a *Account) Enabled() bool { return a.UAC&UACAccountDisable == 0 }

// Has reports whether every bit of flag is set in userAccountControl.
func (a *Account) Has(flag uint32) bool { return a.UAC&flag == flag }

// DomainController reports whether the account is a (read-only) domain controller's.
func (a *Account) DomainController() bool {
	return a.UAC&(UACServerTrustAccount|UACPartialSecretsAccount) != 0 ||
		a.PrimaryGroupID == RIDDomainControllers || a.PrimaryGroupID == RIDReadOnlyDCs
}

// Krbtgt reports whether this is the domain's krbtgt account or an RODC's krbtgt_NNNNN.
func (a *Account) Krbtgt() bool {
	return RIDOf(a.SID) == RIDKrbtgt || len(a.SAMAccountName) > 7 && strings.EqualFold(a.SAMAccountName[:7], "krbtgt_")
}

// TrustAccount reports whether the account is an interdomain trust account (NAME$ for a
// trusted domain): it never logs on interactively and is managed by the trust.
func (a *Account) TrustAccount() bool { return a.UAC&UACInterdomainTrustAccount != 0 }

// LoadOptions say what an Active Directory inventory holds.
type LoadOptions struct {
	// ACLs reads the security descriptors the ACL checks need: one search for OUs and
	// containers, one per 100 privileged groups and accounts, and one per 100 trustee SIDs
	// that no loaded object names (usually none).
	ACLs bool
	// ExactLogons makes each account's LastLogon the newest lastLogon any DC holds (one
	// paged search per DC; lastLogon is not replicated) instead of lastLogonTimestamp, which
	// lags by up to 14 days: the stale checks with --exact. A DC that does not answer is named
	// in Warnings and MissingDCs.
	ExactLogons bool
}

// Relative IDs the account methods above rely on.
const (
	RIDKrbtgt            = 502
	RIDDomainControllers = 516
	RIDReadOnlyDCs       = 521
)

// SplitDomainSID splits a domain account's SID (S-1-5-21-a-b-c-RID) into the domain SID and
// the RID; ok is false for anything else (well-known and builtin SIDs).
func SplitDomainSID(sid string) (domain string, rid uint32, ok bool) {
	if !strings.HasPrefix(sid, "S-1-5-21-") {
		return "", 0, false
	}
	i := strings.LastIndexByte(sid, '-')
	r, err := strconv.ParseUint(sid[i+1:], 10, 32)
	if err != nil || strings.Count(sid[:i], "-") < 4 {
		return "", 0, false
	}
	return sid[:i], uint32(r), true
}

// RIDOf is the RID of a domain SID, or 0.
func RIDOf(sid string) uint32 {
	_, rid, _ := SplitDomainSID(sid)
	return rid
}

// WellKnownName names the SIDs that have no object in the domain partition (MS-DTYP 2.4.2.4).
func WellKnownName(sid string) (string, bool) {
	switch sid {
	case "S-1-1-0":
		return "Everyone", true
	case "S-1-3-0":
		return "CREATOR OWNER", true
	case "S-1-3-1":
		return "CREATOR GROUP", true
	case "S-1-5-7":
		return "ANONYMOUS LOGON", true
	case "S-1-5-9":
		return "ENTERPRISE DOMAIN CONTROLLERS", true
	case "S-1-5-10":
		return "SELF", true
	case "S-1-5-11":
		return "Authenticated Users", true
	case "S-1-5-18":
		return "SYSTEM", true
	case "S-1-5-19":
		return "LOCAL SERVICE", true
	case "S-1-5-20":
		return "NETWORK SERVICE", true
	}
	return "", false
}
