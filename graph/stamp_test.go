package graph_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
)

// A password reset and a session revocation whose answer is lost are read back from the time
// Graph stamps on the account (lastPasswordChangeDateTime, signInSessionsValidFromDateTime):
// made, "ok" (read back); not made, "unknown"; and a later run that finds the stamp set after
// an open intent settles it.

type stampedWrite struct {
	name, action, path string
	run                func(ctx context.Context, e *env) error
	stamp              func(u *graphtest.User) *time.Time
}

func stampedWrites() []stampedWrite {
	return []stampedWrite{
		{name: "reset-password", action: "user.reset_password", path: "/users/*",
			run: func(ctx context.Context, e *env) error {
				_, err := e.client.ResetPassword(ctx, "asmith@corp.example.com", directory.ResetOptions{})
				return err
			},
			stamp: func(u *graphtest.User) *time.Time { return u.LastPasswordChangeDateTime }},
		{name: "revoke-sessions", action: "user.revoke_sessions", path: "/users/*/revokeSignInSessions",
			run: func(ctx context.Context, e *env) error {
				_, err := e.client.RevokeSessions(ctx, "asmith@corp.example.com")
				return err
			},
			stamp: func(u *graphtest.User) *time.Time { return u.SessionsValidFrom }},
	}
}

func (w stampedWrite) stamped(e *env) *time.Time {
	return w.stamp(e.srv.Tenant().User("asmith@corp.example.com"))
}

func TestStampedWriteIsReadBack(t *testing.T) {
	for _, w := range stampedWrites() {
		t.Run(w.name+"/made", func(t *testing.T) {
			e := newEnv(t, envOptions{timeout: 2 * time.Second})
			before := w.stamped(e)
			e.srv.Fail(graphtest.Fault{Method: graphtest.AnyWrite, Path: w.path, Times: 1, NoAnswer: true})
			if err := w.run(e.ctx(), e); err != nil {
				t.Fatalf("read back as made, yet: %v", err)
			}
			if after := w.stamped(e); after == nil || before != nil && !after.After(*before) {
				t.Fatalf("the fault did not let the change through: stamp %v, was %v", after, before)
			}
			outs := e.outcomesOf(w.action)
			if len(outs) != 1 || outs[0].Result != "ok" || outs[0].Settled != audit.SettledReadBack {
				t.Fatalf("outcomes = %+v, want one ok, read back", outs)
			}
		})
		t.Run(w.name+"/not made", func(t *testing.T) {
			e := newEnv(t, envOptions{timeout: 2 * time.Second})
			before := w.stamped(e)
			e.srv.Fail(graphtest.Fault{Method: graphtest.AnyWrite, Path: w.path, Times: 1, NoAnswer: true, Unserved: true})
			err := w.run(e.ctx(), e)
			if !errors.Is(err, audit.ErrOutcomeUnknown) || !strings.Contains(err.Error(), "asmith@corp.example.com") {
				t.Fatalf("err = %v, want the outcome unknown, naming the account", err)
			}
			if after := w.stamped(e); !sameTime(before, after) {
				t.Fatalf("the request was served (stamp %v, was %v): the fault did not apply", after, before)
			}
			outs := e.outcomesOf(w.action)
			if len(outs) != 1 || outs[0].Result != "unknown" || !strings.Contains(outs[0].Note, "read back afterwards: not made") {
				t.Fatalf("outcomes = %+v, want one unknown, read back as not made", outs)
			}
		})
	}
}

// The read-back itself fails (Graph refuses the GET), so the lost answer stays "unknown";
// the next run reads the stamp, set after that intent, and settles it before making its own
// change. An intent whose request was never served stays open: the stamp does not show it.
func TestRunAgainSettlesAStampedWrite(t *testing.T) {
	for _, w := range stampedWrites() {
		t.Run(w.name, func(t *testing.T) {
			e := newEnv(t, envOptions{timeout: 2 * time.Second})
			first := func(f graphtest.Fault) audit.Record {
				t.Helper()
				e.connect(false)
				e.srv.Fail(f)
				// the lookup is GET /users?$filter; GET /users/{id} is only the read-back
				e.srv.Fail(graphtest.Fault{Method: "GET", Path: "/users/*", Times: 1, Status: 403})
				if err := w.run(e.ctx(), e); !errors.Is(err, audit.ErrOutcomeUnknown) {
					t.Fatalf("lost answer: %v, want the outcome unknown", err)
				}
				outs := e.outcomesOf(w.action)
				if o := outs[len(outs)-1]; o.Result != "unknown" || !strings.Contains(o.Note, "reading it back failed") {
					t.Fatalf("outcome = %+v, want unknown, the read-back failed", o)
				}
				return outs[len(outs)-1]
			}
			lost := first(graphtest.Fault{Method: graphtest.AnyWrite, Path: w.path, Times: 1, NoAnswer: true, Unserved: true})
			made := first(graphtest.Fault{Method: graphtest.AnyWrite, Path: w.path, Times: 1, NoAnswer: true})
			e.connect(false) // the next run
			if err := w.run(e.ctx(), e); err != nil {
				t.Fatal(err)
			}
			var settled, wrong []audit.Record
			for _, r := range e.outcomesOf(w.action) {
				switch {
				case r.OpID == made.OpID && r.Settled == audit.SettledLater:
					settled = append(settled, r)
				case r.OpID == lost.OpID && r.Settled == audit.SettledLater:
					wrong = append(wrong, r)
				}
			}
			if len(settled) != 1 || settled[0].Result != "ok" || !strings.Contains(settled[0].Note, "after that request was sent") {
				t.Errorf("the made change was not settled ok: %+v", settled)
			}
			if len(wrong) != 0 {
				t.Errorf("the request never served was settled: %+v", wrong)
			}
		})
	}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
