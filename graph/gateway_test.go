package graph_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

// A gateway's 502 or 504 in place of Graph's answer says nothing of whether the change was
// made (graph/resend.go): a write answered so is "unknown", never "error", never resent when
// resending could duplicate it, and the next run settles it.

// gatewayUnknown checks that err and the last outcome of action say the change is unknown
// because of the gateway, and what to do.
func gatewayUnknown(t *testing.T, e *env, action string, err error) audit.Record {
	t.Helper()
	return unknownOutcome(t, e, action, err, "Graph's gateway", "Graph's gateway")
}

// unknownOutcome checks that err says the outcome of action is unknown, what to do and
// errSays, and that its last outcome is "unknown", its note saying noteSays.
func unknownOutcome(t *testing.T, e *env, action string, err error, errSays, noteSays string) audit.Record {
	t.Helper()
	if !errors.Is(err, audit.ErrOutcomeUnknown) || !strings.Contains(err.Error(), errSays) ||
		!strings.Contains(err.Error(), "run the same command again") {
		t.Fatalf("%s: err = %v, want the outcome unknown, saying %q and what to do", action, err, errSays)
	}
	outs := e.outcomesOf(action)
	if len(outs) == 0 {
		t.Fatalf("%s: no outcome recorded", action)
	}
	o := outs[len(outs)-1]
	if o.Result != "unknown" || !strings.Contains(o.Note, noteSays) {
		t.Fatalf("%s: outcome %+v, want unknown, noting %q", action, o, noteSays)
	}
	return o
}

// user create answered 504 (or 502) after Graph made the account: unknown, the POST sent once,
// one account; running the same command again finds the account as asked (skipped, exit 2)
// and settles the lost create "ok". A create the gateway never passed on is not made: the
// next onboarding run makes it and settles the lost one "skipped".
func TestGatewayAnswerOnCreateIsUnknownAndNotResent(t *testing.T) {
	for _, status := range []int{504, 502} {
		t.Run(fmt.Sprint(status, "/served"), func(t *testing.T) {
			e := newEnv(t, envOptions{})
			nu := directory.NewUser{GivenName: "Gate", Surname: "Way", UserPrincipalName: "gate.way@corp.example.com",
				Password: secret.New("Xy7!kkkkkkkkkkkk")}
			e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/users", Times: 1, Status: status, Served: true})
			_, err := e.client.CreateUser(e.ctx(), nu)
			lost := gatewayUnknown(t, e, "user.create", err)
			if n := e.srv.Count("POST", "/users"); n != 1 {
				t.Errorf("POST /users sent %d times, want once: it may have been made", n)
			}
			if e.srv.Tenant().User(nu.UserPrincipalName) == nil {
				t.Fatal("the fault did not serve the create")
			}

			e.connect(false) // the technician runs the same command again
			_, err = e.client.CreateUser(e.ctx(), nu)
			if !errors.Is(err, directory.ErrInvalidInput) || !errors.Is(err, audit.ErrSkipped) {
				t.Fatalf("re-run: %v, want the account found as asked (skipped)", err)
			}
			if s := e.settledLater("user.create", lost.OpID); len(s) != 1 || s[0].Result != "ok" {
				t.Errorf("the lost create was not settled ok: %+v", e.outcomesOf("user.create"))
			}
		})
	}
	t.Run("504/unserved", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		a := directory.NewAccount{UserPrincipalName: "gate.never@corp.example.com", GivenName: "Gate", Surname: "Never",
			EmployeeID: "E8504", Password: secret.New("Xy7!kkkkkkkkkkkk")}
		e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/users", Times: 1, Status: 504})
		_, _, err := e.client.CreateAccount(e.ctx(), a)
		lost := gatewayUnknown(t, e, "user.create", err)
		if n := e.srv.Count("POST", "/users"); n != 1 || e.srv.Tenant().User(a.UserPrincipalName) != nil {
			t.Fatalf("POST /users sent %d times, made = %v; want once, not made", n, e.srv.Tenant().User(a.UserPrincipalName) != nil)
		}
		e.connect(false) // the next onboarding run
		u, created, err := e.client.CreateAccount(e.ctx(), a)
		if err != nil || !created || u.ID == "" {
			t.Fatalf("re-run: %+v %v %v, want the account made", u, created, err)
		}
		if s := e.settledLater("user.create", lost.OpID); len(s) != 1 || s[0].Result != "skipped" {
			t.Errorf("the create never made was not settled skipped: %+v", e.outcomesOf("user.create"))
		}
	})
}

