package check

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const (
	roleGA     = "62e90394-69f5-4237-9190-012177145e10" // Global Administrator, tier 0
	roleReader = "5d6b6bb7-de71-4623-b4af-96380a352509" // Security Reader, not tier 0
)

// pimInventory: an active Global Administrator (u-active), an eligible one (u-eligible), a
// group eligible for Global Administrator (member u-member), an eligible guest and an
// eligible disabled user holding Security Reader, and a user holding Security Reader actively
// and Global Administrator as eligible (u-mixed).
func pimInventory() *EntraInventory {
	user := func(id string) EntraPrincipal {
		return EntraPrincipal{ID: id, Kind: PrincipalUser, UserPrincipalName: id + "@x.example"}
	}
	return &EntraInventory{
		Directory: EntraDirectory,
		Users: []EntraUser{
			{ID: "u-active", UserPrincipalName: "u-active@x.example", Enabled: true, LastSignIn: testNow},
			{ID: "u-eligible", UserPrincipalName: "u-eligible@x.example", Enabled: true, LastSignIn: testNow, NoMFA: true},
			{ID: "u-member", UserPrincipalName: "u-member@x.example", Enabled: true, LastSignIn: testNow},
			{ID: "u-guest", UserPrincipalName: "u-guest@x.example", Enabled: true, Guest: true, LastSignIn: testNow},
			{ID: "u-off", UserPrincipalName: "u-off@x.example", Enabled: false, LastSignIn: testNow},
			{ID: "u-mixed", UserPrincipalName: "u-mixed@x.example", Enabled: true, LastSignIn: testNow},
		},
		Roles: []EntraRole{{ID: roleGA, TemplateID: roleGA, DisplayName: "Global Administrator"},
			{ID: roleReader, TemplateID: roleReader, DisplayName: "Security Reader"}},
		Assignments: []EntraAssignment{
			{RoleDefinitionID: roleGA, Scope: "/", Principal: user("u-active")},
			{RoleDefinitionID: roleReader, Scope: "/", Principal: user("u-mixed")},
			{RoleDefinitionID: roleGA, Scope: "/", Principal: user("u-eligible"), Eligible: true},
			{RoleDefinitionID: roleGA, Scope: "/", Principal: EntraPrincipal{ID: "g-pim", Kind: PrincipalGroup, DisplayName: "PIM Admins"}, Eligible: true},
			{RoleDefinitionID: roleReader, Scope: "/", Principal: user("u-guest"), Eligible: true},
			{RoleDefinitionID: roleReader, Scope: "/", Principal: user("u-off"), Eligible: true},
			{RoleDefinitionID: roleGA, Scope: "/", Principal: user("u-mixed"), Eligible: true},
		},
		GroupMembers: map[string][]EntraPrincipal{"g-pim": {user("u-member")}},
		SignIns:      true, MFA: true, Eligible: true,
	}
}

func entraObjects(r *Report) map[string]map[string][]Object {
	out := map[string]map[string][]Object{}
	for _, f := range r.Findings {
		if out[f.Check] == nil {
			out[f.Check] = map[string][]Object{}
		}
		for _, o := range f.Objects {
			out[f.Check][o.DN] = append(out[f.Check][o.DN], o)
		}
	}
	return out
}

