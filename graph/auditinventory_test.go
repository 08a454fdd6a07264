package graph_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit/check"
	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
)

// auditEnv serves graphtest.AuditTenant, two objects per page.
func auditEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, envOptions{tenant: graphtest.AuditTenant(time.Now())})
}

// objectsOf maps each finding's objects by check: check id -> name -> detail.
func objectsOf(r *check.Report) map[string]map[string]check.Object {
	out := map[string]map[string]check.Object{}
	for _, f := range r.Findings {
		if out[f.Check] == nil {
			out[f.Check] = map[string]check.Object{}
		}
		for _, o := range f.Objects {
			out[f.Check][o.SAMAccountName] = o
		}
	}
	return out
}

func runAll(t *testing.T, e *env) (*check.EntraInventory, *check.Report, []check.Skipped) {
	t.Helper()
	checks := check.EntraCatalog()
	inv, err := e.client.AuditInventory(e.ctx(), check.EntraLoadOptionsFor(checks))
	if err != nil {
		t.Fatal(err)
	}
	r, skipped := check.RunEntra(inv, checks, check.Options{Now: time.Now()})
	return inv, r, skipped
}

// Every check finds its fixture in the seeded tenant, through the real SDK, and leaves the
// look-alike next to it alone.
func TestAuditInventoryChecks(t *testing.T) {
	e := auditEnv(t)
	_, r, skipped := runAll(t, e)
	if len(skipped) != 0 {
		t.Fatalf("skipped: %v", skipped)
	}
	got := objectsOf(r)
	const (
		guest      = "contractor_ext.example#EXT#@adkitlab.onmicrosoft.com"
		oldGuest   = "partner_ext.example#EXT#@adkitlab.onmicrosoft.com"
		nested     = "pra.nested@corp.example.com"
		globalUser = "admin@adkitlab.onmicrosoft.com"
	)
	type want struct {
		check, name, detail string // detail: a substring, "" for none expected
		path                string // "" for any
		assignment          string // "" for any
	}
	found := []want{
		{"entra-tier0-members", globalUser, "Global Administrator (direct)", "Global Administrator", "active"},
		// Eligible (PIM), not active: still tier 0, marked eligible; also through a group.
		{"entra-tier0-members", "pim.admin@corp.example.com", "Global Administrator (eligible, direct)", "Global Administrator", "eligible"},
		{"entra-tier0-members", "pim.member@corp.example.com", "Security Administrator (eligible, via PIM Admins)", "Security Administrator > PIM Admins", "eligible"},
		{"entra-privileged-no-mfa", "pim.member@corp.example.com", "no MFA method registered; holds Security Administrator (eligible, via PIM Admins)", "", "eligible"},
		{"entra-tier0-members", nested, "Privileged Role Administrator (via Tier0 Admins)", "Privileged Role Administrator > Tier0 Admins", "active"},
		{"entra-tier0-members", "gone.admin@corp.example.com", "disabled", "", ""},
		{"entra-tier0-members", "Automation App", "service principal", "", ""},
		{"entra-tier0-members", "sec.admin@corp.example.com", "Security Administrator (direct)", "", "active"},
		{"entra-tier0-service-principals", "Automation App", "Privileged Role Administrator (direct); app id ", "", "active"},
		{"entra-privileged-guests", guest, "guest; invitation Accepted", "Security Reader", "active"},
		{"entra-privileged-no-mfa", "sec.admin@corp.example.com", "no MFA method registered; holds Security Administrator", "", "active"},
		{"entra-privileged-stale", "old.admin@corp.example.com", "days ago); holds User Administrator (direct)", "", ""},
		{"entra-privileged-disabled", "gone.admin@corp.example.com", "disabled; holds Global Administrator (direct)", "", ""},
		{"entra-no-mfa", "sean.o'brien@corp.example.com", "no MFA method registered", "", ""},
		{"entra-stale-accounts", "old.timer@corp.example.com", "last sign-in", "", ""},
		{"entra-stale-accounts", oldGuest, "; guest", "", ""},
		{"entra-never-signed-in", "never.used@corp.example.com", "never signed in, created", "", ""},
		{"entra-guests", oldGuest, "invitation Accepted", "", ""},
		{"entra-guests", guest, "holds Security Reader (direct)", "", ""},
	}
	for _, w := range found {
		o, ok := got[w.check][w.name]
		if !ok {
			t.Errorf("%s: %s not found; found %v", w.check, w.name, slices.Collect(func(yield func(string) bool) {
				for k := range got[w.check] {
					if !yield(k) {
						return
					}
				}
			}))
			continue
		}
		if !strings.Contains(o.Detail, w.detail) {
			t.Errorf("%s: %s: detail %q, want %q in it", w.check, w.name, o.Detail, w.detail)
		}
		if w.path != "" && strings.Join(o.Path, " > ") != w.path {
			t.Errorf("%s: %s: path %q, want %q", w.check, w.name, o.Path, w.path)
		}
		if w.assignment != "" && o.Assignment != w.assignment {
			t.Errorf("%s: %s: assignment %q, want %q", w.check, w.name, o.Assignment, w.assignment)
		}
		if o.DN == "" {
			t.Errorf("%s: %s: no object id", w.check, w.name)
		}
	}
	notFound := []struct{ check, name, why string }{
		{"entra-tier0-members", "asmith@corp.example.com", "Helpdesk Administrator is not tier 0"},
		{"entra-tier0-members", "old.admin@corp.example.com", "User Administrator is not tier 0"},
		{"entra-tier0-members", "user05@corp.example.com", "a group named Global Administrator holds nothing"},
		{"entra-tier0-members", "Reporting App", "Directory Readers is not tier 0"},
		{"entra-tier0-members", "Tier0 Admins", "groups are paths, not holders"},
		{"entra-tier0-members", "PIM Admins", "groups are paths, not holders"},
		{"entra-no-mfa", "pim.member@corp.example.com", "eligible, so privileged: entra-privileged-no-mfa"},
		{"entra-privileged-stale", "pim.admin@corp.example.com", "signed in yesterday"},
		{"entra-tier0-service-principals", "Reporting App", "Directory Readers is not tier 0"},
		{"entra-privileged-guests", oldGuest, "a guest without a role"},
		{"entra-privileged-no-mfa", globalUser, "registered"},
		{"entra-privileged-no-mfa", nested, "registered"},
		{"entra-privileged-stale", globalUser, "signed in yesterday"},
		{"entra-privileged-stale", "gone.admin@corp.example.com", "disabled: entra-privileged-disabled"},
		{"entra-privileged-disabled", "bwayne@corp.example.com", "disabled, but no role"},
		{"entra-no-mfa", "jdoe@corp.example.com", "registered"},
		{"entra-no-mfa", "sec.admin@corp.example.com", "privileged: entra-privileged-no-mfa"},
		{"entra-no-mfa", "bwayne@corp.example.com", "disabled"},
		{"entra-no-mfa", oldGuest, "a guest registers at home"},
		{"entra-stale-accounts", "jdoe@corp.example.com", "signed in 2 days ago"},
		{"entra-stale-accounts", "old.admin@corp.example.com", "privileged: entra-privileged-stale"},
		{"entra-never-signed-in", "new.hire@corp.example.com", "created 3 days ago"},
		{"entra-guests", "jdoe@corp.example.com", "a member"},
	}
	for _, n := range notFound {
		if _, ok := got[n.check][n.name]; ok {
			t.Errorf("%s: %s reported (%s)", n.check, n.name, n.why)
		}
	}
	if r.Directory != "entra" || r.Summary.High == 0 || len(r.Warnings) != 0 {
		t.Errorf("directory %q summary %+v warnings %q", r.Directory, r.Summary, r.Warnings)
	}
}

