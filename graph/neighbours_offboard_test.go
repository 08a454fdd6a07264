package graph_test

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
)

// Offboarding on Entra ID throttled (docs/entra-helpdesk.md, "Testing: the neighbours of
// every write"): each change of OffboardCloud goes in a $batch, and Graph throttles each item
// on its own, 429 with its own Retry-After inside a 200 (https://learn.microsoft.com/graph/json-batching),
// or the whole $batch on the wire.

// offboardChanges is each change OffboardCloud sends: its action and its request, as a Fault path.
var offboardChanges = []struct{ action, method, path string }{
	{"user.disable", "PATCH", "/users/*"},
	{"user.revoke_sessions", "POST", "/users/*/revokeSignInSessions"},
	{"user.remove_license", "POST", "/users/*/assignLicense"},
	{"group.remove_member", "DELETE", "/groups/*/members/*/$ref"},
}

// leavers adds n licensed cloud leavers, members of one group, and returns what offboarding
// them takes: disabled, sessions revoked, licence and group removed.
func leavers(t *testing.T, e *env, prefix string, n int) []directory.CloudOffboard {
	t.Helper()
	ten := e.srv.Tenant()
	var keys []directory.CloudKey
	var ids []string
	for i := range n {
		u := ten.AddUser(&graphtest.User{UserPrincipalName: fmt.Sprintf("%s%d@corp.example.com", prefix, i), DisplayName: fmt.Sprintf("%s %d", prefix, i),
			AccountEnabled: true, EmployeeID: fmt.Sprintf("%s%d", strings.ToUpper(prefix), i), UsageLocation: "US",
			AssignedLicenses: []string{graphtest.StableID("sku:ENTERPRISEPACK")}})
		keys = append(keys, directory.CloudKey{EmployeeID: u.EmployeeID})
		ids = append(ids, u.ID)
	}
	ten.AddGroup(&graphtest.Group{DisplayName: prefix + " Team", SecurityEnabled: true, Members: ids})
	snaps, errs, err := e.client.CloudLeavers(e.ctx(), keys)
	if err != nil || errors.Join(errs...) != nil {
		t.Fatalf("leavers: %v %v", err, errs)
	}
	items := make([]directory.CloudOffboard, n)
	for i, s := range snaps {
		items[i] = directory.CloudOffboard{Snapshot: s, Disable: true, Revoke: true, RemoveGroups: s.Groups}
	}
	return items
}

// allOffboarded checks that every leaver of leavers() was taken everything.
func allOffboarded(t *testing.T, res []directory.CloudOffboardResult) {
	t.Helper()
	for i, r := range res {
		if r.Err != nil || !r.Disabled || !r.SessionsRevoked || len(r.LicensesRemoved) != 1 || len(r.GroupsRemoved) != 1 {
			t.Errorf("leaver %d: %+v", i, r)
		}
	}
}

// auditedOnce checks that each kind of offboarding change has n intents and n outcomes, all
// "ok": one per leaver, however often its request was throttled.
func auditedOnce(t *testing.T, e *env, n int) {
	t.Helper()
	for _, c := range offboardChanges {
		if intents, ok := e.intentsAndOK(c.action); intents != n || ok != n || len(e.outcomesOf(c.action)) != n {
			t.Errorf("%s: %d intents, %d ok of %d outcomes; want %d of each", c.action, intents, ok, len(e.outcomesOf(c.action)), n)
		}
	}
}

// revoked reports whether the tenant holds a revocation of upn's sessions.
func revoked(e *env, upn string) bool {
	u := e.srv.Tenant().User(upn)
	return u.SessionsValidFrom != nil && u.SessionsValidFrom.After(u.CreatedDateTime)
}

