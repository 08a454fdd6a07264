package check

import (
	"slices"
	"strings"
	"testing"
)

func TestPrivilegedMembersWithPaths(t *testing.T) {
	r := runAll(t, fixture(), Options{})
	tests := []struct {
		group, sam string
		path       []string
		detail     string
	}{
		{"Members of Domain Admins", "Administrator", []string{dnDomainAdmins}, "direct member"},
		{"Members of Domain Admins", "adm", []string{dnDomainAdmins, dnITAdmins}, "via IT Admins"},
		{"Members of Domain Admins", "offadm", []string{dnDomainAdmins, dnTier0, dnOps}, "via Tier0 → Ops; disabled"},
		{"Members of Domain Admins", "priadm", []string{dnDomainAdmins, dnTier0}, "via Tier0 (primary group)"},
		{"Members of Administrators", "adm", []string{dnAdministrators, dnDomainAdmins, dnITAdmins}, "via Domain Admins → IT Admins"},
		{"Members of Administrators", "Administrator", []string{dnAdministrators}, "direct member"},
		{"Members of DnsAdmins", "dnsadm", []string{dnDnsAdmins}, "direct member"},
		{"Members of Backup Operators", "Authenticated Users", []string{dnBackupOps}, "direct member"},
	}
	for _, tt := range tests {
		o := objectIn(t, r, tt.group, tt.sam)
		if !slices.Equal(o.Path, tt.path) || o.Detail != tt.detail {
			t.Errorf("%s in %s: path %q detail %q, want %q %q", tt.sam, tt.group, o.Path, o.Detail, tt.path, tt.detail)
		}
	}
	if got := accountsOf(r, "privileged-members"); slices.Contains(got, "helper") || slices.Contains(got, "svc") {
		t.Errorf("unprivileged accounts listed as privileged: %v", got)
	}
}

// The look-alike group is called "Domain Admins" too: its member must not be reported, and
// no path may run through it.
func TestLookalikeGroupIsNotPrivileged(t *testing.T) {
	r := runAll(t, fixture(), Options{})
	for _, f := range r.Findings {
		for _, o := range f.Objects {
			if o.SAMAccountName == "fake" {
				t.Errorf("%s reports the look-alike group's member: %+v", f.Check, o)
			}
			for _, dn := range o.Path {
				if strings.EqualFold(dn, dnLookalike) {
					t.Errorf("%s: a path runs through the look-alike group: %q", f.Check, o.Path)
				}
			}
		}
	}
	count := 0
	for _, f := range r.Findings {
		if f.Title == "Members of Domain Admins" {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d findings titled 'Members of Domain Admins', want 1", count)
	}
}

func TestExpandTerminatesOnCycles(t *testing.T) {
	inv := fixture()
	// A group that contains itself, and a two-group cycle with no way out.
	inv.Groups = append(inv.Groups,
		Group{DN: "CN=Self,OU=Groups," + testDomainDN, SID: rid(1300), MemberOf: []string{"CN=Self,OU=Groups," + testDomainDN, dnDomainAdmins}})
	g := newGraph(inv)
	for gi := range inv.Groups {
		g.expand(int32(gi)) // must return
	}
	holdings := g.expand(g.bySID[rid(512)])
	seen := map[ref]int{}
	for _, h := range holdings {
		seen[h.member]++
	}
	for m, n := range seen {
		if n != 1 {
			t.Errorf("%+v listed %d times", m, n)
		}
	}
}

func TestAccountChecks(t *testing.T) {
	r := runAll(t, fixture(), Options{})
	tests := map[string][]string{
		"privileged-disabled":       {"offadm"},
		"privileged-stale":          {"adm"},
		"privileged-password-old":   {"adm"},
		"admincount-orphan":         {"orphan"},
		"stale-accounts":            {"stale"},
		"never-logged-on":           {"never"},
		"password-not-required":     {"nopwd"},
		"password-never-expires":    {"forever"},
		"reversible-encryption":     {"clear"},
		"kerberoastable-privileged": {"admsvc"},
		"kerberoastable":            {"svc"},
		"asrep-roastable":           {"roast"},
		"unconstrained-delegation":  {"SRV$", "deleg"},
		"des-only":                  {"des"},
		"krbtgt-password-age":       {"krbtgt"},
		"machine-account-quota":     {""},
	}
	for id, want := range tests {
		if got := accountsOf(r, id); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", id, got, want)
		}
	}
	if got := accountsOf(r, "privileged-drift"); got != nil {
		t.Errorf("privileged-drift ran without a baseline: %v", got)
	}
}