// The read makes one paged query per collection and one $batch for the role groups, never a
// request per user; the counts are reported by the inventory and match the server's log.
func TestAuditInventoryRequests(t *testing.T) {
	e := auditEnv(t) // 2 objects per page
	e.srv.ResetLog()
	before := e.client.Requests()
	inv, _, _ := runAll(t, e)
	if inv.Requests != e.client.Requests()-before {
		t.Errorf("inventory says %d requests, client %d", inv.Requests, e.client.Requests()-before)
	}
	pages := func(n int) int { return (n + 1) / 2 }
	active, eligible := 0, 0
	for _, a := range inv.Assignments {
		if a.Eligible {
			eligible++
		} else {
			active++
		}
	}
	if !inv.Eligible || eligible != 2 {
		t.Fatalf("eligible assignments: read %v, %d", inv.Eligible, eligible)
	}
	want := map[string]int{
		"/roleManagement/directory/roleDefinitions":          pages(len(inv.Roles)),
		"/roleManagement/directory/roleAssignments":          pages(active),
		"/roleManagement/directory/roleEligibilitySchedules": pages(eligible),
		"/users": pages(len(inv.Users)),
		"/reports/authenticationMethods/userRegistrationDetails": pages(countNoMFA(inv)),
		"/$batch": 1,
	}
	total := 0
	for path, n := range want {
		if got := e.srv.WireCount("GET", path) + e.srv.WireCount("POST", path); got != n {
			t.Errorf("%s: %d requests, want %d", path, got, n)
		}
		total += n
	}
	if inv.Requests != total {
		t.Errorf("%d requests in all, want %d", inv.Requests, total)
	}
	if n := e.srv.WireCount("GET", "/users/*") + e.srv.WireCount("GET", "/users/*/*"); n != 0 {
		t.Errorf("%d requests for single users", n)
	}
	for _, r := range e.srv.Requests() {
		if r.Path == "/users" && !strings.Contains(r.Query, "skiptoken") {
			for _, p := range []string{"signInActivity", "userType", "externalUserState", "accountEnabled", "createdDateTime"} {
				if !strings.Contains(r.Query, p) {
					t.Errorf("users read without %s in $select: %s", p, r.Query)
				}
			}
		}
		if strings.HasSuffix(r.Path, "userRegistrationDetails") && !strings.Contains(r.Query, "isMfaRegistered") {
			t.Errorf("registration report read unfiltered: %s", r.Query)
		}
		if strings.HasSuffix(r.Path, "roleEligibilitySchedules") && !strings.Contains(r.Query, "expand=principal") {
			t.Errorf("eligibility schedules read without their principals: %s", r.Query)
		}
	}
	t.Logf("requests: %d in all (roleDefinitions %d, roleAssignments %d, roleEligibilitySchedules %d, $batch 1, users %d, registration %d) for %d users, %d active and %d eligible assignments",
		inv.Requests, want["/roleManagement/directory/roleDefinitions"], want["/roleManagement/directory/roleAssignments"],
		want["/roleManagement/directory/roleEligibilitySchedules"], want["/users"], want["/reports/authenticationMethods/userRegistrationDetails"],
		len(inv.Users), active, eligible)
	if inv.Requests != 31 {
		t.Errorf("%d requests at 2 objects a page, want 31 (docs/benchmarks.md)", inv.Requests)
	}

	// At Graph's own page sizes the same audit is six requests.
	big := newEnv(t, envOptions{pageSize: 100, tenant: graphtest.AuditTenant(time.Now())})
	inv, _, _ = runAll(t, big)
	if inv.Requests != 6 {
		t.Errorf("%d requests at page size 100, want 6", inv.Requests)
	}
}

