package graph_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
)

// The neighbours of each help-desk write on Entra ID (docs/entra-helpdesk.md, "Testing: the
// neighbours of every write"): no answer, interrupted, throttled past --timeout, refused for
// want of a permission, run twice, run concurrently.

// helpdeskWrite is one technician command's write, as the command calls it.
type helpdeskWrite struct {
	name   string
	action string
	path   string // the request that carries the change, as a graphtest.Fault path
	run    func(ctx context.Context, e *env) error
	made   func(e *env) bool // whether the tenant holds the change
	perm   string            // the permission the refusal must name
	who    string            // the account the error must name
}

func helpdeskWrites() []helpdeskWrite {
	vpn := func(ctx context.Context, e *env) directory.GroupRef {
		g, err := e.client.ResolveGroup(ctx, "VPN Users")
		if err != nil {
			e.t.Fatal(err)
		}
		return g
	}
	member := func(e *env, upn string) bool {
		return slices.Contains(e.srv.Tenant().Group(groupID("VPN Users")).Members, id(upn))
	}
	e3 := graphtest.StableID("sku:ENTERPRISEPACK")
	return []helpdeskWrite{
		{name: "disable", action: "user.disable", path: "/users/*", perm: "User.EnableDisableAccount.All", who: "jdoe@corp.example.com",
			run: func(ctx context.Context, e *env) error {
				_, err := e.client.SetEnabled(ctx, "jdoe@corp.example.com", false)
				return err
			},
			made: func(e *env) bool { return !e.srv.Tenant().User("jdoe@corp.example.com").AccountEnabled }},
		{name: "enable", action: "user.enable", path: "/users/*", perm: "User.EnableDisableAccount.All", who: "bwayne@corp.example.com",
			run: func(ctx context.Context, e *env) error {
				_, err := e.client.SetEnabled(ctx, "bwayne@corp.example.com", true)
				return err
			},
			made: func(e *env) bool { return e.srv.Tenant().User("bwayne@corp.example.com").AccountEnabled }},
		{name: "reset-password", action: "user.reset_password", path: "/users/*", perm: "User-PasswordProfile.ReadWrite.All", who: "asmith@corp.example.com",
			run: func(ctx context.Context, e *env) error {
				_, err := e.client.ResetPassword(ctx, "asmith@corp.example.com", directory.ResetOptions{MustChange: true})
				return err
			},
			made: func(e *env) bool { return e.srv.Tenant().User("asmith@corp.example.com").ForceChangePasswordNextSignIn }},
		{name: "revoke-sessions", action: "user.revoke_sessions", path: "/users/*/revokeSignInSessions", perm: "User.RevokeSessions.All", who: "jdoe@corp.example.com",
			run: func(ctx context.Context, e *env) error {
				_, err := e.client.RevokeSessions(ctx, "jdoe@corp.example.com")
				return err
			},
			made: func(e *env) bool { // Graph reads "valid since creation" until a revocation
				u := e.srv.Tenant().User("jdoe@corp.example.com")
				return u.SessionsValidFrom.After(u.CreatedDateTime)
			}},
		{name: "group add", action: "group.add_member", path: "/groups/*/members/$ref", perm: "GroupMember.ReadWrite.All", who: "asmith@corp.example.com",
			run: func(ctx context.Context, e *env) error {
				_, err := e.client.AddMember(ctx, vpn(ctx, e), "asmith@corp.example.com")
				return err
			},
			made: func(e *env) bool { return member(e, "asmith@corp.example.com") }},
		{name: "group remove", action: "group.remove_member", path: "/groups/*/members/*/$ref", perm: "GroupMember.ReadWrite.All", who: "jdoe@corp.example.com",
			run: func(ctx context.Context, e *env) error {
				_, err := e.client.RemoveMember(ctx, vpn(ctx, e), "jdoe@corp.example.com")
				return err
			},
			made: func(e *env) bool { return !member(e, "jdoe@corp.example.com") }},
		{name: "license remove", action: "user.remove_license", path: "/users/*/assignLicense", perm: "LicenseAssignment.ReadWrite.All", who: "jdoe@corp.example.com",
			run: func(ctx context.Context, e *env) error {
				_, err := e.client.RemoveLicense(ctx, "jdoe@corp.example.com", "ENTERPRISEPACK")
				return err
			},
			made: func(e *env) bool {
				return !slices.Contains(e.srv.Tenant().User("jdoe@corp.example.com").AssignedLicenses, e3)
			}},
		{name: "license assign", action: "user.assign_license", path: "/users/*/assignLicense", perm: "LicenseAssignment.ReadWrite.All", who: "asmith@corp.example.com",
			run: func(ctx context.Context, e *env) error {
				_, err := e.client.AssignLicense(ctx, "asmith@corp.example.com", "ENTERPRISEPACK", "DE")
				return err
			},
			made: func(e *env) bool {
				return slices.Contains(e.srv.Tenant().User("asmith@corp.example.com").AssignedLicenses, e3)
			}},
	}
}