// Every kind of change throttled inside its $batch (Retry-After 2, held: an item sent again
// sooner is throttled again): each item is sent again once, after the wait, inside a $batch,
// and made; each change has one intent and one outcome, "ok". The revocations are the cell
// "revoke-sessions, 429 in $batch" of the matrix.
func TestOffboardThrottledInBatch(t *testing.T) {
	e := newEnv(t, envOptions{})
	items := leavers(t, e, "thr", 2)
	for _, c := range offboardChanges {
		e.srv.Fail(graphtest.Fault{Method: c.method, Path: c.path, Times: 1, Status: 429, RetryAfter: 2, Hold: true})
	}
	e.srv.ResetLog()
	res := e.client.OffboardCloud(e.ctx(), items)
	allOffboarded(t, res)
	for i := range items {
		upn := fmt.Sprintf("thr%d@corp.example.com", i)
		if u := e.srv.Tenant().User(upn); u.AccountEnabled || len(u.AssignedLicenses) != 0 || !revoked(e, upn) {
			t.Errorf("%s after offboarding: enabled %v, licences %v, revoked %v", upn, u.AccountEnabled, u.AssignedLicenses, revoked(e, upn))
		}
	}
	for _, c := range offboardChanges {
		// Both items of the first $batch throttled (Graph throttles the client, not the
		// item), both sent again once: a retry before Retry-After would be throttled again.
		throttled := 0
		for _, r := range e.srv.Requests() {
			if ok, _ := path.Match(c.path, r.Path); ok && r.InBatch && r.Status == 429 && r.Method == c.method {
				throttled++
			}
		}
		if n, wire := e.srv.Count(c.method, c.path), e.srv.WireCount(c.method, c.path); n != 4 || wire != 0 || throttled != 2 {
			t.Errorf("%s %s: sent %d times (%d outside a $batch), %d throttled; want 4 (2 throttled, each sent again once after Retry-After), 0", c.method, c.path, n, wire, throttled)
		}
	}
	auditedOnce(t, e, 2)
}

// A revocation throttled inside its $batch with a Retry-After longer than --timeout is not
// waited for: Graph's answer (throttled, not made) is reported for that leaver, naming them,
// and recorded once as "error"; the leaver is not reported revoked, and the other changes go
// on.
func TestOffboardRevocationThrottledPastTimeout(t *testing.T) {
	e := newEnv(t, envOptions{timeout: 3 * time.Second})
	items := leavers(t, e, "thp", 2)
	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/users/*/revokeSignInSessions", Times: 1, Status: 429, RetryAfter: 30})
	e.srv.ResetLog()
	res := e.client.OffboardCloud(e.ctx(), items)
	r := res[0]
	if !errors.Is(r.Err, graph.ErrThrottled) || !strings.Contains(r.Err.Error(), "thp0@corp.example.com") || r.SessionsRevoked {
		t.Errorf("throttled leaver: %+v, want not revoked, the error throttled, naming thp0", r)
	}
	if r.Err != nil {
		notWaitedSaid(t, r.Err)
	}
	if !r.Disabled || len(r.LicensesRemoved) != 1 || len(r.GroupsRemoved) != 1 {
		t.Errorf("throttled leaver: %+v, want the other changes made", r)
	}
	if revoked(e, "thp0@corp.example.com") || !revoked(e, "thp1@corp.example.com") {
		t.Errorf("tenant: thp0 revoked %v, thp1 revoked %v; want false, true", revoked(e, "thp0@corp.example.com"), revoked(e, "thp1@corp.example.com"))
	}
	if res[1].Err != nil || !res[1].SessionsRevoked {
		t.Errorf("other leaver: %+v", res[1])
	}
	if n := e.srv.Count("POST", "/users/*/revokeSignInSessions"); n != 2 {
		t.Errorf("revocations sent %d times, want 2 (the throttled one not again)", n)
	}
	got := map[string]string{}
	for _, o := range e.outcomesOf("user.revoke_sessions") {
		got[o.Target.Name] += o.Result
	}
	if got["thp0@corp.example.com"] != "error" || got["thp1@corp.example.com"] != "ok" {
		t.Errorf("outcomes = %v, want thp0 error (once), thp1 ok", got)
	}
}

// The whole $batch throttled on the wire (429, Retry-After 2, held): the retry handler sends
// it again after the wait, once; each change in it is recorded once, "ok".
func TestOffboardWholeBatchThrottled(t *testing.T) {
	e := newEnv(t, envOptions{})
	items := leavers(t, e, "thw", 2)
	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/$batch", Times: 1, Status: 429, RetryAfter: 2, Hold: true})
	e.srv.ResetLog()
	res := e.client.OffboardCloud(e.ctx(), items)
	allOffboarded(t, res)
	// 4 $batch requests (one per kind of change) and the throttled one sent again once.
	if n := e.srv.WireCount("POST", "/$batch"); n != 5 {
		t.Errorf("$batch sent %d times, want 5", n)
	}
	auditedOnce(t, e, 2)
}
