package ad_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/audit/check"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// These tests run the checks against the lab's Samba DC, seeded by
// scripts/lab/seed-audit.sh with one account per risky setting and a harmless twin of each.

// lookalikeGroup creates, for the duration of a test, a group whose cn is "Domain Admins"
// (OU=Groups; sAMAccountName "Domain Admins 2", as AD refuses a duplicate), holding the seeded
// audit-lookalike. It is not seeded for good: its name would make every lookup of "Domain
// Admins" by name ambiguous, for every other test using the lab.
func lookalikeGroup(t *testing.T, cfg ad.Config, base string) string {
	t.Helper()
	conn := labtest.DialLDAP(t, cfg)
	if err := conn.Bind(cfg.BindUser, cfg.Password.Reveal()); err != nil {
		t.Fatalf("bind: %v", err)
	}
	dn := "CN=Domain Admins,OU=Groups," + base
	remove := func() {
		if err := conn.Del(ldap.NewDelRequest(dn, nil)); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			t.Errorf("delete the look-alike group: %v", err)
		}
	}
	remove() // left behind by an interrupted run
	add := ldap.NewAddRequest(dn, nil)
	add.Attribute("objectClass", []string{"top", "group"})
	add.Attribute("sAMAccountName", []string{"Domain Admins 2"})
	add.Attribute("groupType", []string{"-2147483646"})
	add.Attribute("description", []string{"adkit audit test: look-alike of Domain Admins, not privileged"})
	add.Attribute("member", []string{"CN=audit-lookalike,OU=Audit," + base})
	if err := conn.Add(add); err != nil {
		t.Fatalf("create the look-alike group: %v (is the lab seeded? scripts/lab.sh up)", err)
	}
	t.Cleanup(func() { remove(); conn.Close() })
	return dn
}

func loadLab(t *testing.T, c *ad.Client) *check.Inventory {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inv, err := c.AuditInventory(ctx, check.LoadOptions{ACLs: true}, check.PrivilegedSIDs)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range inv.Warnings {
		t.Errorf("load warning: %s", w)
	}
	return inv
}