func TestStaleDaysMoveTheCutoff(t *testing.T) {
	r := runAll(t, fixture(), Options{StaleDays: 3})
	if got := accountsOf(r, "never-logged-on"); !slices.Equal(got, []string{"never", "newbie"}) {
		t.Errorf("never-logged-on with 3 days: %v", got)
	}
	r = runAll(t, fixture(), Options{StaleDays: 5000})
	for _, id := range []string{"stale-accounts", "never-logged-on", "privileged-stale"} {
		if got := accountsOf(r, id); got != nil {
			t.Errorf("%s with 5000 days: %v", id, got)
		}
	}
}

func TestFindingTextNamesThePrivilege(t *testing.T) {
	r := runAll(t, fixture(), Options{})
	o := objectIn(t, r, "Disabled accounts still in privileged groups", "offadm")
	if o.Detail != "disabled; member of Domain Admins via Tier0 → Ops; also Administrators" {
		t.Errorf("detail = %q", o.Detail)
	}
	if !slices.Equal(o.Path, []string{dnDomainAdmins, dnTier0, dnOps}) {
		t.Errorf("path = %q", o.Path)
	}
	o = objectIn(t, r, "Privileged user accounts with a servicePrincipalName (Kerberoastable)", "admsvc")
	if !strings.Contains(o.Detail, "MSSQLSvc/sql:1433") || !strings.Contains(o.Detail, "Domain Admins (direct member)") {
		t.Errorf("detail = %q", o.Detail)
	}
}

func TestLocalisedPrivilegedGroupIsFoundBySID(t *testing.T) {
	inv := fixture()
	inv.Groups[slices.IndexFunc(inv.Groups, func(g Group) bool { return g.SID == rid(512) })].SAMAccountName = "Domänen-Admins"
	r := runAll(t, inv, Options{})
	o := objectIn(t, r, "Members of Domänen-Admins (Domain Admins)", "adm")
	if !slices.Equal(o.Path, []string{dnDomainAdmins, dnITAdmins}) {
		t.Errorf("path = %q", o.Path)
	}
}

func TestReportOrderAndSummary(t *testing.T) {
	r := runAll(t, fixture(), Options{})
	for i := 1; i < len(r.Findings); i++ {
		if r.Findings[i-1].Severity < r.Findings[i].Severity {
			t.Fatalf("finding %d (%s) is more severe than %d (%s)", i, r.Findings[i].Check, i-1, r.Findings[i-1].Check)
		}
	}
	var want Summary
	for _, f := range r.Findings {
		want.add(f.Severity)
		if f.Why == "" || f.Fix == "" || f.Title == "" {
			t.Errorf("%s has no why, fix or title", f.Check)
		}
	}
	if r.Summary != want || r.Summary.Total() != len(r.Findings) {
		t.Errorf("summary %+v, want %+v", r.Summary, want)
	}
	if !r.GeneratedAt.Equal(testNow) || r.Directory != "corp.example.com" {
		t.Errorf("generated_at %v directory %q", r.GeneratedAt, r.Directory)
	}
}

func TestSelect(t *testing.T) {
	checks, err := Select([]string{"kerberoastable", "acl-adminsdholder"})
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 2 || checks[0].ID != "kerberoastable" || checks[1].ID != "acl-adminsdholder" {
		t.Errorf("Select = %v", checks)
	}
	if !NeedACLs(checks) || NeedACLs(checks[:1]) {
		t.Error("NeedACLs is wrong")
	}
	if _, err := Select([]string{"kerberoast"}); err == nil || !strings.Contains(err.Error(), "kerberoastable-privileged") {
		t.Errorf("unknown ID: %v, want an error listing the checks", err)
	}
	r := Run(fixture(), checks, Options{Now: testNow})
	for _, f := range r.Findings {
		if f.Check != "kerberoastable" && f.Check != "acl-adminsdholder" {
			t.Errorf("unselected check %s ran", f.Check)
		}
	}
}

func TestCatalogIDsAreStableKebabCase(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Catalog() {
		if seen[c.ID] {
			t.Errorf("duplicate ID %s", c.ID)
		}
		seen[c.ID] = true
		for _, r := range c.ID {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Errorf("ID %q is not kebab-case", c.ID)
			}
		}
		if c.Severity < SeverityLow || c.Severity > SeverityCritical || c.Title == "" || c.Why == "" || c.Fix == "" || c.find == nil {
			t.Errorf("check %s is incomplete", c.ID)
		}
	}
	if !strings.Contains(Catalog()[2].Why, "14 days") {
		t.Error("privileged-stale must state lastLogonTimestamp's replication lag")
	}
}
