package onboarding

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/adkit-dev/adkit/internal/directory"
)

// TestApplyNewAccountsJoinGroupsWithOneWrite: an account this run created joins its groups
// through AddNewMember (one modify each, no look-ups); an account that existed goes through
// EnsureMember, which looks first.
func TestApplyNewAccountsJoinGroupsWithOneWrite(t *testing.T) {
	ctx := context.Background()
	d := newFakeDomain(&directory.User{DN: "CN=Old Hand," + staffOU, SAMAccountName: "ohand", EmployeeID: "9"})
	plan, err := Plan(ctx, sheetOf(t, "First Name,Last Name,Employee ID,Department\nAna,Lee,1,Engineering\nBo,Ek,2,\nOld,Hand,9,\n"),
		loadTestTemplate(t), d)
	if err != nil {
		t.Fatal(err)
	}
	results, err := Apply(ctx, plan, d, ApplyOptions{Passwords: counterPasswords()})
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(results); !reflect.DeepEqual(got, map[int]string{2: StatusCreated, 3: StatusCreated, 4: StatusCompleted}) {
		t.Errorf("statuses = %v", got)
	}
	// Ana: Staff and Engineers; Bo: Staff — new accounts, one write each. Old Hand: Staff.
	if d.calls["AddNewMember"] != 3 || d.calls["EnsureMember"] != 1 {
		t.Errorf("AddNewMember %d times, EnsureMember %d times; want 3 (the new accounts' groups) and 1 (the existing account's)",
			d.calls["AddNewMember"], d.calls["EnsureMember"])
	}
	if !d.isMember("Engineers", results[0].DN) || !d.isMember("Staff", results[1].DN) || !d.isMember("Staff", results[2].DN) {
		t.Error("a membership is missing")
	}
}

// unreachableAt is a directory that goes away when a given employee's account is created
// (or, with group set, when that account joins that group).
type unreachableAt struct {
	*fakeDomain
	employee, group string
	cause           error
	mu              sync.Mutex
	gone            bool
	afterwards      []string // calls made after the directory went away
}

func (u *unreachableAt) down(what string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.gone {
		u.afterwards = append(u.afterwards, what)
		return fmt.Errorf("%s: %w", what, u.cause)
	}
	return nil
}

func (u *unreachableAt) fail() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.gone = true
	return u.cause
}

func (u *unreachableAt) CreateAccount(ctx context.Context, a NewAccount) (*directory.User, bool, error) {
	if err := u.down("create " + a.EmployeeID); err != nil {
		return nil, false, err
	}
	if a.EmployeeID == u.employee && u.group == "" {
		return nil, false, fmt.Errorf("create %s: %w", a.SAMAccountName, u.fail())
	}
	return u.fakeDomain.CreateAccount(ctx, a)
}

func (u *unreachableAt) AddNewMember(ctx context.Context, group string, acc *directory.User) (bool, error) {
	if err := u.down("group " + group + " " + acc.EmployeeID); err != nil {
		return false, err
	}
	if acc.EmployeeID == u.employee && group == u.group {
		return false, fmt.Errorf("add %s to %s: %w", acc.SAMAccountName, group, u.fail())
	}
	return u.fakeDomain.AddNewMember(ctx, group, acc)
}

var (
	errConnLost = &testNetError{"the connection to the domain controller was lost", directory.ErrUnreachable}
	errTimedOut = &testNetError{"the domain controller did not answer in time (--timeout)", errors.Join(directory.ErrTimeout, directory.ErrUnreachable)}
)

type testNetError struct {
	msg   string
	class error
}

func (e *testNetError) Error() string { return e.msg }
func (e *testNetError) Unwrap() error { return e.class }