// Eligible holders count as holders: an eligible Global Administrator is tier 0, listed with
// "eligible" in its detail and its assignment; the other role-holder checks include them too.
func TestEntraEligibleHolders(t *testing.T) {
	r, skipped := RunEntra(pimInventory(), EntraCatalog(), Options{Now: testNow})
	if len(skipped) != 0 {
		t.Fatalf("skipped %v", skipped)
	}
	got := entraObjects(r)
	for _, w := range []struct {
		check, dn, detail, assignment, path string
	}{
		{"entra-tier0-members", "u-active", "Global Administrator (direct)", AssignmentActive, "Global Administrator"},
		{"entra-tier0-members", "u-eligible", "Global Administrator (eligible, direct)", AssignmentEligible, "Global Administrator"},
		{"entra-tier0-members", "u-member", "Global Administrator (eligible, via PIM Admins)", AssignmentEligible, "Global Administrator > PIM Admins"},
		{"entra-tier0-members", "u-mixed", "Global Administrator (eligible, direct)", AssignmentEligible, "Global Administrator"},
		{"entra-privileged-no-mfa", "u-eligible", "no MFA method registered; holds Global Administrator (eligible, direct)", AssignmentEligible, "Global Administrator"},
		{"entra-privileged-guests", "u-guest", "guest; holds Security Reader (eligible, direct)", AssignmentEligible, "Security Reader"},
		{"entra-privileged-disabled", "u-off", "disabled; holds Security Reader (eligible, direct)", AssignmentEligible, "Security Reader"},
	} {
		objs := got[w.check][w.dn]
		if len(objs) != 1 {
			t.Errorf("%s: %s: %d objects, want 1 (%v)", w.check, w.dn, len(objs), got[w.check])
			continue
		}
		o := objs[0]
		if o.Detail != w.detail || o.Assignment != w.assignment || strings.Join(o.Path, " > ") != w.path {
			t.Errorf("%s: %s: %q %q %q, want %q %q %q", w.check, w.dn, o.Detail, o.Assignment, o.Path, w.detail, w.assignment, w.path)
		}
	}
	// The group is a path, not a holder; the eligible group member is privileged.
	if _, ok := got["entra-tier0-members"]["g-pim"]; ok {
		t.Error("the eligible group is listed as a holder")
	}
	// A user holding one role actively and another as eligible is "mixed", both named.
	inv := pimInventory()
	inv.Users[5].Guest = true
	r2, _ := RunEntra(inv, EntraCatalog(), Options{Now: testNow})
	if o := entraObjects(r2)["entra-privileged-guests"]["u-mixed"]; len(o) != 1 || o[0].Assignment != AssignmentMixed ||
		o[0].Detail != "guest; holds Global Administrator (eligible, direct), Security Reader (direct)" {
		t.Errorf("mixed holder: %+v", o)
	}
	// The JSON report carries the assignment of role holders only.
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"assignment":"eligible"`) || !strings.Contains(buf.String(), `"assignment":"active"`) {
		t.Errorf("no assignment in the JSON: %s", buf.String())
	}
}

// Without the eligible assignments (no permission, no P2 licence) the report says so.
func TestEntraReportWarnings(t *testing.T) {
	inv := pimInventory()
	inv.Eligible, inv.EligibleGap = false, "PIM eligible assignments not read: the tenant has no Entra ID P2 licence"
	inv.Warnings = []string{inv.EligibleGap + "; only active role assignments are audited"}
	r, _ := RunEntra(inv, EntraCatalog(), Options{Now: testNow})
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "no Entra ID P2 licence") {
		t.Errorf("warnings %q", r.Warnings)
	}
	var md, html bytes.Buffer
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, r); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"markdown": md.String(), "html": html.String()} {
		if !strings.Contains(out, "no Entra ID P2 licence") {
			t.Errorf("%s: no warning", name)
		}
	}
	// An AD report has no warnings key.
	b, _ := json.Marshal(&Report{})
	if strings.Contains(string(b), "warnings") {
		t.Errorf("empty warnings in JSON: %s", b)
	}
}

// A snapshot records eligible holders apart from active ones; drift notices a new eligible
// assignment, and a baseline that did not read them (older adkit, or no permission) does not
// make every eligible holder a change.
func TestEntraSnapshotEligibleDrift(t *testing.T) {
	base := NewEntraSnapshot(pimInventory(), testNow)
	if !base.EligibleRead {
		t.Fatal("eligible_read not set")
	}
	var ga *SnapshotGroup
	for i := range base.Groups {
		if base.Groups[i].SID == roleGA {
			ga = &base.Groups[i]
		}
	}
	eligible := 0
	for _, m := range ga.Members {
		if m.Eligible {
			eligible++
		}
	}
	if ga == nil || len(ga.Members) != 4 || eligible != 3 {
		t.Fatalf("Global Administrator: %+v", ga)
	}

	// A new eligible Global Administrator, and u-eligible now active instead.
	inv := pimInventory()
	inv.Users = append(inv.Users, EntraUser{ID: "u-new", UserPrincipalName: "u-new@x.example", Enabled: true})
	inv.Assignments = append(inv.Assignments, EntraAssignment{RoleDefinitionID: roleGA, Scope: "/",
		Principal: EntraPrincipal{ID: "u-new", Kind: PrincipalUser, UserPrincipalName: "u-new@x.example"}, Eligible: true})
	inv.Assignments[2].Eligible = false
	d := Compare(base, NewEntraSnapshot(inv, testNow))
	var lines []string
	for _, c := range d.Changes {
		lines = append(lines, c.SAMAccountName+": "+c.Describe())
	}
	want := []string{
		"u-eligible@x.example: added to Global Administrator, direct",
		"u-new@x.example: added to Global Administrator as eligible, direct",
		"u-eligible@x.example: removed from Global Administrator as eligible (was direct)",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	r, _ := RunEntra(inv, EntraCatalog(), Options{Now: testNow, Baseline: base})
	drift := entraObjects(r)["entra-privileged-drift"]["u-new"]
	if len(drift) != 1 || drift[0].Assignment != AssignmentEligible {
		t.Errorf("drift finding: %+v", drift)
	}

	// A snapshot of an older adkit: no eligible_read, no eligible members. It still loads, and
	// only active changes count.
	old := `{"version": 1, "generated_at": "2026-01-02T03:04:05Z", "directory": "entra",
	  "groups": [{"name": "Global Administrator", "sam_account_name": "Global Administrator", "sid": "` + roleGA + `", "dn": "` + roleGA + `",
	    "members": [{"sid": "u-active", "dn": "u-active", "sam_account_name": "u-active@x.example", "path": ["Global Administrator"]}]}],
	  "accounts": [{"sid": "u-active", "dn": "u-active", "sam_account_name": "u-active@x.example", "flags": []}]}`
	snap, err := ReadSnapshot(strings.NewReader(old))
	if err != nil {
		t.Fatal(err)
	}
	d = Compare(snap, NewEntraSnapshot(pimInventory(), testNow))
	for _, c := range d.Changes {
		if c.Eligible || c.Group == "Global Administrator" {
			t.Errorf("change against an old baseline: %s %s", c.SAMAccountName, c.Describe())
		}
	}
	// Nor does a run that could not read them report the baseline's eligible holders removed.
	noPIM := pimInventory()
	noPIM.Eligible = false
	var active []EntraAssignment
	for _, a := range noPIM.Assignments {
		if !a.Eligible {
			active = append(active, a)
		}
	}
	noPIM.Assignments = active
	if d := Compare(base, NewEntraSnapshot(noPIM, testNow)); len(d.Changes) != 0 {
		t.Errorf("changes without the eligible read: %+v", d.Changes)
	}
}