// 503 says Graph did not process the request: a POST answered 503 is still sent again (after
// Retry-After) and made once.
func TestUnavailablePostIsStillResent(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/users", Times: 1, Status: 503, RetryAfter: 1})
	res, err := e.client.CreateUser(e.ctx(), directory.NewUser{GivenName: "Un", Surname: "Available",
		UserPrincipalName: "un.available@corp.example.com", Password: secret.New("Xy7!kkkkkkkkkkkk")})
	if err != nil || res.User == nil || res.User.ID == "" {
		t.Fatalf("create: %+v %v", res, err)
	}
	if n := e.srv.Count("POST", "/users"); n != 2 {
		t.Errorf("POST /users sent %d times, want 2 (503, then made)", n)
	}
	if outs := e.outcomesOf("user.create"); len(outs) != 1 || outs[0].Result != "ok" {
		t.Errorf("outcomes = %+v, want one ok", outs)
	}
}

// group add: the $batch item answered 504 is not resent inside the batch and is read back at
// once: made, "ok". One the gateway never passed on is read back not made, stays unknown, and
// the next run, which makes it, settles it "skipped". A whole $batch of writes answered 504 is
// not resent either. A removal (DELETE) answered 504 is not resent: its resend would be
// answered 404 and recorded "not a member", skipped, for a change this run made.
func TestGatewayAnswerOnMembership(t *testing.T) {
	helpdesk := func(t *testing.T) (*env, directory.GroupRef) {
		e := newEnv(t, envOptions{})
		g, err := e.client.ResolveGroup(e.ctx(), "Helpdesk")
		if err != nil {
			t.Fatal(err)
		}
		return e, g
	}
	t.Run("item", func(t *testing.T) {
		e, g := helpdesk(t)
		e.srv.ResetLog()
		e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/groups/*/members/$ref", Times: 1, Status: 504, Served: true})
		_, err := e.client.AddMember(e.ctx(), g, "jdoe@corp.example.com")
		readBackOK(t, e, "group.add_member", err)
		if o := e.outcomesOf("group.add_member"); !strings.Contains(o[len(o)-1].Note, "Graph's gateway") {
			t.Errorf("outcome %+v, want it to say the gateway answered", o[len(o)-1])
		}
		if n := e.srv.Count("POST", "/groups/*/members/$ref"); n != 1 {
			t.Errorf("the addition was sent %d times, want once", n)
		}
	})
	t.Run("item unserved", func(t *testing.T) {
		e, g := helpdesk(t)
		e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/groups/*/members/$ref", Times: 1, Status: 504})
		_, err := e.client.AddMember(e.ctx(), g, "jdoe@corp.example.com")
		lost := gatewayUnknown(t, e, "group.add_member", err)
		e.connect(false) // the next run
		o, err := e.client.AddMember(e.ctx(), g, "jdoe@corp.example.com")
		if err != nil || !o.Changed {
			t.Fatalf("second run: %+v %v, want jdoe added", o, err)
		}
		if s := e.settledLater("group.add_member", lost.OpID); len(s) != 1 || s[0].Result != "skipped" {
			t.Errorf("the addition never made was not settled skipped: %+v", e.outcomesOf("group.add_member"))
		}
	})
	t.Run("whole batch", func(t *testing.T) {
		e, g := helpdesk(t)
		e.srv.ResetLog()
		// The $batch that looks jdoe up is answered; the one that adds jdoe gets the gateway's 504.
		e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/$batch", Skip: 1, Times: 1, Status: 504, Served: true})
		_, err := e.client.AddMember(e.ctx(), g, "jdoe@corp.example.com")
		readBackOK(t, e, "group.add_member", err)
		if n := e.srv.Count("POST", "/groups/*/members/$ref"); n != 1 {
			t.Errorf("the addition was sent %d times, want once", n)
		}
		if n := e.srv.WireCount("POST", "/$batch"); n != 3 {
			t.Errorf("%d $batch requests, want 3 (the look-up, the addition sent once, its read-back)", n)
		}
	})
	t.Run("remove", func(t *testing.T) {
		e, g := helpdesk(t)
		e.srv.Fail(graphtest.Fault{Method: "DELETE", Path: "/groups/*/members/*/$ref", Times: 1, Status: 504, Served: true})
		_, err := e.client.RemoveMember(e.ctx(), g, "asmith@corp.example.com")
		readBackOK(t, e, "group.remove_member", err)
		if n := e.srv.Count("DELETE", "/groups/*/members/*/$ref"); n != 1 {
			t.Errorf("the removal was sent %d times, want once", n)
		}
	})
}

