package graph_test

import (
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/directory"
)

// Every change writes an intent before and an outcome after, with directory "entra", the
// Graph host and the account's object id, and no secret of any kind reaches the log.
func TestEveryChangeIsAudited(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := e.ctx()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.client.SetEnabled(ctx, "jdoe", false))
	must(e.client.SetEnabled(ctx, "jdoe", true))
	reset, err := e.client.ResetPassword(ctx, "jdoe", directory.ResetOptions{MustChange: true})
	must(nil, err)
	must(e.client.RevokeSessions(ctx, "jdoe"))
	g, err := e.client.ResolveGroup(ctx, "Helpdesk")
	must(nil, err)
	must(e.client.AddMember(ctx, g, "jdoe"))
	must(e.client.RemoveMember(ctx, g, "jdoe"))
	must(e.client.AssignLicense(ctx, "asmith", "ENTERPRISEPACK", ""))
	must(e.client.RemoveLicense(ctx, "asmith", "ENTERPRISEPACK"))
	created, err := e.client.CreateUser(ctx, directory.NewUser{UserPrincipalName: "aud.it@corp.example.com", GivenName: "Aud", Surname: "It"})
	must(nil, err)

	want := []string{"user.disable", "user.enable", "user.reset_password", "user.revoke_sessions", "group.add_member",
		"group.remove_member", "user.assign_license", "user.remove_license", "user.create"}
	recs := e.records()
	if len(recs) != 2*len(want) {
		t.Fatalf("%d records, want %d", len(recs), 2*len(want))
	}
	for i, action := range want {
		in, out := recs[2*i], recs[2*i+1]
		if in.Action != action || in.Event != "intent" || out.Event != "outcome" || out.OpID != in.OpID || out.Result != "ok" {
			t.Errorf("%s: intent %+v outcome %+v", action, in, out)
		}
		if in.Directory != "entra" || in.Server != e.client.Server() || in.Ticket != "INC-1" {
			t.Errorf("%s: directory %q server %q ticket %q", action, in.Directory, in.Server, in.Ticket)
		}
		if action != "user.create" && in.Target.ID == "" {
			t.Errorf("%s: no target id", action)
		}
	}
	log := e.logText()
	for name, s := range map[string]string{"reset password": reset.Password.Reveal(), "initial password": created.Password.Reveal(),
		"client secret": e.srv.ClientSecret(), "access token": "gt."} {
		if strings.Contains(log, s) {
			t.Errorf("the %s is in the audit log", name)
		}
	}
	if !strings.Contains(log, `{"after":"(redacted)","attribute":"passwordProfile.password"}`) {
		t.Error("the password change is not recorded as redacted")
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	e := newEnv(t, envOptions{dryRun: true})
	o, err := e.client.SetEnabled(e.ctx(), "jdoe", false)
	if err != nil || o.Changed || !o.WouldChange {
		t.Errorf("%+v %v", o, err)
	}
	g, _ := e.client.ResolveGroup(e.ctx(), "Helpdesk")
	outs, errs := e.client.AddMembers(e.ctx(), g, []string{"jdoe", "old.timer@corp.example.com"})
	for i := range outs {
		if errs[i] != nil || !outs[i].WouldChange {
			t.Errorf("%+v %v", outs[i], errs[i])
		}
	}
	if n := e.srv.Count("PATCH", "/users/*") + e.srv.Count("POST", "/groups/*/members/$ref"); n != 0 {
		t.Errorf("%d changes sent on a dry run", n)
	}
	if !e.srv.Tenant().User("jdoe@corp.example.com").AccountEnabled {
		t.Error("disabled on a dry run")
	}
	recs := e.records()
	if len(recs) != 6 {
		t.Fatalf("%d records, want 6", len(recs))
	}
	for _, r := range recs {
		if !r.DryRun || (r.Event == "outcome" && r.Result != "skipped") {
			t.Errorf("%+v", r)
		}
	}
}
