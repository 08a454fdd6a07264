package graph_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

// A membership or licence change whose answer is lost is read back at once (graph/readbackbatch.go):
// "ok" when the account shows it made, "unknown" when it does not (Graph may still be applying
// it), whether the single request, a $batch item or the whole $batch lost its answer.

// readBackOK checks that err is nil and the last outcome of action is "ok", read back after
// the lost answer, saying so.
func readBackOK(t *testing.T, e *env, action string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v, want it read back as made", action, err)
	}
	outs := e.outcomesOf(action)
	if len(outs) == 0 {
		t.Fatalf("%s: no outcome recorded", action)
	}
	if o := outs[len(outs)-1]; o.Result != "ok" || o.Settled != audit.SettledReadBack || !strings.Contains(o.Note, "read back afterwards: the change is made") {
		t.Fatalf("%s: outcome %+v, want ok, read back", action, o)
	}
}

// stillUnknown checks that err and the last outcome of action say the change is unknown,
// read back and not found, and what to do.
func stillUnknown(t *testing.T, e *env, action string, err error) audit.Record {
	t.Helper()
	return unknownOutcome(t, e, action, err, "", "read back afterwards: not made")
}

func TestLostMembershipOrLicenceIsReadBack(t *testing.T) {
	e3 := graphtest.StableID("sku:ENTERPRISEPACK")
	member := func(e *env, upn string) bool {
		return slices.Contains(e.srv.Tenant().Group(groupID("VPN Users")).Members, id(upn))
	}
	licensed := func(e *env, upn string) bool {
		return slices.Contains(e.srv.Tenant().User(upn).AssignedLicenses, e3)
	}
	writes := []struct {
		name, action, path string
		run                func(e *env) error
		made               func(e *env) bool
	}{
		{"group add", "group.add_member", "/groups/*/members/$ref", func(e *env) error {
			g, err := e.client.ResolveGroup(e.ctx(), "VPN Users")
			if err == nil {
				_, err = e.client.AddMember(e.ctx(), g, "asmith@corp.example.com")
			}
			return err
		}, func(e *env) bool { return member(e, "asmith@corp.example.com") }},
		{"group remove", "group.remove_member", "/groups/*/members/*/$ref", func(e *env) error {
			g, err := e.client.ResolveGroup(e.ctx(), "VPN Users")
			if err == nil {
				_, err = e.client.RemoveMember(e.ctx(), g, "jdoe@corp.example.com")
			}
			return err
		}, func(e *env) bool { return !member(e, "jdoe@corp.example.com") }},
		{"licence assign", "user.assign_license", "/users/*/assignLicense", func(e *env) error {
			_, err := e.client.AssignLicense(e.ctx(), "asmith@corp.example.com", "ENTERPRISEPACK", "DE")
			return err
		}, func(e *env) bool { return licensed(e, "asmith@corp.example.com") }},
		{"licence remove", "user.remove_license", "/users/*/assignLicense", func(e *env) error {
			_, err := e.client.RemoveLicense(e.ctx(), "jdoe@corp.example.com", "ENTERPRISEPACK")
			return err
		}, func(e *env) bool { return !licensed(e, "jdoe@corp.example.com") }},
	}
	faults := []struct {
		name   string
		fault  graphtest.Fault // Path "" is the write's own path
		served bool
		sent   int // times the change reached Graph
	}{
		{"item 504 served", graphtest.Fault{Status: 504, Served: true}, true, 1},
		{"item 502 served", graphtest.Fault{Status: 502, Served: true}, true, 1},
		{"item 504 unserved", graphtest.Fault{Status: 504}, false, 1},
		// The $batch that looks the account up is answered; the one that makes the change is not.
		{"batch no answer", graphtest.Fault{Path: "/$batch", Skip: 1, NoAnswer: true}, true, 1},
		{"batch no answer unserved", graphtest.Fault{Path: "/$batch", Skip: 1, NoAnswer: true, Unserved: true}, false, 0},
	}
	for _, w := range writes {
		for _, f := range faults {
			t.Run(w.name+"/"+f.name, func(t *testing.T) {
				e := newEnv(t, envOptions{timeout: 2 * time.Second})
				fault := f.fault
				fault.Method, fault.Times = graphtest.AnyWrite, 1
				if fault.Path == "" {
					fault.Path = w.path
				}
				e.srv.Fail(fault)
				e.srv.ResetLog()
				err := w.run(e)
				if w.made(e) != f.served {
					t.Fatalf("made = %v, want %v: the fault did not apply (%v)", w.made(e), f.served, err)
				}
				if f.served {
					readBackOK(t, e, w.action, err)
				} else {
					stillUnknown(t, e, w.action, err)
				}
				if n := e.srv.Count("", w.path); n != f.sent {
					t.Errorf("the change reached Graph %d times, want %d: never sent again", n, f.sent)
				}
			})
		}
	}
}

