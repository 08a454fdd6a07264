package graph_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
)

// The neighbours of the sign-in writes on Entra ID (docs/entra-helpdesk.md, "Testing: the
// neighbours of every write"): a Temporary Access Pass, an MFA reset (methods removed), a
// risk confirmed safe or dismissed — refused for want of a permission, the account not found,
// run twice, and an answer lost.

type authWrite struct {
	name, action string
	path         string // the request that carries the change, as a graphtest.Fault path
	perm         string // the permission a refusal must name
	who          string
	run          func(ctx context.Context, e *env, who string) error
	made         func(e *env) bool
}

func authWrites() []authWrite {
	phone := func(e *env) bool {
		for _, m := range e.srv.Tenant().AuthMethodsOf("jdoe@corp.example.com") {
			if m.Type == "phoneMethods" && m.ID == directory.PhoneAlternateMobileID {
				return true
			}
		}
		return false
	}
	mfa := func(ctx context.Context, e *env, who string) error {
		plan, err := e.client.PlanMethodReset(ctx, who, directory.MethodSelector{IDs: []string{directory.PhoneAlternateMobileID}})
		if err != nil {
			return err
		}
		for _, r := range e.client.RemoveMethods(ctx, plan) {
			if r.Err != nil {
				return r.Err
			}
		}
		return nil
	}
	risk := func(safe bool) func(ctx context.Context, e *env, who string) error {
		return func(ctx context.Context, e *env, who string) error {
			_, err := e.client.SetRisk(ctx, who, safe)
			return err
		}
	}
	noRisk := func(e *env) bool {
		_, r, err := e.client.UserRisk(e.ctx(), "user01@corp.example.com")
		return err == nil && !r.AtRisk()
	}
	return []authWrite{
		{name: "tap", action: "user.create_tap", path: "/users/*/authentication/temporaryAccessPassMethods",
			perm: "UserAuthenticationMethod.ReadWrite.All", who: "jdoe@corp.example.com",
			run: func(ctx context.Context, e *env, who string) error {
				_, err := e.client.CreateTAP(ctx, who, directory.TAPOptions{})
				return err
			},
			made: func(e *env) bool {
				for _, m := range e.srv.Tenant().AuthMethodsOf("jdoe@corp.example.com") {
					if m.Type == "temporaryAccessPassMethods" {
						return true
					}
				}
				return false
			}},
		{name: "mfa-reset", action: "user.remove_auth_method", path: "/users/*/authentication/phoneMethods/*",
			perm: "UserAuthenticationMethod.ReadWrite.All", who: "jdoe@corp.example.com", run: mfa,
			made: func(e *env) bool { return !phone(e) }},
		{name: "risk confirm-safe", action: "user.risk_confirm_safe", path: "/identityProtection/riskyUsers/confirmSafe",
			perm: "IdentityRiskyUser.ReadWrite.All and an Entra ID P2 licence", who: "user01@corp.example.com", run: risk(true), made: noRisk},
		{name: "risk dismiss", action: "user.risk_dismiss", path: "/identityProtection/riskyUsers/dismiss",
			perm: "IdentityRiskyUser.ReadWrite.All and an Entra ID P2 licence", who: "user01@corp.example.com", run: risk(false), made: noRisk},
	}
}

func TestAuthWriteRefusedForPermission(t *testing.T) {
	for _, w := range authWrites() {
		t.Run(w.name, func(t *testing.T) {
			run := func(ctx context.Context, e *env) error { return w.run(ctx, e, w.who) }
			testRefusedForPermission(t, w.action, w.path, w.perm, w.who, run, w.made)
		})
	}
}

// Not found: NotFoundError (exit 3) naming the account, nothing sent, nothing recorded.
func TestAuthWriteAccountNotFound(t *testing.T) {
	for _, w := range authWrites() {
		t.Run(w.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			e.srv.ResetLog()
			err := w.run(e.ctx(), e, "nobody@corp.example.com")
			var nf *directory.NotFoundError
			if !errors.As(err, &nf) || !strings.Contains(err.Error(), "nobody@corp.example.com") {
				t.Errorf("err = %v, want not found naming the account", err)
			}
			for _, r := range e.srv.Requests() {
				if r.Method != "GET" {
					t.Errorf("%s %s sent for an account that does not exist", r.Method, r.Path)
				}
			}
			if recs := e.records(); len(recs) != 0 {
				t.Errorf("audit records for an account that does not exist: %+v", recs)
			}
		})
	}
}