// Graph makes the change and its answer never comes (--timeout ends the wait): the audit log
// must not say "error" (spec: "unknown", or "ok" when reading back shows it made), and the
// error says the outcome is unknown and what to do. Single requests and $batch alike.
//
// Interrupted: the same, but Ctrl-C (the context cancelled) ends the wait, once the request
// has reached Graph.
func TestWriteWithoutAnswerIsNeverAnError(t *testing.T) {
	for _, w := range helpdeskWrites() {
		for _, interrupt := range []bool{false, true} {
			name := w.name + "/timeout"
			if interrupt {
				name = w.name + "/interrupted"
			}
			t.Run(name, func(t *testing.T) { testWithoutAnswer(t, w, interrupt) })
		}
	}
}

// testWithoutAnswer runs w with its answer lost and returns the env, for a next run.
func testWithoutAnswer(t *testing.T, w helpdeskWrite, interrupt bool) *env {
	e := newEnv(t, envOptions{timeout: 2 * time.Second})
	if interrupt {
		e.timeout = 0 // only Ctrl-C ends the wait
		e.connect(false)
	}
	path := w.path
	if strings.HasPrefix(w.action, "group.") || strings.HasSuffix(w.action, "_license") {
		path = "/$batch" // these go in a $batch, whose answer is what gets lost
	}
	skip := 0
	if path == "/$batch" {
		skip = 1 // the $batch that looks the account up is answered
	}
	e.srv.Fail(graphtest.Fault{Method: graphtest.AnyWrite, Path: path, Skip: skip, Times: 1, NoAnswer: true})
	e.srv.ResetLog()
	ctx, cancel := context.WithCancel(e.ctx())
	defer cancel()
	if interrupt {
		go func() { // Ctrl-C once the request is at the server, waiting for its answer
			for ctx.Err() == nil && !slices.ContainsFunc(e.srv.Requests(), func(r graphtest.Request) bool { return r.Status == 0 }) {
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
		}()
	}
	err := w.run(ctx, e)
	if interrupt && !errors.Is(err, context.Canceled) && err != nil {
		t.Errorf("err = %v, want it to say it was interrupted (context.Canceled)", err)
	}
	if !w.made(e) {
		t.Fatalf("the server did not make the change: the fault did not apply (%v)", err)
	}
	outs := e.outcomesOf(w.action)
	if len(outs) != 1 {
		t.Fatalf("%d outcomes of %s, want 1: %+v", len(outs), w.action, outs)
	}
	switch o := outs[0]; {
	case o.Result == "ok" && o.Settled == "read_back":
		if err != nil {
			t.Errorf("read back as made, but the command failed: %v", err)
		}
	case o.Result == "unknown":
		if !errors.Is(err, audit.ErrOutcomeUnknown) || !strings.Contains(err.Error(), "run the same command again") {
			t.Errorf("err = %v, want the outcome unknown and what to do", err)
		}
	default:
		t.Errorf("outcome %s (%s %s): the change is in the tenant, the log must not say otherwise", o.Result, o.Error, o.Note)
	}
	return e
}

// A run after a lost answer finds the change made and settles the open intent: same op_id,
// "ok", settled later. A membership is read back at once; one whose read-back fails is
// settled by the next run.
func TestRunAgainSettlesALostAnswer(t *testing.T) {
	e := newEnv(t, envOptions{timeout: 2 * time.Second})
	g, err := e.client.ResolveGroup(e.ctx(), "VPN Users")
	if err != nil {
		t.Fatal(err)
	}
	// The $batch that looks asmith up is answered; the one that adds asmith is not, and
	// reading asmith's groups back is refused.
	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/$batch", Skip: 1, Times: 1, NoAnswer: true})
	e.srv.Fail(graphtest.Fault{Method: "GET", Path: "/users/*/memberOf", Times: 1, Status: 403})
	if _, err := e.client.AddMember(e.ctx(), g, "asmith@corp.example.com"); !errors.Is(err, audit.ErrOutcomeUnknown) {
		t.Fatalf("first run: %v, want the outcome unknown", err)
	}
	first := e.outcomesOf("group.add_member")
	if len(first) != 1 || first[0].Result != "unknown" {
		t.Fatalf("first run's outcome = %+v", first)
	}
	e.connect(false) // the next run
	o, err := e.client.AddMember(e.ctx(), g, "asmith@corp.example.com")
	if err != nil || o.Changed || !strings.Contains(o.Note, "already a member") {
		t.Fatalf("second run: %+v %v", o, err)
	}
	if !e.settledOK("group.add_member", first[0].OpID) {
		t.Errorf("the lost answer was not settled: %+v", e.outcomesOf("group.add_member"))
	}
}

// Graph asks for a wait longer than --timeout: adkit does not sleep into the deadline and
// then call the request unanswered; it reports Graph's answer (throttled, not made), once.
func TestThrottledPastTimeoutIsGraphsAnswer(t *testing.T) {
	e := newEnv(t, envOptions{timeout: 3 * time.Second})
	e.srv.Fail(graphtest.Fault{Method: "PATCH", Path: "/users/*", Times: 1, Status: 429, RetryAfter: 30})
	e.srv.ResetLog()
	_, err := e.client.SetEnabled(e.ctx(), "jdoe@corp.example.com", false)
	if !errors.Is(err, graph.ErrThrottled) || !strings.Contains(err.Error(), "jdoe@corp.example.com") {
		t.Fatalf("err = %v, want throttled, naming the account", err)
	}
	notWaitedSaid(t, err)
	if n := e.srv.Count("PATCH", "/users/*"); n != 1 {
		t.Errorf("PATCH sent %d times, want 1 (the wait would outlast --timeout)", n)
	}
	if !e.srv.Tenant().User("jdoe@corp.example.com").AccountEnabled {
		t.Error("jdoe was disabled")
	}
	if outs := e.outcomesOf("user.disable"); len(outs) != 1 || outs[0].Result != "error" || !strings.Contains(outs[0].Error, "throttling") {
		t.Errorf("outcomes = %+v, want one error saying throttling", outs)
	}
}

// notWaitedSaid checks that a request throttled with a Retry-After of 30s, past a --timeout
// of 3s, says what happened: Graph asked for 30s, more than --timeout, nothing was sent again
// or changed, and what to do. Not that Graph "kept doing so while adkit retried": nothing was.
func notWaitedSaid(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	for _, want := range []string{"throttling", "asked adkit to wait 30s", "longer than --timeout (3s)", "did not send it again",
		"the change was not made", "run the same command again later, or with --timeout longer than 30s"} {
		if !strings.Contains(msg, want) {
			t.Errorf("err = %v\nwant it to say %q", err, want)
		}
	}
	if strings.Contains(msg, "retried") {
		t.Errorf("err = %v\nsays it retried; it did not", err)
	}
}

// Throttling inside a $batch answer: the item is sent again after Retry-After, and the audit
// log has one intent and one outcome for it, not one per attempt.
func TestBatchItemThrottlingIsAuditedOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	g, _ := e.client.ResolveGroup(e.ctx(), "VPN Users")
	e.srv.Fail(graphtest.Fault{Method: "DELETE", Path: "/groups/*/members/*/$ref", Times: 1, Status: 429, RetryAfter: 1})
	if _, err := e.client.RemoveMember(e.ctx(), g, "jdoe@corp.example.com"); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Count("DELETE", "/groups/*/members/*/$ref"); n != 2 {
		t.Errorf("removal sent %d times, want 2", n)
	}
	intents, outcomes := e.intentsAndOK("group.remove_member")
	if intents != 1 || outcomes != 1 {
		t.Errorf("%d intents, %d ok outcomes; want 1 and 1", intents, outcomes)
	}
}