// Many changes of one $batch whose answer is lost are read back with one $batch of reads, one
// read per account, not a request per change; each is settled by what its account shows.
func TestLostBatchIsReadBackInOneBatch(t *testing.T) {
	e := newEnv(t, envOptions{pageSize: 100, timeout: 2 * time.Second})
	g, err := e.client.ResolveGroup(e.ctx(), "Helpdesk")
	if err != nil {
		t.Fatal(err)
	}
	users := []string{"jdoe@corp.example.com", "bwayne@corp.example.com", "old.timer@corp.example.com"}
	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/$batch", Skip: 1, Times: 1, NoAnswer: true})
	e.srv.ResetLog()
	_, errs := e.client.AddMembers(e.ctx(), g, users)
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s: %v, want it read back as made", users[i], err)
		}
	}
	outs := e.outcomesOf("group.add_member")
	if len(outs) != len(users) {
		t.Fatalf("%d outcomes, want %d", len(outs), len(users))
	}
	for _, o := range outs {
		if o.Result != "ok" || o.Settled != audit.SettledReadBack {
			t.Errorf("outcome %+v, want ok, read back", o)
		}
	}
	if n := e.srv.WireCount("POST", "/$batch"); n != 3 {
		t.Errorf("%d $batch requests, want 3: the look-up, the additions, the read-back", n)
	}
	if n, wire := e.srv.Count("GET", "/users/*/memberOf"), e.srv.WireCount("GET", "/users/*/memberOf"); n != len(users) || wire != 0 {
		t.Errorf("memberOf read %d times, %d outside a $batch; want once per account, all in the $batch", n, wire)
	}
}

// A read-back that fails leaves the change unknown, saying so; the next run settles it.
func TestLostMembershipReadBackFails(t *testing.T) {
	e := newEnv(t, envOptions{})
	g, err := e.client.ResolveGroup(e.ctx(), "VPN Users")
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/groups/*/members/$ref", Times: 1, Status: 504, Served: true})
	e.srv.Fail(graphtest.Fault{Method: "GET", Path: "/users/*/memberOf", Times: 1, Status: 403, Code: "Authorization_RequestDenied",
		Message: "Insufficient privileges to complete the operation."})
	_, err = e.client.AddMember(e.ctx(), g, "asmith@corp.example.com")
	if !errors.Is(err, audit.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want the outcome unknown", err)
	}
	outs := e.outcomesOf("group.add_member")
	if len(outs) != 1 || outs[0].Result != "unknown" || !strings.Contains(outs[0].Note, "reading it back failed") ||
		!strings.Contains(outs[0].Note, "asmith@corp.example.com") {
		t.Fatalf("outcomes = %+v, want unknown, the read-back's failure naming the account", outs)
	}
	e.connect(false) // the next run
	if o, err := e.client.AddMember(e.ctx(), g, "asmith@corp.example.com"); err != nil || !strings.Contains(o.Note, "already a member") {
		t.Fatalf("next run: %+v %v", o, err)
	}
	if !e.settledOK("group.add_member", outs[0].OpID) {
		t.Errorf("the unknown addition was not settled: %+v", e.outcomesOf("group.add_member"))
	}
}

// An account create (no employee ID) left without an answer and never made: the next run
// that makes the account settles the lost create "skipped" — Graph would have refused this
// run's create had the earlier one made it. So does onboarding, which makes it with an
// employee ID the earlier intent does not have.
func TestCreateMadeNowSupersedesALostCreate(t *testing.T) {
	nu := directory.NewUser{GivenName: "Lost", Surname: "Create", UserPrincipalName: "lost.create@corp.example.com",
		Password: secret.New("Xy7!kkkkkkkkkkkk")}
	for _, next := range []string{"user create", "onboarding"} {
		t.Run(next, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/users", Times: 1, Status: 504})
			_, err := e.client.CreateUser(e.ctx(), nu)
			lost := gatewayUnknown(t, e, "user.create", err)
			if e.srv.Tenant().User(nu.UserPrincipalName) != nil {
				t.Fatal("the fault served the create")
			}
			e.connect(false) // the technician runs it again
			if next == "user create" {
				res, err := e.client.CreateUser(e.ctx(), nu)
				if err != nil || res.User == nil || res.User.ID == "" {
					t.Fatalf("re-run: %+v %v, want the account made", res, err)
				}
			} else {
				u, created, err := e.client.CreateAccount(e.ctx(), directory.NewAccount{UserPrincipalName: nu.UserPrincipalName,
					GivenName: nu.GivenName, Surname: nu.Surname, EmployeeID: "E8777", Password: nu.Password})
				if err != nil || !created || u.ID == "" {
					t.Fatalf("onboarding: %+v %v %v, want the account made", u, created, err)
				}
			}
			s := e.settledLater("user.create", lost.OpID)
			if len(s) != 1 || s[0].Result != "skipped" || !strings.Contains(s[0].Note, "not made by that request: a later run made the account lost.create@corp.example.com") {
				t.Errorf("the lost create was not settled skipped: %+v", e.outcomesOf("user.create"))
			}
		})
	}
}