// Run twice: a second pass replaces the first (one pass registered, both recorded ok); a
// method or a risk already dealt with is not sent again: skipped, or nothing left to remove.
func TestAuthWriteRunTwice(t *testing.T) {
	for _, w := range authWrites() {
		if w.name == "mfa-reset" {
			continue // the second run is refused before anything is sent: TestMFAResetRunTwice
		}
		t.Run(w.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			for i := range 2 {
				if err := w.run(e.ctx(), e, w.who); err != nil {
					t.Fatalf("run %d: %v", i+1, err)
				}
			}
			if !w.made(e) {
				t.Fatal("the change is not in the tenant")
			}
			outs := e.outcomesOf(w.action)
			switch w.name {
			case "tap":
				n := 0
				for _, m := range e.srv.Tenant().AuthMethodsOf(w.who) {
					if m.Type == "temporaryAccessPassMethods" {
						n++
					}
				}
				if n != 1 || len(outs) != 2 || outs[0].Result != "ok" || outs[1].Result != "ok" {
					t.Errorf("%d passes, outcomes %+v: want one pass, two ok", n, outs)
				}
			default:
				if len(outs) != 2 || outs[0].Result != "ok" || outs[1].Result != "skipped" || !strings.Contains(outs[1].Error, "not at risk") {
					t.Errorf("outcomes = %+v, want ok then skipped (not at risk)", outs)
				}
				if n := e.srv.Count("POST", w.path); n != 1 {
					t.Errorf("%s sent %d times, want 1", w.path, n)
				}
			}
		})
	}
}

// An MFA reset run twice: the second run's plan names a method no longer registered, and is
// refused as not found before anything is sent; a plan made before another technician removed
// the method records its removal skipped ("already removed"), not an error.
func TestMFAResetRunTwice(t *testing.T) {
	e := newEnv(t, envOptions{})
	sel := directory.MethodSelector{IDs: []string{directory.PhoneAlternateMobileID}}
	stale, err := e.client.PlanMethodReset(e.ctx(), "jdoe@corp.example.com", sel)
	if err != nil {
		t.Fatal(err)
	}
	first := e.client.RemoveMethods(e.ctx(), stale)
	if len(first) != 1 || first[0].Err != nil || !first[0].Changed {
		t.Fatalf("first run: %+v", first)
	}
	if _, err := e.client.PlanMethodReset(e.ctx(), "jdoe@corp.example.com", sel); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("second plan: %v, want not found", err)
	}
	again := e.client.RemoveMethods(e.ctx(), stale)
	if len(again) != 1 || again[0].Err != nil || again[0].Changed || !strings.Contains(again[0].Note, "already removed") {
		t.Errorf("stale plan: %+v, want skipped (already removed)", again)
	}
	outs := e.outcomesOf("user.remove_auth_method")
	if len(outs) != 2 || outs[0].Result != "ok" || outs[1].Result != "skipped" {
		t.Errorf("outcomes = %+v, want ok then skipped", outs)
	}
}

// Graph makes the change and its answer is lost (--timeout): never "error". A removed method
// and a risk state are read back: "ok" (read back). A pass cannot be: Graph shows it only in
// the answer that was lost, so "ok" would hide that the technician never saw it; "unknown",
// and the message says to run the command again (which issues a new pass, replacing it).
// Lost before Graph served it: read back as not made, "unknown".
func TestAuthWriteWithoutAnswer(t *testing.T) {
	for _, w := range authWrites() {
		for _, served := range []bool{true, false} {
			name := w.name + "/made"
			if !served {
				name = w.name + "/not made"
			}
			t.Run(name, func(t *testing.T) {
				e := newEnv(t, envOptions{timeout: 2 * time.Second})
				e.srv.Fail(graphtest.Fault{Method: graphtest.AnyWrite, Path: w.path, Times: 1, NoAnswer: true, Unserved: !served})
				err := w.run(e.ctx(), e, w.who)
				if w.made(e) != served {
					t.Fatalf("made = %v, want %v: the fault did not apply (%v)", !served, served, err)
				}
				outs := e.outcomesOf(w.action)
				if len(outs) != 1 {
					t.Fatalf("outcomes = %+v, want one", outs)
				}
				if served && w.name != "tap" {
					if err != nil || outs[0].Result != "ok" || outs[0].Settled != audit.SettledReadBack {
						t.Errorf("err = %v, outcome %+v: want ok, read back", err, outs[0])
					}
					return
				}
				if !errors.Is(err, audit.ErrOutcomeUnknown) || !strings.Contains(err.Error(), "run the same command again") ||
					!strings.Contains(err.Error(), w.who) {
					t.Errorf("err = %v, want the outcome unknown, naming the account and what to do", err)
				}
				if outs[0].Result != "unknown" {
					t.Errorf("outcome %+v, want unknown", outs[0])
				}
			})
		}
	}
}

// A risk change whose answer is lost, and whose read-back fails too, is "unknown" and the
// message says to run the command again; the next run finds the user no longer at risk and
// settles the open intent ("ok", settled later), as it promised.
func TestRunAgainSettlesALostRiskChange(t *testing.T) {
	for _, safe := range []bool{false, true} {
		w := authWrites()[2]
		if !safe {
			w = authWrites()[3]
		}
		t.Run(w.name, func(t *testing.T) {
			e := newEnv(t, envOptions{timeout: 2 * time.Second})
			e.srv.Fail(graphtest.Fault{Method: "POST", Path: w.path, Times: 1, NoAnswer: true})
			// The first run's look-up is answered; reading back afterwards is refused.
			e.srv.Fail(graphtest.Fault{Method: "GET", Path: "/identityProtection/riskyUsers/*", Skip: 1, Times: 1, Status: 403})
			if err := w.run(e.ctx(), e, w.who); !errors.Is(err, audit.ErrOutcomeUnknown) {
				t.Fatalf("lost answer: %v, want the outcome unknown", err)
			}
			lost := e.outcomesOf(w.action)
			if len(lost) != 1 || lost[0].Result != "unknown" {
				t.Fatalf("outcomes = %+v, want one unknown", lost)
			}
			e.connect(false) // the next run
			if err := w.run(e.ctx(), e, w.who); err != nil {
				t.Fatal(err)
			}
			if !e.settledOK(w.action, lost[0].OpID) {
				t.Errorf("the lost answer was not settled: %+v", e.outcomesOf(w.action))
			}
		})
	}
}

