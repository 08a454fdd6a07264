package graph_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

// An onboarding run whose POST /users got no answer leaves its user.create "unknown"; the
// next run finds the account by employee ID and settles it: same op_id, "ok", settled later.
// Through CreateAccount (a saved plan that still says create) and through SettleCreates (a
// new plan that finds the account and skips the row). A create never served stays open.
func TestRunAgainSettlesALostCreate(t *testing.T) {
	hire := func(n string) directory.NewAccount {
		return directory.NewAccount{UserPrincipalName: "lost" + n + "@corp.example.com", GivenName: "Lost", Surname: n,
			EmployeeID: "E88" + n, Password: secret.New("Xy7!kkkkkkkkkkkk")}
	}
	lose := func(e *env, a directory.NewAccount, served bool) audit.Record {
		t.Helper()
		e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/users", Times: 1, NoAnswer: true, Unserved: !served})
		if _, _, err := e.client.CreateAccount(e.ctx(), a); !errors.Is(err, audit.ErrOutcomeUnknown) {
			t.Fatalf("create %s without an answer: %v, want the outcome unknown", a.UserPrincipalName, err)
		}
		if made := e.srv.Tenant().User(a.UserPrincipalName) != nil; made != served {
			t.Fatalf("%s made = %v, want %v: the fault did not apply", a.UserPrincipalName, made, served)
		}
		outs := e.outcomesOf("user.create")
		if o := outs[len(outs)-1]; o.Result != "unknown" {
			t.Fatalf("outcome = %+v, want unknown", o)
		}
		return outs[len(outs)-1]
	}

	t.Run("CreateAccount", func(t *testing.T) {
		e := newEnv(t, envOptions{timeout: 2 * time.Second})
		lost := lose(e, hire("1"), true)
		e.connect(false) // the next run
		u, created, err := e.client.CreateAccount(e.ctx(), hire("1"))
		if err != nil || created || u.ID == "" {
			t.Fatalf("re-run: %+v %v %v, want the account found", u, created, err)
		}
		if s := e.settledLater("user.create", lost.OpID); len(s) != 1 || s[0].Result != "ok" {
			t.Errorf("the lost create was not settled ok: %+v", e.outcomesOf("user.create"))
		}
		if n := e.srv.Count("POST", "/users"); n != 1 {
			t.Errorf("POST /users sent %d times, want 1", n)
		}
	})

	// The lost create was never served (interrupted before Graph had it): the re-run finds no
	// account and makes it, so that earlier request is known not made: "skipped", settled
	// later, instead of staying "unknown" for good beside an account the tenant holds.
	t.Run("CreateAccountMadeAgain", func(t *testing.T) {
		e := newEnv(t, envOptions{timeout: 2 * time.Second})
		lost := lose(e, hire("4"), false)
		e.connect(false) // the next run
		u, created, err := e.client.CreateAccount(e.ctx(), hire("4"))
		if err != nil || !created || u.ID == "" {
			t.Fatalf("re-run: %+v %v %v, want the account made", u, created, err)
		}
		if s := e.settledLater("user.create", lost.OpID); len(s) != 1 || s[0].Result != "skipped" {
			t.Errorf("the create never made was not settled skipped: %+v", e.outcomesOf("user.create"))
		}
	})

	// Another run (another technician, another credentials file) makes the account between
	// this run's look-up by employee ID and its POST: Graph refuses this one (the UPN is
	// taken), and the account with this employee ID is found: the row is done, not failed,
	// and this run's own request is "skipped" (refused: nothing made by it, the tenant holds
	// what it asked for; createtaken.go).
	t.Run("CreateAccountRacedByAnotherRun", func(t *testing.T) {
		e := newEnv(t, envOptions{timeout: 5 * time.Second})
		a := hire("5")
		other := &graphtest.User{UserPrincipalName: a.UserPrincipalName, DisplayName: "Lost 5", GivenName: a.GivenName,
			Surname: a.Surname, EmployeeID: a.EmployeeID, AccountEnabled: true}
		e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/users", Times: 1, Then: func() { e.srv.Tenant().AddUser(other) }})
		u, created, err := e.client.CreateAccount(e.ctx(), a)
		if err != nil || created || u == nil || u.ID != other.ID {
			t.Fatalf("create raced: %+v %v %v, want the other run's account %s found", u, created, err, other.ID)
		}
		outs := e.outcomesOf("user.create")
		if len(outs) != 1 || outs[0].Result != "skipped" {
			t.Errorf("outcomes = %+v, want this run's create refused (skipped)", outs)
		}
		// Looked up by employee ID once, before the create; the refusal's look-up by UPN
		// found the account, which is not looked up again.
		byFilter := map[string]int{}
		for _, r := range e.srv.Requests() {
			if q, err := url.ParseQuery(r.Query); err == nil && r.Method == "GET" && r.Path == "/users" {
				prop, _, _ := strings.Cut(q.Get("$filter"), " ")
				byFilter[prop]++
			}
		}
		if byFilter["employeeId"] != 1 || byFilter["userPrincipalName"] != 1 || len(byFilter) != 2 {
			t.Errorf("users looked up by %v, want once by employee ID and once by name", byFilter)
		}
	})

	t.Run("SettleCreates", func(t *testing.T) {
		e := newEnv(t, envOptions{timeout: 2 * time.Second})
		made := lose(e, hire("2"), true)
		never := lose(e, hire("3"), false)
		e.connect(false) // the next run: its plan skips row 2 (found), and 3 would be created
		e.srv.ResetLog()
		if err := e.client.SettleCreates(e.ctx(), []string{"E882", "E883", "E000"}); err != nil {
			t.Fatal(err)
		}
		if s := e.settledLater("user.create", made.OpID); len(s) != 1 || s[0].Result != "ok" {
			t.Errorf("the create made was not settled ok: %+v", e.outcomesOf("user.create"))
		}
		if s := e.settledLater("user.create", never.OpID); len(s) != 0 {
			t.Errorf("the create never made was settled: %+v", s)
		}
		if n := len(e.srv.Requests()); n != 1 {
			t.Errorf("%d requests, want 1 (the accounts looked up in one go)", n)
		}
		// Nothing open for these employee IDs any more (2 settled, 3 has no account): no request.
		e.connect(false)
		e.srv.ResetLog()
		if err := e.client.SettleCreates(e.ctx(), []string{"E882", "E000"}); err != nil {
			t.Fatal(err)
		}
		if n := len(e.srv.Requests()); n != 0 {
			t.Errorf("%d requests with nothing open, want none", n)
		}
	})
}

