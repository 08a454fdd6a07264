package graph_test

import (
	"testing"

	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

// An endpoint that throttles every write sent on its own once (429, Retry-After: 1): each is
// resent intact, never labelled gzip over a plain body (kiota-http-go issue 183, which made
// Graph answer 400), and does what it should. Covers PATCH /users (disable, password), POST
// /users (cloud onboarding), PUT manager/$ref and the $batch that carries licences.
func TestThrottledSingleWritesAreResentIntact(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.ResetLog()
	e.srv.Fail(graphtest.Fault{Method: graphtest.AnyWrite, Single: true, Alternate: true, Times: 100, Status: 429, RetryAfter: 1})
	ctx := e.ctx()

	if _, err := e.client.SetEnabled(ctx, "jdoe@corp.example.com", false); err != nil {
		t.Fatalf("disable: %v", err)
	}
	if e.srv.Tenant().User("jdoe@corp.example.com").AccountEnabled {
		t.Error("jdoe still enabled")
	}
	pw, err := e.client.ResetPassword(ctx, "jdoe@corp.example.com", directory.ResetOptions{Password: secret.New("Xy7!kkkkkkkkkkkk")})
	if err != nil || e.srv.Tenant().User("jdoe@corp.example.com").Password != "Xy7!kkkkkkkkkkkk" {
		t.Fatalf("reset password: %+v %v", pw, err)
	}
	boss, created, err := e.client.CreateAccount(ctx, directory.NewAccount{UserPrincipalName: "thr.boss@corp.example.com",
		GivenName: "Thr", Surname: "Boss", EmployeeID: "E8101", Password: secret.New("Xy7!kkkkkkkkkkkk")})
	if err != nil || !created || e.srv.Tenant().User("thr.boss@corp.example.com") == nil {
		t.Fatalf("create: %+v %v %v", boss, created, err)
	}
	hire, _, err := e.client.CreateAccount(ctx, directory.NewAccount{UserPrincipalName: "thr.hire@corp.example.com",
		GivenName: "Thr", Surname: "Hire", EmployeeID: "E8102", Password: secret.New("Xy7!kkkkkkkkkkkk")})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := e.client.SetManager(ctx, hire, boss.ID); err != nil || e.srv.Tenant().User("thr.hire@corp.example.com").ManagerID != boss.ID {
		t.Fatalf("set manager: %v", err)
	}
	if _, err := e.client.AssignLicense(ctx, "asmith@corp.example.com", "ENTERPRISEPACK", "DE"); err != nil {
		t.Fatalf("assign licence: %v", err)
	}

	throttled := 0
	for _, r := range e.srv.Requests() {
		switch {
		case r.InBatch || r.Method == "GET":
		case r.Status == 429:
			throttled++
		case r.Status >= 400:
			t.Errorf("%s %s answered %d (gzip %v): %.80q", r.Method, r.Path, r.Status, r.Gzip, r.Body)
		}
	}
	if throttled < 6 {
		t.Errorf("only %d writes were throttled: the test did not exercise the retries", throttled)
	}
	if n := e.srv.Count("POST", "/users"); n != 4 {
		t.Errorf("POST /users sent %d times, want 2 accounts × (throttled + resent)", n)
	}
	for _, r := range e.records() {
		if r.Event == "outcome" && r.Result != "ok" {
			t.Errorf("%s outcome %s: %s", r.Action, r.Result, r.Error)
		}
	}
}
