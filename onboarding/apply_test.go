package onboarding

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

// counterPasswords hands out distinct, recognisable passwords.
func counterPasswords() PasswordGenerator {
	var n atomic.Int64
	return func(length int) (secret.Secret, error) {
		return secret.New(fmt.Sprintf("Pw-%d-%s", n.Add(1), strings.Repeat("x", length))), nil
	}
}

func statuses(results []Result) map[int]string {
	out := map[int]string{}
	for _, r := range results {
		out[r.Row] = r.Status
	}
	return out
}

// TestApplyAndRerun runs with a directory that adds members one request at a time and with
// one that adds them in bulk (BulkMembers, as AD does): the results must be the same.
func TestApplyAndRerun(t *testing.T) {
	t.Run("per membership", func(t *testing.T) { testApplyAndRerun(t, false) })
	t.Run("in bulk", func(t *testing.T) { testApplyAndRerun(t, true) })
}

func testApplyAndRerun(t *testing.T, bulk bool) {
	ctx := context.Background()
	d := corpDomain()
	var p Provisioner = d
	if bulk {
		p = &bulkDomain{fakeDomain: d}
	}
	plan := planHRExport(t, d)
	josé := entryFor(t, plan, 3)
	// Row 5 cannot be created this time; row 3 is created but one of its groups fails.
	d.failOnce["create E1003"] = true
	d.failOnce["group Engineers "+josé.DN] = true

	var progress []int
	var inProgress atomic.Int32
	results, err := Apply(ctx, plan, p, ApplyOptions{
		Parallel:  3,
		Passwords: counterPasswords(),
		Progress: func(r Result) {
			if inProgress.Add(1) != 1 {
				t.Error("Progress called from two goroutines at once")
			}
			time.Sleep(time.Millisecond)
			progress = append(progress, r.Row)
			inProgress.Add(-1)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(progress) != len(plan.Entries) || len(results) != len(plan.Entries) {
		t.Fatalf("%d progress calls and %d results for %d entries", len(progress), len(results), len(plan.Entries))
	}
	for i := 1; i < len(results); i++ {
		if results[i-1].Row >= results[i].Row {
			t.Fatalf("results not sorted by row: %d before %d", results[i-1].Row, results[i].Row)
		}
	}
	want := map[int]string{
		2: StatusCompleted, // Ana's account exists but is in none of her groups yet
		3: StatusFailed, 4: StatusCreated, 5: StatusFailed, 6: StatusCreated, 7: StatusCreated,
		8: StatusCreated, 9: StatusCreated, 11: StatusSkipped, 12: StatusInvalid, 13: StatusInvalid, 14: StatusInvalid,
		15: StatusCreated, 16: StatusInvalid, 17: StatusInvalid, 18: StatusInvalid, 19: StatusInvalid,
	}
	if got := statuses(results); !reflect.DeepEqual(got, want) {
		t.Errorf("first run statuses:\n got %v\nwant %v", got, want)
	}
	r3 := results[1]
	if r3.Row != 3 || r3.Password.IsZero() || !strings.Contains(r3.Error, "account created, but add to group Engineers") ||
		!reflect.DeepEqual(r3.Groups, []string{"Staff"}) {
		t.Errorf("row 3 = %+v: the account exists, so its password must be kept and the failure explained", r3)
	}
	if r5 := results[3]; r5.Row != 5 || !r5.Password.IsZero() || !strings.Contains(r5.Error, "create account sobrien: add CN=Seán O'Brien") {
		t.Errorf("row 5 = %+v", r5)
	}
	if r := results[0]; !reflect.DeepEqual(r.GroupsAdded, []string{"Staff", "Engineers"}) {
		t.Errorf("row 2 groups added = %v", r.GroupsAdded)
	}
	if r := results[11]; r.Row != 14 || r.Error != "Last Name is empty" {
		t.Errorf("invalid row result = %+v", r)
	}
	if zoe := results[2]; !d.isMember("Helpdesk", zoe.DN) || !d.isMember("Engineers", zoe.DN) || !d.isMember("Staff", zoe.DN) {
		t.Errorf("row 4 (%s) is not in all its groups", zoe.DN)
	}

	// The credentials file holds the accounts created, with their own passwords, and nothing else.
	var creds bytes.Buffer
	if err := WriteCredentialsCSV(&creds, results); err != nil {
		t.Fatal(err)
	}
	lines := readCSVLines(t, creds.String())
	if !reflect.DeepEqual(lines[0], []string{"sam_account_name", "user_principal_name", "display_name", "password", "must_change"}) {
		t.Errorf("credentials header = %q", lines[0])
	}
	wantCreds := map[string]string{"jmuller": "José Müller", "zodegard": "Zoë Ødegård", "rsmithjr": "Bob Smith, Jr.", "mary.jones": "Mary Jones",
		"jsmith2": "John Smith", "jsmith3": "John Smith", "clee": "Chris Lee"}
	if len(lines)-1 != len(wantCreds) {
		t.Errorf("credentials has %d accounts, want %d:\n%s", len(lines)-1, len(wantCreds), creds.String())
	}
	passwords := map[string]bool{}
	for _, l := range lines[1:] {
		if wantCreds[l[0]] != l[2] || l[1] != l[0]+"@corp.example.com" || !strings.HasPrefix(l[3], "Pw-") || len(l[3]) < 16 || l[4] != "true" {
			t.Errorf("credentials line %q", l)
		}
		passwords[l[3]] = true
	}
	if len(passwords) != len(lines)-1 {
		t.Error("two accounts got the same password")
	}

	// No password anywhere else: not in the results file, not in JSON, not in errors.
	var res bytes.Buffer
	if err := WriteResultsCSV(&res, results); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(results)
	for _, out := range []string{res.String(), string(js), fmt.Sprintf("%v %+v", results, results)} {
		if strings.Contains(out, "Pw-") {
			t.Errorf("a password leaked:\n%s", out)
		}
	}
	resLines := readCSVLines(t, res.String())
	if !reflect.DeepEqual(resLines[0], []string{"row", "employee_id", "sam_account_name", "dn", "status", "groups", "error", "note"}) {
		t.Errorf("results header = %q", resLines[0])
	}
	if l := resLines[3]; !reflect.DeepEqual(l, []string{"4", "E1002", "zodegard", "CN=Zoë Ødegård," + engOU, "created", "Staff;Engineers;Helpdesk", "", ""}) {
		t.Errorf("results line for row 4 = %q", l)
	}

	// Run again from a fresh plan, as an admin would after fixing nothing: the failed row is
	// created, the half-done row completed, and nobody is created twice.
	createdBefore := len(d.users)
	plan2 := planHRExport(t, d)
	results2, err := Apply(ctx, plan2, p, ApplyOptions{Passwords: counterPasswords()})
	if err != nil {
		t.Fatal(err)
	}
	want2 := map[int]string{}
	for row, s := range want {
		switch {
		case s == StatusInvalid:
			want2[row] = s
		default:
			want2[row] = StatusSkipped
		}
	}
	want2[3] = StatusCompleted // Engineers added now
	want2[5] = StatusCreated
	if got := statuses(results2); !reflect.DeepEqual(got, want2) {
		t.Errorf("second run statuses:\n got %v\nwant %v", got, want2)
	}
	if r3 := results2[1]; !reflect.DeepEqual(r3.GroupsAdded, []string{"Engineers"}) || !r3.Password.IsZero() {
		t.Errorf("second run row 3 = %+v", r3)
	}
	if len(d.users) != createdBefore+1 {
		t.Errorf("second run created %d accounts, want 1", len(d.users)-createdBefore)
	}
	for id, n := range d.creates {
		if n != 1 {
			t.Errorf("employee %s created %d times", id, n)
		}
	}
	creds.Reset()
	if err := WriteCredentialsCSV(&creds, results2); err != nil {
		t.Fatal(err)
	}
	if lines := readCSVLines(t, creds.String()); len(lines) != 2 || lines[1][0] != "sobrien" {
		t.Errorf("second run credentials = %q, want only the account it created", lines)
	}

	// A third run has nothing left to do.
	results3, err := Apply(ctx, planHRExport(t, d), p, ApplyOptions{Passwords: counterPasswords()})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results3 {
		if r.Status != StatusSkipped && r.Status != StatusInvalid {
			t.Errorf("third run row %d: %s", r.Row, r.Status)
		}
	}
	if bulk {
		if n := d.calls["AddNewMember"] + d.calls["EnsureMember"]; n != 0 {
			t.Errorf("%d memberships were added one request each with a directory that adds them in bulk", n)
		}
		if d.calls["AddMembers"] == 0 || d.calls["AddMembers"] >= d.asked["AddMembers"] {
			t.Errorf("%d bulk requests for %d memberships: want several accounts a request", d.calls["AddMembers"], d.asked["AddMembers"])
		}
	}
}

// TestApplyCreateFindsExisting covers the race the plan cannot see: the account appeared
// between plan and apply (another technician, or a crash right after the create).
func TestApplyCreateFindsExisting(t *testing.T) {
	ctx := context.Background()
	d := newFakeDomain()
	plan, err := Plan(ctx, sheetOf(t, "First Name,Last Name,Employee ID,Department\nAna,Lee,7,Engineering\n"), loadTestTemplate(t), d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(ctx, plan, d, ApplyOptions{Passwords: counterPasswords()}); err != nil {
		t.Fatal(err)
	}
	d.members = map[string]map[string]bool{} // the crash happened before the groups
	results, err := Apply(ctx, plan, d, ApplyOptions{Passwords: counterPasswords()})
	if err != nil {
		t.Fatal(err)
	}
	r := results[0]
	if r.Status != StatusCompleted || !r.Password.IsZero() || !reflect.DeepEqual(r.GroupsAdded, []string{"Staff", "Engineers"}) {
		t.Errorf("result = %+v: want completed, no new password", r)
	}
	if !strings.Contains(r.Note, "employee ID 7 already had an account") || r.Error != "" {
		t.Errorf("note %q, error %q: want the note to say the account existed already, and no error", r.Note, r.Error)
	}
	if d.creates["7"] != 1 {
		t.Errorf("created %d times", d.creates["7"])
	}
}

func TestApplyParallelism(t *testing.T) {
	var b strings.Builder
	b.WriteString("First Name,Last Name,Employee ID\n")
	for i := range 40 {
		fmt.Fprintf(&b, "Person,Number%d,%d\n", i, i)
	}
	plan, err := Plan(context.Background(), sheetOf(t, b.String()), loadTestTemplate(t), newFakeDomain())
	if err != nil {
		t.Fatal(err)
	}
	p := &slowProvisioner{fakeDomain: newFakeDomain()}
	if _, err := Apply(context.Background(), plan, p, ApplyOptions{Parallel: 5, Passwords: counterPasswords()}); err != nil {
		t.Fatal(err)
	}
	if p.peak != 5 {
		t.Errorf("at most %d rows ran at once, want 5", p.peak)
	}
}

type slowProvisioner struct {
	*fakeDomain
	mu        sync.Mutex
	now, peak int
}

func (p *slowProvisioner) CreateAccount(ctx context.Context, a NewAccount) (*directory.User, bool, error) {
	p.mu.Lock()
	p.now++
	p.peak = max(p.peak, p.now)
	p.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	p.mu.Lock()
	p.now--
	p.mu.Unlock()
	return p.fakeDomain.CreateAccount(ctx, a)
}

func TestApplyCancelled(t *testing.T) {
	plan := planHRExport(t, corpDomain())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := corpDomain()
	results, err := Apply(ctx, plan, d, ApplyOptions{Passwords: counterPasswords()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if len(results) != len(plan.Entries) {
		t.Fatalf("%d results for %d entries", len(results), len(plan.Entries))
	}
	notStarted := 0
	for _, r := range results {
		if r.Status == StatusCreated || r.Status == StatusCompleted {
			t.Errorf("row %d was worked on after cancellation", r.Row)
		}
		if r.Status == StatusFailed {
			t.Errorf("row %d is failed (%s): a row an interrupt kept from starting did not fail", r.Row, r.Error)
		}
		if r.Status == StatusNotAttempted {
			notStarted++
			if r.Error != "not started: interrupted" || strings.Contains(r.Error, "unreachable") {
				t.Errorf("row %d says %q; want \"not started: interrupted\"", r.Row, r.Error)
			}
		}
	}
	if notStarted == 0 {
		t.Error("no row reports that it was not started")
	}
	if d.calls["CreateAccount"] != 0 {
		t.Error("accounts created after cancellation")
	}
}

func TestApplyNeedsPasswords(t *testing.T) {
	_, err := Apply(context.Background(), planHRExport(t, corpDomain()), corpDomain(), ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), "no password generator") {
		t.Errorf("error = %v", err)
	}
}

func TestApplyPasswordFailure(t *testing.T) {
	plan, err := Plan(context.Background(), sheetOf(t, "First Name,Last Name,Employee ID\nAna,Lee,1\n"), loadTestTemplate(t), newFakeDomain())
	if err != nil {
		t.Fatal(err)
	}
	var asked int
	gen := func(length int) (secret.Secret, error) {
		asked = length
		return secret.Secret{}, errors.New("entropy exhausted")
	}
	d := newFakeDomain()
	results, err := Apply(context.Background(), plan, d, ApplyOptions{Passwords: gen})
	if err != nil {
		t.Fatal(err)
	}
	if asked != 16 || results[0].Status != StatusFailed || results[0].Error != "generate password: entropy exhausted" || d.calls["CreateAccount"] != 0 {
		t.Errorf("length asked %d, result %+v", asked, results[0])
	}
}

func readCSVLines(t *testing.T, s string) [][]string {
	t.Helper()
	lines, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// cancellingBulk cancels the run right after its first create, as Ctrl-C would.
type cancellingBulk struct {
	*bulkDomain
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancellingBulk) CreateAccount(ctx context.Context, a NewAccount) (*directory.User, bool, error) {
	u, created, err := c.bulkDomain.CreateAccount(ctx, a)
	c.once.Do(c.cancel)
	return u, created, err
}

// TestApplyBulkInterruptedWhileWaiting: a row whose account was created and which was waiting
// for its groups' request when the run was interrupted says so, keeps its password, and is
// interrupted, not failed; no request is made for it after the interrupt.
func TestApplyBulkInterruptedWhileWaiting(t *testing.T) {
	d := corpDomain()
	plan := planHRExport(t, d)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &cancellingBulk{bulkDomain: &bulkDomain{fakeDomain: d}, cancel: cancel}
	results, err := Apply(ctx, plan, p, ApplyOptions{Parallel: 1, Passwords: counterPasswords()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	var created []Result
	for _, r := range results {
		if !r.Password.IsZero() {
			created = append(created, r)
		}
	}
	if len(created) != 1 {
		t.Fatalf("%d rows have a password, want the 1 created before the interrupt", len(created))
	}
	r := created[0]
	if r.Status != StatusInterrupted || !strings.HasPrefix(r.Error, "account created, but groups ") ||
		!strings.Contains(r.Error, "not added: interrupted") || len(r.Groups) != 0 {
		t.Errorf("the row created before the interrupt: status %s, error %q, groups %v; want interrupted, its groups not added",
			r.Status, r.Error, r.Groups)
	}
	if n := d.calls["AddMembers"]; n != 0 {
		t.Errorf("%d membership requests after the interrupt", n)
	}
}