func tenHires(t *testing.T) *PlanResult {
	t.Helper()
	var b strings.Builder
	b.WriteString("First Name,Last Name,Employee ID,Department\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&b, "Person,Number%c,%d,Engineering\n", 'a'+i, i)
	}
	b.WriteString("Bad,,11,\n") // invalid: it stays invalid whatever happens to the directory
	plan, err := Plan(context.Background(), sheetOf(t, b.String()), loadTestTemplate(t), newFakeDomain())
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestApplyStopsStartingRowsWhenUnreachable: once the directory is unreachable no row is
// started — before the fix every remaining row was tried and waited for --timeout — and the
// rows left are not_attempted, saying why and what to do.
func TestApplyStopsStartingRowsWhenUnreachable(t *testing.T) {
	for name, tc := range map[string]struct {
		cause error
		group string
		says  string
	}{
		"connection lost at a create":    {errConnLost, "", "the domain controller is unreachable (first seen on row 5: create account"},
		"timeout at a create":            {errTimedOut, "", "the domain controller stopped answering (a request timed out) (first seen on row 5"},
		"connection lost at a group add": {errConnLost, "Engineers", "the domain controller is unreachable (first seen on row 5: add"},
	} {
		t.Run(name, func(t *testing.T) {
			plan := tenHires(t)
			p := &unreachableAt{fakeDomain: newFakeDomain(), employee: "4", group: tc.group, cause: tc.cause}
			results, err := Apply(context.Background(), plan, p, ApplyOptions{Parallel: 1, Passwords: counterPasswords()})
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]string{2: StatusCreated, 3: StatusCreated, 4: StatusCreated, 5: StatusFailed, 12: StatusInvalid}
			for row := 6; row <= 11; row++ {
				want[row] = StatusNotAttempted
			}
			if got := statuses(results); !reflect.DeepEqual(got, want) {
				t.Errorf("statuses:\n got %v\nwant %v", got, want)
			}
			if len(p.afterwards) > 0 {
				t.Errorf("the directory was called after it went away: %v", p.afterwards)
			}
			r := results[5] // row 7
			if !strings.HasPrefix(r.Error, "not attempted: "+tc.says) || !strings.HasSuffix(r.Error, "; re-run the same command to finish") {
				t.Errorf("row 7 says %q; want it to begin %q and say to re-run", r.Error, "not attempted: "+tc.says)
			}
			if tc.group != "" {
				// The row under way created its account, got Staff, failed on Engineers.
				r5 := results[3]
				if !strings.HasPrefix(r5.Error, "account created, but add to group Engineers: ") || r5.Password.IsZero() ||
					!reflect.DeepEqual(r5.Groups, []string{"Staff"}) {
					t.Errorf("row 5 = %+v", r5)
				}
			}
		})
	}
}

// TestApplyStopsBetweenGroupsWhenUnreachable: a row under way stops between its groups once
// another row found the directory gone, and says which groups were not added.
func TestApplyStopsBetweenGroupsWhenUnreachable(t *testing.T) {
	plan, err := Plan(context.Background(), sheetOf(t, "First Name,Last Name,Employee ID,Department,Job Title\nAna,Lee,1,Engineering,Help Desk Technician\n"),
		loadTestTemplate(t), newFakeDomain())
	if err != nil {
		t.Fatal(err)
	}
	p := &unreachableAt{fakeDomain: newFakeDomain(), employee: "1", group: "Engineers", cause: errConnLost}
	results, err := Apply(context.Background(), plan, p, ApplyOptions{Passwords: counterPasswords()})
	if err != nil {
		t.Fatal(err)
	}
	r := results[0]
	if r.Status != StatusFailed || !strings.Contains(r.Error, "add to group Engineers: ") ||
		!strings.Contains(r.Error, "groups Helpdesk not added: the domain controller is unreachable") ||
		!strings.HasSuffix(r.Error, "re-run the same command to finish") || len(p.afterwards) > 0 {
		t.Errorf("result %+v, calls after the failure %v", r, p.afterwards)
	}
}