func countNoMFA(inv *check.EntraInventory) int {
	n := 0
	for _, u := range inv.Users {
		if u.NoMFA {
			n++
		}
	}
	return n
}

// Without AuditLog.Read.All the checks that need sign-ins and the registration report are
// skipped, saying which permission is missing; the others still run.
func TestAuditInventoryWithoutAuditLog(t *testing.T) {
	e := auditEnv(t)
	e.srv.SetPermissions("Directory.Read.All")
	inv, r, skipped := runAll(t, e)
	if inv.SignIns || inv.MFA {
		t.Fatalf("read sign-ins %v, MFA %v without the permission", inv.SignIns, inv.MFA)
	}
	for _, gap := range []string{inv.SignInsGap, inv.MFAGap} {
		if !strings.Contains(gap, "not permitted: the app registration lacks the Graph permission AuditLog.Read.All") {
			t.Errorf("gap: %q", gap)
		}
	}
	var ids []string
	for _, s := range skipped {
		ids = append(ids, s.Check)
	}
	want := []string{"entra-privileged-no-mfa", "entra-privileged-stale", "entra-no-mfa", "entra-stale-accounts", "entra-never-signed-in"}
	if !slices.Equal(ids, want) {
		t.Errorf("skipped %v, want %v", ids, want)
	}
	if got := objectsOf(r); got["entra-tier0-members"]["admin@adkitlab.onmicrosoft.com"].DN == "" || len(got["entra-guests"]) != 2 {
		t.Errorf("the other checks did not run: %v", got)
	}
	// Directory.Read.All does not grant reading PIM's eligible assignments: warned, not failed.
	if inv.Eligible || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0],
		"PIM eligible assignments not read: the app lacks RoleEligibilitySchedule.Read.Directory") {
		t.Errorf("eligible read %v, warnings %q", inv.Eligible, r.Warnings)
	}

	// Without role management (nor Directory.Read.All) nothing can be audited: an error.
	e.srv.SetPermissions("User.Read.All", "AuditLog.Read.All")
	_, err := e.client.AuditInventory(e.ctx(), check.EntraLoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "read role definitions: not permitted: the app registration lacks the Graph permission RoleManagement.Read.Directory") {
		t.Errorf("err = %v", err)
	}
	if !isPermission(err) {
		t.Errorf("%v is not ErrPermission", err)
	}
}