// asHelpdeskWrite is w on its usual account, for the helpers neighbours_test.go shares.
func (w authWrite) asHelpdeskWrite() helpdeskWrite {
	return helpdeskWrite{name: w.name, action: w.action, path: w.path, perm: w.perm, who: w.who, made: w.made,
		run: func(ctx context.Context, e *env) error { return w.run(ctx, e, w.who) }}
}

// method is the HTTP method of the request that carries w's change.
func (w authWrite) method() string {
	if w.name == "mfa-reset" {
		return "DELETE"
	}
	return "POST"
}

// Throttled (429 with Retry-After): the request is sent again after the wait, and audited
// once (one intent, one "ok"). A Retry-After beyond --timeout is not waited for: Graph's
// answer (throttled, not made) at once, naming the account, one "error" saying throttling.
func TestAuthWriteThrottled(t *testing.T) {
	for _, w := range authWrites() {
		t.Run(w.name+"/retried", func(t *testing.T) {
			e := newEnv(t, envOptions{})
			e.srv.Fail(graphtest.Fault{Method: w.method(), Path: w.path, Times: 1, Status: 429, RetryAfter: 1})
			if err := w.run(e.ctx(), e, w.who); err != nil {
				t.Fatal(err)
			}
			if !w.made(e) {
				t.Error("the change is not in the tenant")
			}
			if n := e.srv.Count(w.method(), w.path); n != 2 {
				t.Errorf("%s %s sent %d times, want 2", w.method(), w.path, n)
			}
			if intents, ok := e.intentsAndOK(w.action); intents != 1 || ok != 1 || len(e.outcomesOf(w.action)) != 1 {
				t.Errorf("%d intents, %d ok of %d outcomes; want 1, 1, 1", intents, ok, len(e.outcomesOf(w.action)))
			}
		})
		t.Run(w.name+"/past timeout", func(t *testing.T) {
			e := newEnv(t, envOptions{timeout: 3 * time.Second})
			e.srv.Fail(graphtest.Fault{Method: w.method(), Path: w.path, Times: 1, Status: 429, RetryAfter: 30})
			err := w.run(e.ctx(), e, w.who)
			if !errors.Is(err, graph.ErrThrottled) || !strings.Contains(err.Error(), w.who) {
				t.Fatalf("err = %v, want throttled, naming %s", err, w.who)
			}
			if n := e.srv.Count(w.method(), w.path); n != 1 {
				t.Errorf("%s %s sent %d times, want 1 (the wait would outlast --timeout)", w.method(), w.path, n)
			}
			if w.made(e) {
				t.Error("the change was made")
			}
			if outs := e.outcomesOf(w.action); len(outs) != 1 || outs[0].Result != "error" || !strings.Contains(outs[0].Error, "throttling") {
				t.Errorf("outcomes = %+v, want one error saying throttling", outs)
			}
		})
	}
}

// Interrupted (Ctrl-C) once the request is at Graph, which makes the change: never "error";
// a removed method and a risk state read back "ok", a pass "unknown" (it is only in the
// answer).
func TestAuthWriteInterrupted(t *testing.T) {
	for _, w := range authWrites() {
		t.Run(w.name, func(t *testing.T) { testWithoutAnswer(t, w.asHelpdeskWrite(), true) })
	}
}

// Two technicians at once on one account: nothing fails, the tenant holds the change, every
// intent has one outcome, "ok" or "skipped". An MFA reset's two runs plan before either
// removes (a plan made after is refused as not found, nothing sent: TestMFAResetRunTwice).
func TestAuthWriteConcurrent(t *testing.T) {
	for _, w := range authWrites() {
		t.Run(w.name, func(t *testing.T) {
			hw := w.asHelpdeskWrite()
			if w.name == "mfa-reset" {
				var once sync.Once
				var plan *directory.MethodResetPlan
				hw.run = func(ctx context.Context, e *env) error {
					once.Do(func() {
						var err error
						if plan, err = e.client.PlanMethodReset(ctx, w.who, directory.MethodSelector{IDs: []string{directory.PhoneAlternateMobileID}}); err != nil {
							t.Error(err)
						}
					})
					for _, r := range e.client.RemoveMethods(ctx, plan) {
						if r.Err != nil {
							return r.Err
						}
					}
					return nil
				}
			}
			testConcurrent(t, hw)
		})
	}
}
