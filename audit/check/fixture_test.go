package check

import (
	"slices"
	"strconv"
	"testing"
	"time"
)

// The fixture is a small domain built by hand, shaped like the lab: a nesting chain with a
// cycle into Domain Admins, a primary-group member, a look-alike "Domain Admins" group, and
// one account per risky setting next to a harmless twin.

const testDomainDN = "DC=corp,DC=example,DC=com"

// testDomain is the fixture domain's SID.
const testDomain = "S-1-5-21-1004336348-1177238915-682003330"

var testNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return testNow.Add(-time.Duration(n) * 24 * time.Hour) }

func rid(n int) string { return testDomain + "-" + strconv.Itoa(n) }

// Group DNs of the fixture.
const (
	dnDomainAdmins   = "CN=Domain Admins,CN=Users," + testDomainDN
	dnAdministrators = "CN=Administrators,CN=Builtin," + testDomainDN
	dnBackupOps      = "CN=Backup Operators,CN=Builtin," + testDomainDN
	dnITAdmins       = "CN=IT Admins,OU=Groups," + testDomainDN
	dnTier0          = "CN=Tier0,OU=Groups," + testDomainDN
	dnOps            = "CN=Ops,OU=Groups," + testDomainDN
	dnLookalike      = "CN=Domain Admins,OU=Groups," + testDomainDN
	dnDnsAdmins      = "CN=DnsAdmins,CN=Users," + testDomainDN
	dnDomainUsers    = "CN=Domain Users,CN=Users," + testDomainDN
	dnHelpers        = "CN=Helpers,OU=Groups," + testDomainDN
	dnStaff          = "OU=Staff," + testDomainDN
	dnAdminSDHolder  = "CN=AdminSDHolder,CN=System," + testDomainDN
)

func userDN(sam string) string { return "CN=" + sam + ",OU=Staff," + testDomainDN }