func isPermission(err error) bool { return errors.Is(err, graph.ErrPermission) }

// The snapshot lists every role's holders with their group paths, and a diff of two
// snapshots names the new holder.
func TestAuditSnapshotDiff(t *testing.T) {
	e := auditEnv(t)
	inv, err := e.client.AuditInventory(e.ctx(), check.EntraLoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := check.NewEntraSnapshot(inv, time.Now())
	if before.Directory != "entra" || before.Groups[0].Name != "Global Administrator" {
		t.Fatalf("snapshot: %+v", before.Groups)
	}
	e.srv.Tenant().AddMember(graphtest.StableID("group:Tier0 Admins"), id("jdoe@corp.example.com"))
	inv, err = e.client.AuditInventory(e.ctx(), check.EntraLoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := check.Compare(before, check.NewEntraSnapshot(inv, time.Now()))
	if len(d.Changes) != 1 || d.Changes[0].SAMAccountName != "jdoe@corp.example.com" ||
		d.Changes[0].Describe() != "added to Privileged Role Administrator, via Tier0 Admins" {
		t.Errorf("changes: %+v", d.Changes)
	}
}

// Eligible assignments the app may not read, or a tenant without an Entra ID P2 licence
// refuses, leave the audit to the active ones, with a warning saying why; other failures
// of the read still fail the audit.
func TestAuditInventoryEligibleRefused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(e *env)
		warn  string
	}{
		{"RoleManagement.Read.Directory", func(e *env) {
			e.srv.SetPermissions("RoleManagement.Read.Directory", "User.Read.All", "GroupMember.Read.All")
		}, ""},
		{"Directory.Read.All", func(e *env) { e.srv.SetPermissions("Directory.Read.All", "AuditLog.Read.All") },
			"PIM eligible assignments not read: the app lacks RoleEligibilitySchedule.Read.Directory"},
		{"no P2 licence", func(e *env) { e.srv.Tenant().SetP2Licence(false) },
			"PIM eligible assignments not read: the tenant has no Entra ID P2 licence"},
		{"P2 licence and the least permission", func(e *env) {
			e.srv.SetPermissions("Directory.Read.All", "RoleEligibilitySchedule.Read.Directory", "AuditLog.Read.All")
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := auditEnv(t)
			tc.setup(e)
			inv, err := e.client.AuditInventory(e.ctx(), check.EntraLoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r, _ := check.RunEntra(inv, check.EntraCatalog(), check.Options{Now: time.Now()})
			pim := objectsOf(r)["entra-tier0-members"]["pim.admin@corp.example.com"]
			if tc.warn == "" {
				if !inv.Eligible || len(inv.Warnings) != 0 || pim.Assignment != "eligible" {
					t.Errorf("eligible %v warnings %q, pim.admin %+v", inv.Eligible, inv.Warnings, pim)
				}
				return
			}
			if inv.Eligible || !strings.HasPrefix(inv.EligibleGap, tc.warn) {
				t.Errorf("eligible %v, gap %q", inv.Eligible, inv.EligibleGap)
			}
			if len(r.Warnings) != 1 || !strings.HasPrefix(r.Warnings[0], tc.warn) ||
				!strings.Contains(r.Warnings[0], "only active role assignments are audited") {
				t.Errorf("warnings %q, want %q", r.Warnings, tc.warn)
			}
			for _, a := range inv.Assignments {
				if a.Eligible {
					t.Errorf("eligible assignment read: %+v", a)
				}
			}
			got := objectsOf(r)
			if pim.DN != "" || got["entra-tier0-members"]["admin@adkitlab.onmicrosoft.com"].DN == "" {
				t.Errorf("tier-0 holders: %v", got["entra-tier0-members"])
			}
		})
	}

	// Anything else is an error, as for the other reads.
	e := auditEnv(t)
	e.srv.Fail(graphtest.Fault{Path: "/roleManagement/directory/roleEligibilitySchedules", Times: 1, Status: 400,
		Code: "Request_BadRequest", Message: "Invalid request."})
	if _, err := e.client.AuditInventory(e.ctx(), check.EntraLoadOptions{}); err == nil ||
		!strings.Contains(err.Error(), "read eligible role assignments") {
		t.Errorf("err = %v", err)
	}
}

// A new eligible Global Administrator is drift against a baseline.
func TestAuditSnapshotDiffEligible(t *testing.T) {
	e := auditEnv(t)
	inv, err := e.client.AuditInventory(e.ctx(), check.EntraLoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := check.NewEntraSnapshot(inv, time.Now())
	if !before.EligibleRead {
		t.Fatal("the snapshot does not say eligible assignments were read")
	}
	if !e.srv.Tenant().AddEligible(graphtest.RoleGlobalAdministrator, id("jdoe@corp.example.com")) {
		t.Fatal("no Global Administrator role")
	}
	inv, err = e.client.AuditInventory(e.ctx(), check.EntraLoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := check.Compare(before, check.NewEntraSnapshot(inv, time.Now()))
	if len(d.Changes) != 1 || d.Changes[0].SAMAccountName != "jdoe@corp.example.com" || !d.Changes[0].Eligible ||
		d.Changes[0].Describe() != "added to Global Administrator as eligible, direct" {
		t.Errorf("changes: %+v", d.Changes)
	}
	r, _ := check.RunEntra(inv, check.EntraCatalog(), check.Options{Now: time.Now(), Baseline: before})
	if o := objectsOf(r)["entra-privileged-drift"]["jdoe@corp.example.com"]; o.Assignment != "eligible" {
		t.Errorf("drift: %+v", o)
	}
}