// Two users into a group in one $batch: the first is added, the second throttled with a long
// Retry-After, and the technician presses Ctrl-C during the wait. The log must say the first
// was added (it is in the tenant) and the second was not.
func TestInterruptedBatchKeepsWhatWasAnswered(t *testing.T) {
	e := newEnv(t, envOptions{})
	g, _ := e.client.ResolveGroup(e.ctx(), "VPN Users")
	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/groups/*/members/$ref", Alternate: true, Times: 1, Status: 429, RetryAfter: 60})
	ctx, cancel := context.WithCancel(e.ctx())
	defer cancel()
	go func() { // Ctrl-C once the $batch has been answered
		for ctx.Err() == nil && e.srv.Count("POST", "/groups/*/members/$ref") < 2 {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	_, errs := e.client.AddMembers(ctx, g, []string{"old.timer@corp.example.com", "asmith@corp.example.com"})
	// Alternate throttles the first matching request only: old.timer is throttled, asmith added.
	if !slices.Contains(e.srv.Tenant().Group(g.DN).Members, id("asmith@corp.example.com")) ||
		slices.Contains(e.srv.Tenant().Group(g.DN).Members, id("old.timer@corp.example.com")) {
		t.Fatalf("tenant: %v", e.srv.Tenant().Group(g.DN).Members)
	}
	if errs[1] != nil || errs[0] == nil || !strings.Contains(errs[0].Error(), "old.timer@corp.example.com") {
		t.Errorf("errs = %v, want old.timer failed (named), asmith added", errs)
	}
	got := map[string]string{}
	for _, r := range e.outcomesOf("group.add_member") {
		got[r.Target.Name] = r.Result
	}
	if got["asmith@corp.example.com"] != "ok" || got["old.timer@corp.example.com"] == "ok" {
		t.Errorf("outcomes = %v: asmith is in the group, old.timer is not", got)
	}
}