// countingLog is the audit log, counting how often the end of it is read back.
type countingLog struct {
	*audit.FileLog
	reads atomic.Int32
}

func (l *countingLog) RecentRecords(ctx context.Context, fn func(audit.Record) error) error {
	l.reads.Add(1)
	return l.FileLog.RecentRecords(ctx, fn)
}

// A run whose creates all find their names taken by the accounts they asked for (another
// run made them) reads the audit log once, for the open intents of earlier runs, not once
// per create: on an HR file of 200 hires and a log of 16 MiB that is 16 MiB read, not 3 GiB.
// The lost create among them is settled all the same.
func TestTakenCreatesReadTheLogOnce(t *testing.T) {
	hire := func(n string) directory.NewAccount {
		return directory.NewAccount{UserPrincipalName: "taken" + n + "@corp.example.com", GivenName: "Taken", Surname: n,
			Password: secret.New("Xy7!kkkkkkkkkkkk")}
	}
	e := newEnv(t, envOptions{timeout: 2 * time.Second})
	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/users", Times: 1, NoAnswer: true})
	if _, _, err := e.client.CreateAccount(e.ctx(), hire("0")); !errors.Is(err, audit.ErrOutcomeUnknown) {
		t.Fatalf("create without an answer: %v, want the outcome unknown", err)
	}
	lost := e.outcomesOf("user.create")[0]
	for _, n := range []string{"1", "2", "3"} {
		a := hire(n)
		e.srv.Tenant().AddUser(&graphtest.User{UserPrincipalName: a.UserPrincipalName, DisplayName: "Taken " + n,
			GivenName: a.GivenName, Surname: a.Surname, AccountEnabled: true})
	}

	log := &countingLog{FileLog: audit.OpenFileLog(e.log)}
	trail := audit.NewTrail(audit.TrailOptions{Sink: log, Actor: audit.Actor{OSUser: "tester", Host: "test"}, Ticket: "INC-2"})
	c, err := graph.Connect(e.ctx(), e.config(), trail)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"0", "1", "2", "3"} {
		if _, _, err := c.CreateAccount(e.ctx(), hire(n)); !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("create %s: %v, want: already exists, made as asked by another run", n, err)
		}
	}
	if n := log.reads.Load(); n != 1 {
		t.Errorf("the audit log was read back %d times, want once", n)
	}
	if !e.settledOK("user.create", lost.OpID) {
		t.Errorf("the lost create was not settled: %+v", e.outcomesOf("user.create"))
	}
}
