package check

import (
	"strings"
	"time"
)

// Inventory is what the checks read: the domain's accounts, groups and the security
// descriptors of the objects that matter. Load fills it from Active Directory; tests build
// it by hand. It holds no connection and every check is a pure function of it.
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
	// value is 9-14 days old. Zero when the account never logged on.
	LastLogon time.Time
	// PasswordLastSet is pwdLastSet; zero when never set or when a change is forced.
	PasswordLastSet time.Time
	Created         time.Time
	AdminCount      bool
	// SPNs are the servicePrincipalName values (kept for user accounts only).
	SPNs []string
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
func (a *Account) Enabled() bool { return a.UAC&uacAccountDisable == 0 }

// Has reports whether every bit of flag is set in userAccountControl.
func (a *Account) Has(flag uint32) bool { return a.UAC&flag == flag }

// DomainController reports whether the account is a (read-only) domain controller's.
func (a *Account) DomainController() bool {
	return a.UAC&(uacServerTrustAccount|uacPartialSecretsAccount) != 0 ||
		a.PrimaryGroupID == ridDomainControllers || a.PrimaryGroupID == ridReadOnlyDCs
}

// Krbtgt reports whether this is the domain's krbtgt account or an RODC's krbtgt_NNNNN.
func (a *Account) Krbtgt() bool {
	return ridOf(a.SID) == ridKrbtgt || len(a.SAMAccountName) > 7 && strings.EqualFold(a.SAMAccountName[:7], "krbtgt_")
}

// TrustAccount reports whether the account is an interdomain trust account (NAME$ for a
// trusted domain): it never logs on interactively and is managed by the trust.
func (a *Account) TrustAccount() bool { return a.UAC&uacInterdomainTrustAccount != 0 }