// Refused for want of a permission (Graph's 403 Authorization_RequestDenied, on the wire or
// inside a $batch): the message names the account and the permission to grant, the error is
// ErrPermission (exit 1), the outcome "error", and the tenant is unchanged.
func TestWriteRefusedForPermission(t *testing.T) {
	for _, w := range helpdeskWrites() {
		t.Run(w.name, func(t *testing.T) { testRefusedForPermission(t, w.action, w.path, w.perm, w.who, w.run, w.made) })
	}
}

// testRefusedForPermission is one write refused with Graph's 403 on path: ErrPermission naming
// who and perm, nothing made, one outcome "error" naming perm.
func testRefusedForPermission(t *testing.T, action, path, perm, who string, run func(context.Context, *env) error, made func(*env) bool) {
	e := newEnv(t, envOptions{})
	e.srv.Fail(graphtest.Fault{Method: graphtest.AnyWrite, Path: path, Times: 1, Status: 403})
	err := run(e.ctx(), e)
	if !errors.Is(err, graph.ErrPermission) || !strings.Contains(err.Error(), perm) || !strings.Contains(err.Error(), who) {
		t.Errorf("err = %v, want ErrPermission naming %s and %s", err, who, perm)
	}
	if made(e) {
		t.Error("the change was made")
	}
	if outs := e.outcomesOf(action); len(outs) != 1 || outs[0].Result != "error" || !strings.Contains(outs[0].Error, perm) {
		t.Errorf("outcomes = %+v, want one error naming %s", outs, perm)
	}
}

// Two technicians act on the same account at once: the tenant ends as both wanted, nothing
// fails, and every intent has exactly one outcome.
func TestConcurrentRunsOnOneTarget(t *testing.T) {
	for _, w := range helpdeskWrites() {
		t.Run(w.name, func(t *testing.T) { testConcurrent(t, w) })
	}
}

// testConcurrent runs w twice at once: nothing fails, the tenant holds the change, and every
// intent has exactly one outcome, "ok" or "skipped".
func testConcurrent(t *testing.T, w helpdeskWrite) {
	e := newEnv(t, envOptions{})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.run(e.ctx(), e)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Errorf("errs = %v", errs)
	}
	if !w.made(e) {
		t.Error("the change is not in the tenant")
	}
	open := map[string]int{}
	for _, r := range e.records() {
		if r.Action != w.action {
			continue
		}
		if r.Event == "intent" {
			open[r.OpID]++
		} else {
			open[r.OpID]--
			if r.Result != "ok" && r.Result != "skipped" {
				t.Errorf("outcome %s: %s", r.Result, r.Error)
			}
		}
	}
	for op, n := range open {
		if n != 0 {
			t.Errorf("op %s: intents minus outcomes = %d", op, n)
		}
	}
}

