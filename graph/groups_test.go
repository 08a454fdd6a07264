package graph_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
)

func describeMemberships(ms []directory.Membership) string {
	var parts []string
	for _, m := range ms {
		how := "direct"
		if !m.Direct {
			how = "via " + strings.Join(m.Via, ">")
		}
		parts = append(parts, m.SAMAccountName+" ("+how+")")
	}
	return strings.Join(parts, ", ")
}

func TestUserGroups(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, direct, err := e.client.UserGroups(e.ctx(), "jdoe", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := describeMemberships(direct); got != "Platform (direct), VPN Users (direct)" {
		t.Errorf("direct = %s", got)
	}
	e.srv.ResetLog()
	_, all, err := e.client.UserGroups(e.ctx(), "jdoe", true)
	if err != nil {
		t.Fatal(err)
	}
	want := "Platform (direct), VPN Users (direct), Engineers (via Platform), Staff (via Platform>Engineers)"
	if got := describeMemberships(all); got != want {
		t.Errorf("recursive = %s\nwant        %s", got, want)
	}
	if all[0].DN != groupID("Platform") {
		t.Errorf("DN holds the object id: %q", all[0].DN)
	}
	// The chains come from one $batch reading the four groups' parents, not four requests.
	if n := e.srv.WireCount("POST", "/$batch"); n != 1 {
		t.Errorf("$batch requests = %d, want 1", n)
	}
	if n := e.srv.Count("GET", "/groups/*/memberOf"); n != 4 || e.srv.WireCount("GET", "/groups/*/memberOf") != 0 {
		t.Errorf("group parents read %d times (%d on the wire), want 4 in the batch", n, e.srv.WireCount("GET", "/groups/*/memberOf"))
	}
	// Directory roles are memberships in Graph, not groups.
	_, ms, _ := e.client.UserGroups(e.ctx(), "asmith@corp.example.com", false)
	if got := describeMemberships(ms); got != "Helpdesk (direct), Staff (direct)" {
		t.Errorf("asmith = %s", got)
	}
}

func TestGroupMembers(t *testing.T) {
	e := newEnv(t, envOptions{})
	g, ms, err := e.client.GroupMembers(e.ctx(), "Staff", true)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, m := range ms {
		how := "direct"
		if !m.Direct {
			how = "via " + strings.Join(m.Via, ">")
		}
		parts = append(parts, fmt.Sprintf("%s[%s] (%s)", m.SAMAccountName, m.Class, how))
	}
	want := "Engineers[group] (direct), asmith@corp.example.com[user] (direct), old.timer@corp.example.com[user] (direct), " +
		"Platform[group] (via Engineers), jdoe@corp.example.com[user] (via Engineers>Platform)"
	if got := strings.Join(parts, ", "); got != want {
		t.Errorf("members = %s\nwant      %s", got, want)
	}
	if g.ID != groupID("Staff") || !g.Security || g.Scope != "security" || len(g.Members) != 3 {
		t.Errorf("group = %+v", g)
	}
	for _, m := range ms {
		if m.Class == "user" && (m.Enabled == nil || !*m.Enabled) {
			t.Errorf("%s: enabled not read", m.SAMAccountName)
		}
	}

	g, err = e.client.Group(e.ctx(), "eng-all@corp.example.com")
	if err != nil || g.Scope != "microsoft365" {
		t.Errorf("by mail: %+v %v", g, err)
	}
	g, err = e.client.Group(e.ctx(), "Engineers")
	if err != nil || strings.Join(g.MemberOf, ",") != "Staff" || strings.Join(g.Members, ",") != "Platform" {
		t.Errorf("Engineers: %+v %v", g, err)
	}
	if _, err := e.client.Group(e.ctx(), "No Such Group"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("missing group: %v", err)
	}
}

func TestAddAndRemoveMember(t *testing.T) {
	e := newEnv(t, envOptions{})
	g, err := e.client.ResolveGroup(e.ctx(), "VPN Users")
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.client.AddMember(e.ctx(), g, "asmith@corp.example.com")
	if err != nil || !o.Changed || o.Note != "added to VPN Users" {
		t.Fatalf("add: %+v %v", o, err)
	}
	if members := e.srv.Tenant().Group(g.DN).Members; len(members) != 2 {
		t.Errorf("members = %v", members)
	}
	o, err = e.client.AddMember(e.ctx(), g, "asmith@corp.example.com")
	if err != nil || o.Changed || o.Note != "already a member of VPN Users" {
		t.Errorf("add again: %+v %v", o, err)
	}
	o, err = e.client.RemoveMember(e.ctx(), g, "asmith")
	if err != nil || !o.Changed {
		t.Errorf("remove: %+v %v", o, err)
	}
	o, err = e.client.RemoveMember(e.ctx(), g, "asmith")
	if err != nil || o.Changed || o.Note != "not a member of VPN Users" {
		t.Errorf("remove again: %+v %v", o, err)
	}
	if _, err := e.client.AddMember(e.ctx(), g, "nobody@corp.example.com"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("missing user: %v", err)
	}
	// Each change: an intent and an outcome; "already" and "not a member" are skipped.
	if got := e.outcomes(); got != "group.add_member:ok group.add_member:skipped group.remove_member:ok group.remove_member:skipped" {
		t.Errorf("audit outcomes = %s", got)
	}
}

// 25 users go into a group in two $batch requests for the lookups and two for the additions,
// each addition audited as its own intent and outcome.
func TestBulkMembershipUsesBatch(t *testing.T) {
	tenant := graphtest.DefaultTenant(time.Now())
	var upns []string
	for i := range 25 {
		u := tenant.AddUser(&graphtest.User{UserPrincipalName: fmt.Sprintf("bulk%02d@corp.example.com", i), AccountEnabled: true})
		upns = append(upns, u.UserPrincipalName)
	}
	e := newEnv(t, envOptions{tenant: tenant})
	g, err := e.client.ResolveGroup(e.ctx(), "VPN Users")
	if err != nil {
		t.Fatal(err)
	}
	e.srv.ResetLog()
	outs, errs := e.client.AddMembers(e.ctx(), g, upns)
	for i := range upns {
		if errs[i] != nil || !outs[i].Changed {
			t.Errorf("%s: %+v %v", upns[i], outs[i], errs[i])
		}
	}
	if n := len(e.srv.Tenant().Group(g.DN).Members); n != 26 {
		t.Errorf("group has %d members, want 26", n)
	}
	if n := e.srv.WireCount("POST", "/$batch"); n != 4 {
		t.Errorf("$batch requests = %d, want 4 (2 lookups, 2 additions)", n)
	}
	if n := e.srv.WireCount("", "/groups/*/members/$ref"); n != 0 {
		t.Errorf("%d additions went outside $batch", n)
	}
	if n := e.srv.Count("POST", "/groups/*/members/$ref"); n != 25 {
		t.Errorf("additions in batches = %d, want 25", n)
	}
	for _, r := range e.srv.Requests() {
		if r.Path == "/$batch" && r.Gzip {
			t.Error("a $batch body was gzip-compressed: adkit sends bodies plain (see graphHTTPClient)")
		}
	}

	// The audit trail: 25 intents, then 25 outcomes paired with them, all "entra".
	recs := e.records()
	if len(recs) != 50 {
		t.Fatalf("%d audit records, want 50", len(recs))
	}
	intents := map[string]bool{}
	lastIntent, firstOutcome := -1, len(recs)
	for i, r := range recs {
		if r.Directory != "entra" || r.Action != "group.add_member" || r.Target.ID == "" || r.Server == "" {
			t.Errorf("record %d: %+v", i, r)
		}
		switch r.Event {
		case "intent":
			intents[r.OpID] = true
			if i < 20 { // the first batch's intents all precede its outcomes
				lastIntent = max(lastIntent, i)
			}
		case "outcome":
			if !intents[r.OpID] || r.Result != "ok" {
				t.Errorf("outcome %d without its intent, or not ok: %+v", i, r)
			}
			firstOutcome = min(firstOutcome, i)
		}
	}
	if lastIntent > firstOutcome {
		t.Errorf("an outcome (record %d) came before the batch's last intent (record %d)", firstOutcome, lastIntent)
	}

	// Again: every one is already a member, and says so.
	outs, errs = e.client.AddMembers(e.ctx(), g, upns[:3])
	for i := range outs {
		if errs[i] != nil || outs[i].Changed || !strings.Contains(outs[i].Note, "already a member") {
			t.Errorf("again %s: %+v %v", upns[i], outs[i], errs[i])
		}
	}
}

// Graph throttles batch items one by one (a 429 inside a 200); the client sends those items
// again after Retry-After.
func TestBatchItemThrottlingIsRetried(t *testing.T) {
	e := newEnv(t, envOptions{})
	g, _ := e.client.ResolveGroup(e.ctx(), "Helpdesk")
	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/groups/*/members/$ref", Times: 1, Status: 429, RetryAfter: 1})
	start := time.Now()
	outs, errs := e.client.AddMembers(e.ctx(), g, []string{"jdoe@corp.example.com", "old.timer@corp.example.com"})
	for i := range outs {
		if errs[i] != nil || !outs[i].Changed {
			t.Errorf("%d: %+v %v", i, outs[i], errs[i])
		}
	}
	if d := time.Now().Sub(start); d < time.Second {
		t.Errorf("retried after %v, before Retry-After's 1s", d)
	}
	if n := e.srv.Count("POST", "/groups/*/members/$ref"); n != 3 {
		t.Errorf("additions sent %d times, want 3 (one throttled and sent again)", n)
	}
}