// findingsBy maps each account (sAMAccountName) to the IDs of the checks that reported it.
func findingsBy(r *check.Report) map[string][]string {
	out := map[string][]string{}
	for _, f := range r.Findings {
		for _, o := range f.Objects {
			if !slices.Contains(out[o.SAMAccountName], f.Check) {
				out[o.SAMAccountName] = append(out[o.SAMAccountName], f.Check)
			}
		}
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out
}

func object(t *testing.T, r *check.Report, title, sam string) check.Object {
	t.Helper()
	for _, f := range r.Findings {
		if f.Title == title {
			for _, o := range f.Objects {
				if o.SAMAccountName == sam {
					return o
				}
			}
		}
	}
	t.Fatalf("%s is not in %q", sam, title)
	return check.Object{}
}

func TestLabAudit(t *testing.T) {
	c, _ := labtest.Connect(t)
	base := c.Info().DefaultNamingContext
	lookalike := lookalikeGroup(t, labtest.Config(t), base)
	inv := loadLab(t, c)

	// A handful of searches for the whole domain: domain object, groups, accounts, OU and
	// container descriptors, privileged objects' descriptors (one batch here), and trustees
	// nobody could name (none in the lab).
	if inv.Searches > 6 {
		t.Errorf("the load made %d searches, want at most 6", inv.Searches)
	}
	// A stale-days value no lab reaches, so that staleness does not depend on the lab's age.
	r := check.Run(inv, check.Catalog(), check.Options{StaleDays: 100000})
	got := findingsBy(r)

	// Each seeded account is reported by exactly these checks (an empty list: by none).
	want := map[string][]string{
		"audit-kerb":             {"kerberoastable"},
		"audit-kerb-off":         {"disabled-kerberos-exposure"}, // disabled, SPN: Samba's KDC still issues tickets for it
		"audit-adm-kerb":         {"kerberoastable-privileged", "privileged-members"},
		"audit-asrep":            {"asrep-roastable"},
		"audit-reversible":       {"reversible-encryption"},
		"audit-nopwd":            {"password-not-required"},
		"audit-des":              {"des-only"},
		"audit-deleg":            {"unconstrained-delegation"},
		"AUDITSRV01$":            {"unconstrained-delegation"},
		"audit-adm-off":          {"privileged-disabled", "privileged-members"},
		"audit-adm-pri":          {"privileged-members"},
		"audit-dnsadm":           {"privileged-members"},
		"audit-orphan":           {"admincount-orphan"},
		"audit-lookalike":        nil, // member of the look-alike "Domain Admins" only
		"audit-delegate":         nil, // its groups are the trustees
		"Audit Resetters":        {"acl-privileged-accounts", "acl-privileged-groups", "delegated-password-reset"},
		"Audit SDHolder Writers": {"acl-adminsdholder"},
		"svc-backup":             {"password-never-expires"},
		"bulk0001":               nil,         // disabled, so PASSWD_NOTREQD does not matter
		"ADKITDC$":               {"rbcd-dc"}, // unconstrained delegation is a DC's job; RBCD on it is not
		// Delegation (MS-SFU): each case, and look-alikes that must not be reported.
		"audit-s4u-dc":     {"kerberoastable", "protocol-transition-dc"},
		"audit-s4u":        {"kerberoastable", "protocol-transition"}, // to a member server only
		"audit-kcd":        {"constrained-delegation", "kerberoastable"},
		"audit-s4u-flag":   nil, // the flag, but no service to delegate to
		"audit-asrep-off":  {"disabled-kerberos-exposure"},
		"audit-rbcd-actor": nil, // the trustee of RBCD, named in the computers' findings
		"AUDITSRV02$":      {"rbcd"},
		"AUDITSRV03$":      nil, // its RBCD grant is cancelled by a deny entry before it
		// Replication rights on the domain object.
		"Audit Replicators":        {"acl-domain-head"}, // DCSync; a deny of another right does not cancel it
		"Audit Secrets Readers":    {"acl-get-changes-all"},
		"Audit Denied Replicators": nil, // Get-Changes-All denied: Get-Changes alone is no finding
	}
	for sam, checks := range want {
		if !slices.Equal(got[sam], checks) {
			t.Errorf("%s: reported by %v, want %v", sam, got[sam], checks)
		}
	}
	for _, id := range []string{"kerberoastable", "kerberoastable-privileged"} {
		if slices.Contains(got["krbtgt"], id) {
			t.Errorf("krbtgt reported by %s", id)
		}
	}
	if !slices.Contains(got["Helpdesk"], "delegated-password-reset") {
		t.Errorf("the help-desk delegation on OU=Staff is not reported: %v", got["Helpdesk"])
	}

	// Membership paths, resolved by SID, primary group included, through the seeded cycle.
	da, dnsAdmins := "CN=Domain Admins,CN=Users,"+base, "CN=DnsAdmins,CN=Users,"+base
	tier0, ops := "CN=Audit Tier0,OU=Audit,"+base, "CN=Audit Ops,OU=Audit,"+base
	paths := []struct {
		group, sam string
		path       []string
		detail     string
	}{
		{"Members of Domain Admins", "adm-jdoe", []string{da, "CN=IT Admins,OU=Groups," + base}, "via IT Admins"},
		{"Members of Domain Admins", "audit-adm-kerb", []string{da}, "direct member"},
		{"Members of Domain Admins", "audit-adm-off", []string{da, tier0, ops}, "via Audit Tier0 → Audit Ops; disabled"},
		{"Members of Domain Admins", "audit-adm-pri", []string{da, tier0}, "via Audit Tier0 (primary group)"},
		{"Members of Administrators", "audit-adm-off", []string{"CN=Administrators,CN=Builtin," + base, da, tier0, ops}, "via Domain Admins → Audit Tier0 → Audit Ops; disabled"},
		{"Members of DnsAdmins", "audit-dnsadm", []string{dnsAdmins}, "direct member"},
	}
	for _, p := range paths {
		o := object(t, r, p.group, p.sam)
		if !slices.EqualFunc(o.Path, p.path, strings.EqualFold) || o.Detail != p.detail {
			t.Errorf("%s in %s: path %q, detail %q; want %q, %q", p.sam, p.group, o.Path, o.Detail, p.path, p.detail)
		}
	}
	for _, f := range r.Findings {
		for _, o := range f.Objects {
			if slices.ContainsFunc(o.Path, func(dn string) bool { return strings.EqualFold(dn, lookalike) }) {
				t.Errorf("%s: a path runs through the look-alike group: %q", f.Check, o.Path)
			}
		}
	}

	// The unexpected delegations; on the domain object, whose Samba defaults are all expected
	// trustees, only the seeded replication rights.
	wantDetails := map[string]string{
		"acl-domain-head":          "DCSync on " + base,
		"acl-get-changes-all":      "DS-Replication-Get-Changes-All (without Get-Changes) on " + base,
		"rbcd-dc":                  "audit-rbcd-actor may act on behalf of any user",
		"rbcd":                     "audit-rbcd-actor may act on behalf of any user",
		"protocol-transition-dc":   "protocol transition (userAccountControl 0x1000000); may delegate to cifs/adkitdc.lab.adkit.test (on domain controller ADKITDC$), ldap/adkitdc.lab.adkit.test (on domain controller ADKITDC$)",
		"acl-adminsdholder":        "WriteDACL on CN=AdminSDHolder,CN=System," + base,
		"acl-privileged-groups":    "WriteMember on Backup Operators",
		"acl-privileged-accounts":  "ResetPassword on adm-jdoe, audit-adm-kerb, audit-adm-off, audit-adm-pri, audit-dnsadm",
		"delegated-password-reset": "Reset Password on user accounts under OU=Admins," + base,
	}
	for _, f := range r.Findings {
		if f.Check == "acl-domain-head" && (len(f.Objects) != 1 || f.Objects[0].SAMAccountName != "Audit Replicators") {
			t.Errorf("acl-domain-head: want Audit Replicators only, got %+v", f.Objects)
		}
		if d, ok := wantDetails[f.Check]; ok {
			if !slices.ContainsFunc(f.Objects, func(o check.Object) bool { return strings.HasPrefix(o.Detail, d) }) {
				t.Errorf("%s: no object with detail %q in %+v", f.Check, d, f.Objects)
			}
			delete(wantDetails, f.Check)
		}
		if f.Check == "machine-account-quota" && (len(f.Objects) != 1 || !strings.EqualFold(f.Objects[0].DN, base) ||
			!strings.Contains(f.Objects[0].Detail, "is 10")) {
			t.Errorf("machine-account-quota: %+v", f.Objects)
		}
	}
	if len(wantDetails) > 0 {
		t.Errorf("no findings for %v", wantDetails)
	}
}

// TestLabStaleAccounts: lastLogonTimestamp cannot be backdated, so staleness is tested with
// --stale-days 0: every account that ever logged on is then stale, every one that never did
// is a never-logged-on account.
func TestLabStaleAccounts(t *testing.T) {
	// A bind sets helpdesk1's lastLogonTimestamp if it was never set.
	labtest.ConnectWith(t, labtest.HelpdeskConfig(t), mustTrail(t))
	c, _ := labtest.Connect(t)
	inv := loadLab(t, c)
	r := check.Run(inv, check.Catalog(), check.Options{StaleDays: 0, Now: time.Now().Add(time.Minute)})
	got := findingsBy(r)
	for sam, want := range map[string]string{
		"helpdesk1":     "stale-accounts",
		"audit-kerb":    "never-logged-on",
		"Administrator": "privileged-stale",
		"audit-dnsadm":  "privileged-stale", // privileged and never logged on
	} {
		if !slices.Contains(got[sam], want) {
			t.Errorf("%s: reported by %v, want %s", sam, got[sam], want)
		}
	}
	for _, sam := range []string{"audit-kerb-off", "audit-adm-off", "krbtgt"} {
		for _, id := range []string{"stale-accounts", "never-logged-on", "privileged-stale"} {
			if slices.Contains(got[sam], id) {
				t.Errorf("%s (disabled) reported by %s", sam, id)
			}
		}
	}
	if o := object(t, r, "Enabled accounts that never logged on, created more than --stale-days days ago", "audit-kerb"); !strings.HasPrefix(o.Detail, "never logged on, created ") {
		t.Errorf("audit-kerb: %q", o.Detail)
	}
}

func mustTrail(t *testing.T) *audit.Trail {
	t.Helper()
	trail, _ := labtest.Trail(t, false)
	return trail
}

// TestLabAuditAsHelpdesk: the audit needs no admin rights; a help-desk account reads the
// same descriptors and finds the same delegations.
func TestLabAuditAsHelpdesk(t *testing.T) {
	c := labtest.ConnectWith(t, labtest.HelpdeskConfig(t), mustTrail(t))
	inv := loadLab(t, c)
	r := check.Run(inv, check.Catalog(), check.Options{StaleDays: 100000})
	got := findingsBy(r)
	if !slices.Equal(got["Audit SDHolder Writers"], []string{"acl-adminsdholder"}) ||
		!slices.Contains(got["Audit Resetters"], "acl-privileged-accounts") || !slices.Contains(got["Helpdesk"], "delegated-password-reset") {
		t.Errorf("as helpdesk1: %v / %v / %v", got["Audit SDHolder Writers"], got["Audit Resetters"], got["Helpdesk"])
	}
	if !slices.Contains(got["audit-adm-off"], "privileged-disabled") {
		t.Errorf("as helpdesk1, audit-adm-off: %v", got["audit-adm-off"])
	}
}

func TestLabSnapshot(t *testing.T) {
	c, _ := labtest.Connect(t)
	base := c.Info().DefaultNamingContext
	inv := loadLab(t, c)
	snap := check.NewSnapshot(inv, time.Now())
	var da *check.SnapshotGroup
	for i := range snap.Groups {
		if snap.Groups[i].Name == "Domain Admins" {
			da = &snap.Groups[i]
		}
	}
	if da == nil || !strings.HasSuffix(da.SID, "-512") {
		t.Fatalf("no Domain Admins (…-512) in the snapshot: %+v", snap.Groups)
	}
	i := slices.IndexFunc(da.Members, func(m check.SnapshotMember) bool { return m.SAMAccountName == "audit-adm-pri" })
	if i < 0 || !da.Members[i].Primary || !slices.EqualFunc(da.Members[i].Path,
		[]string{"CN=Domain Admins,CN=Users," + base, "CN=Audit Tier0,OU=Audit," + base}, strings.EqualFold) {
		t.Errorf("audit-adm-pri in the snapshot: %+v", da.Members)
	}
	j := slices.IndexFunc(snap.Accounts, func(a check.SnapshotAccount) bool { return a.SAMAccountName == "audit-adm-kerb" })
	if j < 0 || !slices.Equal(snap.Accounts[j].Flags, []string{"has_spn"}) {
		t.Errorf("audit-adm-kerb's flags: %+v", snap.Accounts)
	}
	if d := check.Compare(snap, snap); len(d.Changes) != 0 {
		t.Errorf("a snapshot differs from itself: %+v", d.Changes)
	}
}