// TestApplySetsNewHireManagers: a manager who starts with their team is set once both
// accounts exist, whatever order the rows are in; a run that could not set it is finished by
// the next, which changes nothing more after that.
func TestApplySetsNewHireManagers(t *testing.T) {
	ctx := context.Background()
	d := newFakeDomain()
	// Row 2's manager is row 4's new hire; row 4's is row 3's; row 3's is in the directory.
	d.users = append(d.users, &directory.User{DN: anaDN, SAMAccountName: "alead", Mail: "ana.lead@corp.example.com", EmployeeID: "E0999"})
	csv := "First Name,Last Name,Employee ID,Manager Email\n" +
		"Ivo,Report,1,bea.boss@corp.example.com\n" +
		"Cy,Chief,2,ana.lead@corp.example.com\n" +
		"Bea,Boss,3,cy.chief@corp.example.com\n"
	plan, err := Plan(ctx, sheetOf(t, csv), loadTestTemplate(t), d)
	if err != nil {
		t.Fatal(err)
	}
	ivo, cy, bea := entryFor(t, plan, 2), entryFor(t, plan, 3), entryFor(t, plan, 4)
	if ivo.ManagerRow != 4 || ivo.Manager != bea.DN || bea.ManagerRow != 3 || bea.Manager != cy.DN || cy.ManagerRow != 0 || cy.Manager != anaDN {
		t.Fatalf("plan: Ivo's manager %q (row %d), Bea's %q (row %d), Cy's %q (row %d)", ivo.Manager, ivo.ManagerRow, bea.Manager, bea.ManagerRow, cy.Manager, cy.ManagerRow)
	}
	if len(ivo.Warnings)+len(bea.Warnings) != 0 {
		t.Errorf("warnings %q %q: a manager in the same file is not a problem", ivo.Warnings, bea.Warnings)
	}

	// The first run cannot set Ivo's manager.
	d.failOnce["manager "+ivo.DN] = true
	results, err := Apply(ctx, plan, d, ApplyOptions{Parallel: 3, Passwords: counterPasswords()})
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(results); !reflect.DeepEqual(got, map[int]string{2: StatusFailed, 3: StatusCreated, 4: StatusCreated}) {
		t.Errorf("first run statuses %v", got)
	}
	if r := results[0]; !strings.HasPrefix(r.Error, "account created, but set manager bea.boss@corp.example.com: ") || r.Password.IsZero() {
		t.Errorf("row 2 = %+v", r)
	}
	if r := results[2]; r.ManagerSet != cy.DN {
		t.Errorf("row 4 manager set = %q, want %s", r.ManagerSet, cy.DN)
	}
	managers := func() map[string]string {
		out := map[string]string{}
		for _, u := range d.users {
			out[u.EmployeeID] = u.Manager
		}
		return out
	}
	if m := managers(); m["1"] != "" || m["2"] != anaDN || m["3"] != cy.DN {
		t.Errorf("managers after the first run: %v", m)
	}

	// The re-run sets it: Ivo's account exists and has no manager.
	plan2, err := Plan(ctx, sheetOf(t, csv), loadTestTemplate(t), d)
	if err != nil {
		t.Fatal(err)
	}
	if e := entryFor(t, plan2, 2); e.Action != ActionSkip || e.Manager != bea.DN || !strings.Contains(e.Reason, "it has no manager: apply sets bea.boss@corp.example.com") {
		t.Errorf("re-plan row 2: %s manager %q reason %q", e.Action, e.Manager, e.Reason)
	}
	results2, err := Apply(ctx, plan2, d, ApplyOptions{Passwords: counterPasswords()})
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(results2); !reflect.DeepEqual(got, map[int]string{2: StatusCompleted, 3: StatusSkipped, 4: StatusSkipped}) {
		t.Errorf("second run statuses %v", got)
	}
	if m := managers(); m["1"] != bea.DN {
		t.Errorf("Ivo's manager after the re-run: %q, want %s", m["1"], bea.DN)
	}

	// Nothing left: no manager is set again.
	before := d.calls["SetManager"]
	results3, err := Apply(ctx, mustPlan(t, csv, d), d, ApplyOptions{Passwords: counterPasswords()})
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(results3); !reflect.DeepEqual(got, map[int]string{2: StatusSkipped, 3: StatusSkipped, 4: StatusSkipped}) || d.calls["SetManager"] != before {
		t.Errorf("third run statuses %v, SetManager calls %d", got, d.calls["SetManager"]-before)
	}
}

// TestApplyNewHireManagerWhoseRowFailed: the manager's account could not be created, so the
// report's manager cannot be set; the row says so and that a re-run finishes it.
func TestApplyNewHireManagerWhoseRowFailed(t *testing.T) {
	ctx := context.Background()
	d := newFakeDomain()
	csv := "First Name,Last Name,Employee ID,Manager Email\nIvo,Report,1,bea.boss@corp.example.com\nBea,Boss,3,\n"
	plan := mustPlan(t, csv, d)
	d.failOnce["create 3"] = true
	results, err := Apply(ctx, plan, d, ApplyOptions{Passwords: counterPasswords()})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.Status != StatusFailed ||
		r.Error != "account created, but manager bea.boss@corp.example.com (row 3) has no account yet, so it is not set: run apply again once row 3 is done" {
		t.Errorf("row 2 = %s %q", r.Status, r.Error)
	}
	results, err = Apply(ctx, mustPlan(t, csv, d), d, ApplyOptions{Passwords: counterPasswords()})
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(results); !reflect.DeepEqual(got, map[int]string{2: StatusCompleted, 3: StatusCreated}) {
		t.Errorf("second run statuses %v (%+v)", got, results)
	}
}

func mustPlan(t *testing.T, csv string, d Directory) *PlanResult {
	t.Helper()
	plan, err := Plan(context.Background(), sheetOf(t, csv), loadTestTemplate(t), d)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}