func TestGroupsByNameForTemplateChecks(t *testing.T) {
	tenant := graphtest.DefaultTenant(time.Now())
	tenant.AddGroup(&graphtest.Group{ID: graphtest.StableID("group:twins-1"), DisplayName: "Twins", SecurityEnabled: true})
	tenant.AddGroup(&graphtest.Group{ID: graphtest.StableID("group:twins-2"), DisplayName: "Twins", MailNickname: "twins2", SecurityEnabled: true})
	e := newEnv(t, envOptions{tenant: tenant})
	found, err := e.client.GroupsByName(e.ctx(), []string{"Staff", "eng-all@corp.example.com", "No Such Group", "Twins"})
	if err != nil {
		t.Fatal(err)
	}
	if ids := found["Staff"]; len(ids) != 1 || ids[0] == "" {
		t.Errorf("Staff = %q, want its one object id", ids)
	}
	if ids := found["eng-all@corp.example.com"]; len(ids) != 1 {
		t.Errorf("a group by mail = %q, want one id", ids)
	}
	if ids, ok := found["No Such Group"]; ok {
		t.Errorf("a missing group is present: %q", ids)
	}
	if ids := found["Twins"]; len(ids) != 2 {
		t.Errorf("two groups of one name = %q, want both (ambiguous)", ids)
	}
}