// fixture returns a fresh inventory; tests may change it.
func fixture() *Inventory {
	quota := 10
	inv := &Inventory{
		Directory:           "corp.example.com",
		DomainDN:            testDomainDN,
		DomainSID:           testDomain,
		MachineAccountQuota: &quota,
		Groups: []Group{
			// Named like Domain Admins, but an ordinary group; first, so that a lookup by name
			// would find it before the real one.
			{DN: dnLookalike, SAMAccountName: "Domain Admins 2", SID: rid(1104)},
			{DN: dnDomainAdmins, SAMAccountName: "Domain Admins", SID: rid(512), AdminCount: true, MemberOf: []string{dnAdministrators}},
			{DN: dnAdministrators, SAMAccountName: "Administrators", SID: sidAdministrators, AdminCount: true},
			{DN: dnBackupOps, SAMAccountName: "Backup Operators", SID: "S-1-5-32-551", AdminCount: true},
			{DN: dnITAdmins, SAMAccountName: "IT Admins", SID: rid(1101), MemberOf: []string{dnDomainAdmins}},
			// Tier0 and Ops contain each other: a cycle on the way into Domain Admins.
			{DN: dnTier0, SAMAccountName: "Tier0", SID: rid(1102), MemberOf: []string{dnDomainAdmins, dnOps}},
			{DN: dnOps, SAMAccountName: "Ops", SID: rid(1103), MemberOf: []string{dnTier0}},
			{DN: dnDnsAdmins, SAMAccountName: "DnsAdmins", SID: rid(1105)},
			{DN: dnDomainUsers, SAMAccountName: "Domain Users", SID: rid(513)},
			{DN: dnHelpers, SAMAccountName: "Helpers", SID: rid(1106)},
		},
		Foreign: []ForeignPrincipal{
			{DN: "CN=S-1-5-11,CN=ForeignSecurityPrincipals," + testDomainDN, SID: sidAuthenticatedUsers, MemberOf: []string{dnBackupOps}},
		},
	}
	type acct struct {
		sam       string
		rid       int
		uac       uint32
		memberOf  []string
		primary   int
		lastLogon time.Time
		pwdSet    time.Time
		created   time.Time
		spns      []string
		computer  bool
		adminCnt  bool
	}
	recent, old := daysAgo(2), daysAgo(30)
	accounts := []acct{
		{sam: "Administrator", rid: 500, uac: 512, memberOf: []string{dnDomainAdmins, dnAdministrators}, lastLogon: recent, pwdSet: old, adminCnt: true},
		{sam: "krbtgt", rid: 502, uac: 514, pwdSet: daysAgo(400), spns: []string{"kadmin/changepw"}, adminCnt: true},
		{sam: "adm", rid: 1201, uac: 512, memberOf: []string{dnITAdmins}, lastLogon: daysAgo(200), pwdSet: daysAgo(730)},
		{sam: "offadm", rid: 1202, uac: 514, memberOf: []string{dnOps}, lastLogon: recent, pwdSet: old},
		{sam: "priadm", rid: 1203, uac: 512, memberOf: []string{dnDomainUsers}, primary: 1102, lastLogon: recent, pwdSet: old},
		{sam: "fake", rid: 1204, uac: 512, memberOf: []string{dnLookalike}, lastLogon: recent, pwdSet: old},
		{sam: "svc", rid: 1205, uac: 512, spns: []string{"HTTP/web"}, lastLogon: recent, pwdSet: old},
		{sam: "svcoff", rid: 1206, uac: 514, spns: []string{"HTTP/old"}, lastLogon: recent, pwdSet: old},
		{sam: "admsvc", rid: 1207, uac: 512, memberOf: []string{dnDomainAdmins}, spns: []string{"MSSQLSvc/sql:1433"}, lastLogon: recent, pwdSet: old},
		{sam: "roast", rid: 1208, uac: 512 | uacDontRequirePreauth, lastLogon: recent, pwdSet: old},
		{sam: "roastoff", rid: 1215, uac: 514 | uacDontRequirePreauth, lastLogon: recent, pwdSet: old},
		{sam: "never", rid: 1209, uac: 512, created: daysAgo(200), pwdSet: daysAgo(200)},
		{sam: "newbie", rid: 1210, uac: 512, created: daysAgo(5), pwdSet: daysAgo(5)},
		{sam: "stale", rid: 1211, uac: 512, lastLogon: daysAgo(120), pwdSet: old},
		{sam: "orphan", rid: 1212, uac: 512, lastLogon: recent, pwdSet: old, adminCnt: true},
		{sam: "dnsadm", rid: 1213, uac: 512, memberOf: []string{dnDnsAdmins}, lastLogon: recent, pwdSet: old},
		{sam: "helper", rid: 1214, uac: 512, memberOf: []string{dnHelpers}, lastLogon: recent, pwdSet: old},
		{sam: "nopwd", rid: 1216, uac: 512 | uacPasswordNotRequired, lastLogon: recent, pwdSet: old},
		{sam: "bulk", rid: 1217, uac: 514 | uacPasswordNotRequired, lastLogon: recent, pwdSet: old},
		{sam: "forever", rid: 1218, uac: 512 | uacDontExpirePassword, lastLogon: recent, pwdSet: old},
		{sam: "clear", rid: 1219, uac: 512 | uacEncryptedTextPwdAllowed, lastLogon: recent, pwdSet: old},
		{sam: "des", rid: 1220, uac: 512 | uacUseDESKeyOnly, lastLogon: recent, pwdSet: old},
		{sam: "deleg", rid: 1221, uac: 512 | uacTrustedForDelegation, lastLogon: recent, pwdSet: old},
		// An interdomain trust account, as AD creates it: PASSWD_NOTREQD set.
		{sam: "PARTNER$", rid: 1223, uac: uacInterdomainTrustAccount | uacPasswordNotRequired, lastLogon: daysAgo(300), pwdSet: recent},
		{sam: "DC1$", rid: 1000, uac: uacServerTrustAccount | uacTrustedForDelegation, primary: 516, computer: true, lastLogon: recent, pwdSet: recent},
		{sam: "SRV$", rid: 1222, uac: 0x1000 | uacTrustedForDelegation | uacDontExpirePassword, primary: 515, computer: true, lastLogon: recent, pwdSet: recent},
	}
	for _, a := range accounts {
		primary := a.primary
		if primary == 0 {
			primary = 513
		}
		created := a.created
		if created.IsZero() {
			created = daysAgo(1000)
		}
		inv.Accounts = append(inv.Accounts, Account{
			DN: userDN(a.sam), SAMAccountName: a.sam, SID: rid(a.rid), Computer: a.computer, UAC: a.uac,
			PrimaryGroupID: uint32(primary), LastLogon: a.lastLogon, PasswordLastSet: a.pwdSet, Created: created,
			AdminCount: a.adminCnt, SPNs: a.spns, MemberOf: a.memberOf,
		})
	}
	return inv
}

// runAll runs every check over inv with the fixture's clock.
func runAll(t *testing.T, inv *Inventory, opts Options) *Report {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	if opts.StaleDays == 0 {
		opts.StaleDays = DefaultStaleDays
	}
	return Run(inv, Catalog(), opts)
}

// accountsOf lists the sAMAccountNames a check reported, sorted.
func accountsOf(r *Report, checkID string) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Check != checkID {
			continue
		}
		for _, o := range f.Objects {
			out = append(out, o.SAMAccountName)
		}
	}
	slices.Sort(out)
	return out
}

// objectIn finds the object for an account in the finding with the given title.
func objectIn(t *testing.T, r *Report, title, sam string) Object {
	t.Helper()
	for _, f := range r.Findings {
		if f.Title != title {
			continue
		}
		for _, o := range f.Objects {
			if o.SAMAccountName == sam {
				return o
			}
		}
		t.Fatalf("%q has no object %s", title, sam)
	}
	t.Fatalf("no finding titled %q", title)
	return Object{}
}
