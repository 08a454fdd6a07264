package check

import (
	"slices"
	"strings"
	"testing"
)

// delegationFixture adds to the fixture a domain controller with a host name, and one account
// per delegation case next to a look-alike that must not be reported.
func delegationFixture() *Inventory {
	inv := fixture()
	for i := range inv.Accounts {
		if inv.Accounts[i].SAMAccountName == "DC1$" {
			inv.Accounts[i].DNSHostName = "dc1.corp.example.com"
		}
	}
	add := func(sam string, r int, uac uint32, computer bool, mod func(*Account)) {
		a := Account{DN: userDN(sam), SAMAccountName: sam, SID: rid(r), UAC: uac, Computer: computer, PrimaryGroupID: 513,
			LastLogon: daysAgo(2), PasswordLastSet: daysAgo(30), Created: daysAgo(1000)}
		if computer {
			a.PrimaryGroupID = 515
		}
		mod(&a)
		inv.Accounts = append(inv.Accounts, a)
	}
	const t2a4d = uacTrustedToAuthForDeleg
	// Protocol transition to the DC's CIFS service (by FQDN) and LDAP (by short name).
	add("s4u-dc", 1300, 512|t2a4d, false, func(a *Account) {
		a.AllowedToDelegateTo = []string{"HTTP/web.corp.example.com", "cifs/DC1.corp.example.com", "ldap/dc1"}
	})
	// Protocol transition to a member server whose name starts like the DC's.
	add("s4u", 1301, 512|t2a4d, false, func(a *Account) {
		a.AllowedToDelegateTo = []string{"cifs/dc1-files.corp.example.com:445", "HTTP/web.corp.example.com"}
	})
	// Kerberos-only constrained delegation.
	add("kcd", 1302, 512, false, func(a *Account) { a.AllowedToDelegateTo = []string{"cifs/files.corp.example.com"} })
	// The protocol transition flag without any service to delegate to: nothing to report.
	add("s4u-flag", 1303, 512|t2a4d, false, func(*Account) {})
	// Disabled, with protocol transition to the DC: cannot get a ticket of its own.
	add("s4u-off", 1304, 514|t2a4d, false, func(a *Account) { a.AllowedToDelegateTo = []string{"cifs/dc1.corp.example.com"} })
	// RBCD on the DC, on a server, allowing nobody (empty DACL), and with the only grant denied.
	rbcd := func(aces ...ACE) *SecurityDescriptor {
		return &SecurityDescriptor{Owner: sidAdministrators, DACL: append([]ACE{}, aces...)}
	}
	for i := range inv.Accounts {
		if inv.Accounts[i].SAMAccountName == "DC1$" {
			inv.Accounts[i].AllowedToActOnBehalf = rbcd(allow(rid(1301), 0xF01FF))
		}
	}
	add("SRV2$", 1310, 0x1000, true, func(a *Account) {
		a.AllowedToActOnBehalf = rbcd(allow(rid(1302), 0xF01FF), allow(rid(1106), 0xF01FF))
	})
	add("SRV3$", 1311, 0x1000, true, func(a *Account) { a.AllowedToActOnBehalf = rbcd() })
	add("SRV4$", 1312, 0x1000, true, func(a *Account) {
		a.AllowedToActOnBehalf = rbcd(ACE{Type: aceTypeAccessDenied, Mask: 0xF01FF, SID: rid(1302)}, allow(rid(1302), 0xF01FF))
	})
	return inv
}

func TestDelegationChecks(t *testing.T) {
	r := runAll(t, delegationFixture(), Options{})
	for id, want := range map[string][]string{
		"protocol-transition-dc": {"s4u-dc"},
		"protocol-transition":    {"s4u"},
		"constrained-delegation": {"kcd"},
		"rbcd-dc":                {"DC1$"},
		"rbcd":                   {"SRV2$"},
	} {
		if got := accountsOf(r, id); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", id, got, want)
		}
	}
	o := objectIn(t, r, "Accounts with protocol transition to a service on a domain controller", "s4u-dc")
	if want := "protocol transition (userAccountControl 0x1000000); may delegate to HTTP/web.corp.example.com, " +
		"cifs/DC1.corp.example.com (on domain controller DC1$), ldap/dc1 (on domain controller DC1$)"; o.Detail != want {
		t.Errorf("s4u-dc detail:\n got  %q\n want %q", o.Detail, want)
	}
	o = objectIn(t, r, "Accounts with protocol transition (constrained delegation to any user)", "s4u")
	if strings.Contains(o.Detail, "domain controller") {
		t.Errorf("s4u detail names a domain controller: %q", o.Detail)
	}
	o = objectIn(t, r, "Accounts that let other accounts act on behalf of any user to them (resource-based constrained delegation)", "SRV2$")
	if !strings.HasPrefix(o.Detail, "kcd, Helpers may act on behalf of any user") {
		t.Errorf("SRV2$ detail = %q, want the allowed accounts named", o.Detail)
	}
	o = objectIn(t, r, "Domain controllers that let other accounts act on behalf of any user to them (resource-based constrained delegation)", "DC1$")
	if !strings.HasPrefix(o.Detail, "s4u may act") {
		t.Errorf("DC1$ detail = %q", o.Detail)
	}
}

func TestSPNHost(t *testing.T) {
	for spn, want := range map[string]string{
		"cifs/DC1.corp.example.com":              "dc1.corp.example.com",
		"ldap/dc1.corp.example.com/corp.example": "dc1.corp.example.com",
		"MSSQLSvc/sql.corp.example.com:1433":     "sql.corp.example.com",
		"host/DC1":                               "dc1",
		"garbage":                                "",
	} {
		if got := spnHost(spn); got != want {
			t.Errorf("spnHost(%q) = %q, want %q", spn, got, want)
		}
	}
}

func TestDisabledKerberosExposure(t *testing.T) {
	r := runAll(t, fixture(), Options{})
	// svcoff: disabled with an SPN; roastoff: disabled without pre-authentication. Not krbtgt
	// (disabled, with kadmin/changepw), not the enabled svc and roast (other checks), not
	// offadm (disabled, neither).
	if got, want := accountsOf(r, "disabled-kerberos-exposure"), []string{"roastoff", "svcoff"}; !slices.Equal(got, want) {
		t.Errorf("disabled-kerberos-exposure: %v, want %v", got, want)
	}
	if got := accountsOf(r, "kerberoastable"); slices.Contains(got, "svcoff") {
		t.Errorf("kerberoastable lists the disabled svcoff: %v", got)
	}
	f := r.Findings[slices.IndexFunc(r.Findings, func(f Finding) bool { return f.Check == "disabled-kerberos-exposure" })]
	if f.Severity != SeverityLow || !strings.Contains(f.Why, "MS-KILE") {
		t.Errorf("severity %v, why %q: want low, with the MS-KILE explanation", f.Severity, f.Why)
	}
}
