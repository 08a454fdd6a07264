package graph_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
)

// A 429 with Retry-After: 1 is survived, and the retry waits at least that second.
func TestThrottlingIsRetriedAfterRetryAfter(t *testing.T) {
	for _, status := range []int{429, 503} {
		e := newEnv(t, envOptions{})
		e.srv.ResetLog()
		e.srv.Fail(graphtest.Fault{Method: "GET", Path: "/users", Times: 1, Status: status, RetryAfter: 1})
		u, err := e.client.User(e.ctx(), "jdoe@corp.example.com")
		if err != nil || u.DisplayName != "John Doe" {
			t.Fatalf("%d: %v", status, err)
		}
		var times []time.Time
		for _, r := range e.srv.Requests() {
			if r.Path == "/users" {
				times = append(times, r.Time)
			}
		}
		if len(times) != 2 {
			t.Fatalf("%d: GET /users sent %d times, want 2", status, len(times))
		}
		if gap := times[1].Sub(times[0]); gap < time.Second {
			t.Errorf("%d: retried after %v, before Retry-After's 1s", status, gap)
		}
	}
}

// When Graph keeps throttling, the error says so after the retries run out (1 + 3 requests).
func TestThrottlingGivesUp(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.ResetLog()
	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/users/*/revokeSignInSessions", Times: 10, Status: 429, RetryAfter: 1})
	_, err := e.client.RevokeSessions(e.ctx(), "jdoe@corp.example.com")
	if !errors.Is(err, graph.ErrThrottled) || !strings.Contains(err.Error(), "throttling") {
		t.Fatalf("err = %v", err)
	}
	if n := e.srv.Count("POST", "/users/*/revokeSignInSessions"); n != 4 {
		t.Errorf("sent %d times, want 4", n)
	}
	recs := e.records()
	if last := recs[len(recs)-1]; last.Event != "outcome" || last.Result != "error" || !strings.Contains(last.Error, "throttling") {
		t.Errorf("outcome record = %+v", last)
	}
}