// license assign: the assignLicense item of the $batch answered 504 is sent once and read back
// at once: the licence is held, "ok". Never passed on: unknown, and the next run, which
// assigns it, settles it "skipped".
func TestGatewayAnswerOnLicenceInBatch(t *testing.T) {
	path := "/users/*/assignLicense"
	for _, served := range []bool{true, false} {
		t.Run(map[bool]string{true: "served", false: "unserved"}[served], func(t *testing.T) {
			e := newEnv(t, envOptions{})
			e.srv.Fail(graphtest.Fault{Method: "POST", Path: path, Times: 1, Status: 504, Served: served})
			_, err := e.client.AssignLicense(e.ctx(), "asmith@corp.example.com", "ENTERPRISEPACK", "DE")
			if n, wire := e.srv.Count("POST", path), e.srv.WireCount("POST", path); n != 1 || wire != 0 {
				t.Errorf("assignLicense sent %d times, %d outside a $batch; want 1, 0", n, wire)
			}
			if served {
				readBackOK(t, e, "user.assign_license", err)
				return
			}
			lost := gatewayUnknown(t, e, "user.assign_license", err)
			e.connect(false) // the next run
			o, err := e.client.AssignLicense(e.ctx(), "asmith@corp.example.com", "ENTERPRISEPACK", "DE")
			if err != nil || !o.Changed {
				t.Fatalf("second run: %+v %v, want the licence assigned", o, err)
			}
			if s := e.settledLater("user.assign_license", lost.OpID); len(s) != 1 || s[0].Result != "skipped" {
				t.Errorf("the assignment never made was not settled skipped: %+v", e.outcomesOf("user.assign_license"))
			}
		})
	}
}

// A PATCH that sets a value (enable, disable) is sent again after a 504: sent again after the
// first was made it leaves the same state and is answered the same. Still 504 after every
// retry, it is read back: made, "ok". A password reset is the exception: sent once, read back
// from Graph's stamp.
func TestGatewayTimeoutOnPatch(t *testing.T) {
	disable := func(e *env) error {
		_, err := e.client.SetEnabled(e.ctx(), "jdoe@corp.example.com", false)
		return err
	}
	reset := func(e *env) error {
		_, err := e.client.ResetPassword(e.ctx(), "jdoe@corp.example.com", directory.ResetOptions{Password: secret.New("Xy7!gggggggggggg")})
		return err
	}
	for _, c := range []struct {
		name, action string
		run          func(*env) error
		faults, sent int
		readBack     bool // the outcome is "ok" because it was read back after the gateway's 504
	}{
		{"disable resent", "user.disable", disable, 1, 2, false},
		{"disable 504 to the end", "user.disable", disable, 4, 4, true}, // 1 + 3 retries
		{"reset-password sent once", "user.reset_password", reset, 1, 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			e.srv.ResetLog()
			e.srv.Fail(graphtest.Fault{Method: "PATCH", Path: "/users/*", Times: c.faults, Status: 504, Served: true, RetryAfter: 1})
			if err := c.run(e); err != nil {
				t.Fatalf("%s: %v, want it made", c.action, err)
			}
			if n := e.srv.Count("PATCH", "/users/*"); n != c.sent {
				t.Errorf("PATCH sent %d times, want %d", n, c.sent)
			}
			outs := e.outcomesOf(c.action)
			if len(outs) != 1 || outs[0].Result != "ok" {
				t.Fatalf("outcomes = %+v, want one ok", outs)
			}
			if readBack := outs[0].Settled == audit.SettledReadBack && strings.Contains(outs[0].Note, "Graph's gateway"); readBack != c.readBack {
				t.Errorf("outcome %+v: read back after the gateway's 504 = %v, want %v", outs[0], readBack, c.readBack)
			}
		})
	}
}
