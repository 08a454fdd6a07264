package graph_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

// The neighbours of `user create` on Entra ID (docs/entra-helpdesk.md, "Testing: the
// neighbours of every write"): refused for want of a permission, interrupted after its
// intent, and two runs creating one account at once.

func newHire(given string) directory.NewUser {
	return directory.NewUser{GivenName: given, Surname: "Neighbour", UserPrincipalName: "nb.hire@corp.example.com",
		EmployeeID: "E7701", Password: secret.New("Xy7!kkkkkkkkkkkk")}
}

func createWrite(nu directory.NewUser) helpdeskWrite {
	return helpdeskWrite{name: "create", action: "user.create", path: "/users", perm: "User.ReadWrite.All", who: nu.UserPrincipalName,
		run: func(ctx context.Context, e *env) error {
			_, err := e.client.CreateUser(ctx, nu)
			return err
		},
		made: func(e *env) bool { return e.srv.Tenant().User(nu.UserPrincipalName) != nil }}
}

// 403: ErrPermission (exit 1) naming the account and User.ReadWrite.All, no account, "error".
func TestCreateRefusedForPermission(t *testing.T) {
	w := createWrite(newHire("Nina"))
	testRefusedForPermission(t, w.action, w.path, w.perm, w.who, w.run, w.made)
}

// Ctrl-C once POST /users is at Graph, which makes the account: "unknown", never "error".
// The technician runs the same command again: it finds the account, as it asked for it, and
// settles the lost create ("ok", settled later, same op_id); it sets no password of its own
// and says so (exit 2: the name is taken), and sends no second create.
func TestCreateInterruptedThenRunAgain(t *testing.T) {
	nu := newHire("Nina")
	e := testWithoutAnswer(t, createWrite(nu), true)
	lost := e.outcomesOf("user.create")[0]
	e.connect(false) // the next run
	_, err := e.client.CreateUser(e.ctx(), nu)
	if !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "already exists") ||
		!strings.Contains(err.Error(), "reset-password") || !strings.Contains(err.Error(), nu.UserPrincipalName) {
		t.Errorf("re-run: %v, want: already exists as asked, no password set, what to do", err)
	}
	for _, r := range e.outcomesOf("user.create") {
		if r.Result == "error" {
			t.Errorf("outcome error (%s): the account is in the tenant as asked", r.Error)
		}
	}
	if !e.settledOK("user.create", lost.OpID) {
		t.Errorf("the lost create was not settled: %+v", e.outcomesOf("user.create"))
	}
	if n := e.srv.Count("POST", "/users"); n != 1 {
		t.Errorf("POST /users sent %d times, want 1", n)
	}
}

// Two technicians create one account at once: one creates it; the other finds the name taken
// (exit 2) and records "skipped", not "error", since the tenant holds the account it asked
// for; it sets no password and says so. When the account there is not the one that run asked
// for (other names), its refusal stays "error" and says how it differs.
func TestConcurrentCreates(t *testing.T) {
	for _, same := range []bool{true, false} {
		name := "as asked"
		if !same {
			name = "another account"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			// No employee ID: both runs always reach POST /users (with one, the later run may
			// find the account before sending anything, and record nothing).
			hires := []directory.NewUser{newHire("Nina"), newHire("Nina")}
			if !same {
				hires[1] = newHire("Nora")
			}
			for i := range hires {
				hires[i].EmployeeID = ""
			}
			clients := make([]*graph.Client, 2)
			for i := range clients {
				e.connect(false)
				clients[i] = e.client
			}
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = clients[i].CreateUser(e.ctx(), hires[i])
				}()
			}
			wg.Wait()
			won := 0
			if errs[0] != nil {
				won = 1
			}
			lost := errs[1-won]
			if errs[won] != nil || !errors.Is(lost, directory.ErrInvalidInput) || !strings.Contains(lost.Error(), "already exists") {
				t.Fatalf("errs = %v, want one created and the other refused: already exists (exit 2)", errs)
			}
			u := e.srv.Tenant().User("nb.hire@corp.example.com")
			if u == nil || u.GivenName != hires[won].GivenName {
				t.Fatalf("tenant: %+v, want the winner's account", u)
			}
			results := map[string]int{}
			for _, r := range e.outcomesOf("user.create") {
				results[r.Result]++
			}
			want := map[string]int{"ok": 1, "skipped": 1}
			if same && !strings.Contains(lost.Error(), "reset-password") {
				t.Errorf("err = %v, want it to say this run set no password and what to do", lost)
			}
			if !same {
				want = map[string]int{"ok": 1, "error": 1}
				if !strings.Contains(lost.Error(), "not the account this run asked for") {
					t.Errorf("err = %v, want it to say the account there is another", lost)
				}
			}
			if len(results) != len(want) || results["ok"] != want["ok"] || results["skipped"] != want["skipped"] || results["error"] != want["error"] {
				t.Errorf("outcomes %v, want %v", results, want)
			}
		})
	}
}
