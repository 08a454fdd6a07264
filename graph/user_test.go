package graph_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

func TestUserByEveryName(t *testing.T) {
	e := newEnv(t, envOptions{})
	jdoe := id("jdoe@corp.example.com")
	for _, ident := range []string{jdoe, "jdoe@corp.example.com", "JDOE@corp.example.com", "john.doe@corp.example.com", "jdoe"} {
		u, err := e.client.User(e.ctx(), ident)
		if err != nil {
			t.Errorf("User(%q): %v", ident, err)
			continue
		}
		if u.ID != jdoe {
			t.Errorf("User(%q) = %s", ident, u.ID)
		}
	}
	u, err := e.client.User(e.ctx(), "jdoe")
	if err != nil {
		t.Fatal(err)
	}
	if !u.Enabled || u.EmployeeID != "E1001" || u.Department != "Engineering" || u.Title != "Engineer" ||
		u.SAMAccountName != "jdoe" || u.LastLogon == nil || u.WhenCreated == nil {
		t.Errorf("properties not read: %+v", u)
	}
	if strings.Join(u.MemberOf, ",") != "Platform,VPN Users" {
		t.Errorf("MemberOf = %v", u.MemberOf)
	}

	// A quote in the name is escaped, not interpreted.
	if u, err := e.client.User(e.ctx(), "sean.o'brien@corp.example.com"); err != nil || u.Surname != "O'Brien" {
		t.Errorf("quoted UPN: %v %+v", err, u)
	}
	if _, err := e.client.User(e.ctx(), "x' or userPrincipalName eq 'jdoe@corp.example.com"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("filter injection was not treated as a name: %v", err)
	}
	// A guest's UPN has a '#'.
	if u, err := e.client.User(e.ctx(), "partner_ext.example#EXT#@adkitlab.onmicrosoft.com"); err != nil || u.Mail != "partner@ext.example" {
		t.Errorf("guest: %v %+v", err, u)
	}

	_, err = e.client.User(e.ctx(), "nobody@corp.example.com")
	var nf *directory.NotFoundError
	if !errors.As(err, &nf) || nf.Ident != "nobody@corp.example.com" {
		t.Errorf("missing user: %v", err)
	}
	if _, err := e.client.User(e.ctx(), "00000000-0000-4000-8000-000000000000"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("missing id: %v", err)
	}

	// Two accounts share a mail address: ambiguous, with both listed.
	e.srv.Tenant().AddUser(&graphtest.User{UserPrincipalName: "j.doe2@corp.example.com", Mail: "john.doe@corp.example.com", AccountEnabled: true})
	_, err = e.client.User(e.ctx(), "john.doe@corp.example.com")
	var amb *directory.AmbiguousError
	if !errors.As(err, &amb) || len(amb.Candidates) != 2 || !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("ambiguous: %v", err)
	}
}

// Without AuditLog.Read.All Graph refuses a $select of signInActivity; User still answers,
// without the last sign-in.
func TestUserWithoutSignInPermission(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.Fail(graphtest.Fault{Method: "GET", Path: "/users", Times: 1, Status: 403})
	u, err := e.client.User(e.ctx(), "jdoe@corp.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.LastLogon != nil || u.DisplayName != "John Doe" {
		t.Errorf("User = %+v", u)
	}
}

func TestSetEnabled(t *testing.T) {
	e := newEnv(t, envOptions{})
	o, err := e.client.SetEnabled(e.ctx(), "jdoe@corp.example.com", false)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Changed || o.Note != "disabled" {
		t.Errorf("outcome = %+v", o)
	}
	if e.srv.Tenant().User("jdoe@corp.example.com").AccountEnabled {
		t.Error("the account is still enabled")
	}
	// The PATCH body went plain (no request compression: see graphHTTPClient) and said just this.
	var patch *graphtest.Request
	for _, r := range e.srv.Requests() {
		if r.Method == "PATCH" {
			r := r
			patch = &r
		}
	}
	if patch == nil || patch.Gzip || !strings.Contains(patch.Body, `"accountEnabled":false`) {
		t.Errorf("PATCH = %+v", patch)
	}
	o, err = e.client.SetEnabled(e.ctx(), "jdoe@corp.example.com", false)
	if err != nil || o.Changed || o.Note != "was already disabled" {
		t.Errorf("second disable: %+v %v", o, err)
	}
	if n := e.srv.Count("PATCH", "/users/*"); n != 1 {
		t.Errorf("PATCHes = %d, want 1", n)
	}
}

func TestResetPassword(t *testing.T) {
	e := newEnv(t, envOptions{})
	res, err := e.client.ResetPassword(e.ctx(), "asmith@corp.example.com", directory.ResetOptions{MustChange: true})
	if err != nil {
		t.Fatal(err)
	}
	got := e.srv.Tenant().User("asmith@corp.example.com")
	if !res.Generated || len(res.Password.Reveal()) < 16 || got.Password != res.Password.Reveal() || !got.ForceChangePasswordNextSignIn {
		t.Errorf("reset: generated=%v len=%d stored=%v force=%v", res.Generated, len(res.Password.Reveal()),
			got.Password == res.Password.Reveal(), got.ForceChangePasswordNextSignIn)
	}
	if !strings.Contains(res.Note, "must change") {
		t.Errorf("note = %q", res.Note)
	}

	// A chosen password that breaks the rules is refused before anything is sent.
	before := e.srv.Count("PATCH", "/users/*")
	_, err = e.client.ResetPassword(e.ctx(), "asmith@corp.example.com", directory.ResetOptions{Password: secret.New("short")})
	if !errors.Is(err, directory.ErrInvalidInput) || e.srv.Count("PATCH", "/users/*") != before {
		t.Errorf("weak password: %v", err)
	}

	// Graph's own refusal (a banned password, say) is worded as a policy problem.
	e.srv.Fail(graphtest.Fault{Method: "PATCH", Path: "/users/*", Times: 1, Status: 400, Code: "Request_BadRequest",
		Message: "The specified password does not comply with password complexity requirements. Please provide a different password."})
	_, err = e.client.ResetPassword(e.ctx(), "asmith@corp.example.com", directory.ResetOptions{Password: secret.New("Password123!")})
	if !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "does not meet Entra ID's requirements") {
		t.Errorf("refused password: %v", err)
	}
	if strings.Contains(e.logText(), res.Password.Reveal()) || strings.Contains(e.logText(), "Password123!") {
		t.Error("a password reached the audit log")
	}
}

func TestRevokeSessions(t *testing.T) {
	e := newEnv(t, envOptions{})
	o, err := e.client.RevokeSessions(e.ctx(), "jdoe")
	if err != nil || !o.Changed {
		t.Fatalf("%+v %v", o, err)
	}
	if e.srv.Tenant().User("jdoe@corp.example.com").SessionsValidFrom == nil {
		t.Error("sessions not revoked")
	}
	if n := e.srv.Count("POST", "/users/"+id("jdoe@corp.example.com")+"/revokeSignInSessions"); n != 1 {
		t.Errorf("revokeSignInSessions calls = %d", n)
	}
}