// A $batch item throttled with a Retry-After longer than --timeout is not waited for: the
// same rule as for a request on its own. Graph's answer (throttled, not made) is reported at
// once, naming the account, and recorded once.
func TestBatchItemThrottledPastTimeout(t *testing.T) {
	e := newEnv(t, envOptions{timeout: 3 * time.Second})
	g, _ := e.client.ResolveGroup(e.ctx(), "VPN Users")
	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/groups/*/members/$ref", Times: 1, Status: 429, RetryAfter: 30})
	_, err := e.client.AddMember(e.ctx(), g, "asmith@corp.example.com")
	if !errors.Is(err, graph.ErrThrottled) || !strings.Contains(err.Error(), "asmith@corp.example.com") {
		t.Fatalf("err = %v, want throttled, naming asmith", err)
	}
	notWaitedSaid(t, err)
	if n := e.srv.Count("POST", "/groups/*/members/$ref"); n != 1 {
		t.Errorf("addition sent %d times, want 1", n)
	}
	if outs := e.outcomesOf("group.add_member"); len(outs) != 1 || outs[0].Result != "error" {
		t.Errorf("outcomes = %+v, want one error", outs)
	}
}

// A licence removed by someone else between adkit's read and its request: Graph answers 400
// "User does not have a corresponding license." (its wording, which scripts in the wild
// match too). That is the state asked for: skipped, as "already has" is for an assignment,
// not a failure (found by TestConcurrentRunsOnOneTarget/license_remove).
func TestLicenceRemovedMeanwhileIsSkipped(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/users/*/assignLicense", Times: 1, Status: 400, Code: "Request_BadRequest",
		Message: "User does not have a corresponding license."})
	o, err := e.client.RemoveLicense(e.ctx(), "jdoe@corp.example.com", "ENTERPRISEPACK")
	if err != nil || o.Changed || o.Note != "does not have ENTERPRISEPACK" {
		t.Errorf("remove: %+v %v, want skipped: does not have ENTERPRISEPACK", o, err)
	}
	if got := e.outcomes(); got != "user.remove_license:skipped" {
		t.Errorf("audit = %s", got)
	}
}

// A licence assignment or removal throttled inside its $batch answer (429 with Retry-After
// on the item, https://learn.microsoft.com/graph/json-batching): the item is sent again after
// the wait, inside a $batch, and audited once; past --timeout it is not waited for: Graph's
// answer (throttled, not made), naming the account, one "error".
func TestLicenceBatchItemThrottled(t *testing.T) {
	for _, w := range helpdeskWrites() {
		if !strings.HasSuffix(w.action, "_license") {
			continue
		}
		t.Run(w.name+"/retried", func(t *testing.T) {
			e := newEnv(t, envOptions{})
			e.srv.Fail(graphtest.Fault{Method: "POST", Path: w.path, Times: 1, Status: 429, RetryAfter: 1})
			if err := w.run(e.ctx(), e); err != nil {
				t.Fatal(err)
			}
			if !w.made(e) {
				t.Error("the change is not in the tenant")
			}
			if n, wire := e.srv.Count("POST", w.path), e.srv.WireCount("POST", w.path); n != 2 || wire != 0 {
				t.Errorf("%s sent %d times, %d of them outside a $batch; want 2, 0", w.path, n, wire)
			}
			if intents, ok := e.intentsAndOK(w.action); intents != 1 || ok != 1 || len(e.outcomesOf(w.action)) != 1 {
				t.Errorf("%d intents, %d ok of %d outcomes; want 1, 1, 1", intents, ok, len(e.outcomesOf(w.action)))
			}
		})
		t.Run(w.name+"/past timeout", func(t *testing.T) {
			e := newEnv(t, envOptions{timeout: 3 * time.Second})
			e.srv.Fail(graphtest.Fault{Method: "POST", Path: w.path, Times: 1, Status: 429, RetryAfter: 30})
			err := w.run(e.ctx(), e)
			if !errors.Is(err, graph.ErrThrottled) || !strings.Contains(err.Error(), w.who) {
				t.Fatalf("err = %v, want throttled, naming %s", err, w.who)
			}
			notWaitedSaid(t, err)
			if n := e.srv.Count("POST", w.path); n != 1 || w.made(e) {
				t.Errorf("%s sent %d times, made = %v; want once, not made", w.path, n, w.made(e))
			}
			if outs := e.outcomesOf(w.action); len(outs) != 1 || outs[0].Result != "error" {
				t.Errorf("outcomes = %+v, want one error", outs)
			}
		})
	}
}
