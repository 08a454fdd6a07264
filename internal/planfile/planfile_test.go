package planfile

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

var (
	planner  = audit.Actor{OSUser: "alice", Host: "ws1", BindIdentity: "alice@corp.example.com"}
	approver = audit.Actor{OSUser: "bob", Host: "ws2", BindIdentity: "bob@corp.example.com"}
	created  = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
)

func writePlan(t *testing.T) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hires.plan")
	f := &File{Kind: KindOnboard, CreatedAt: created, PlannedBy: planner, Directory: "ad", Server: "dc1", Domain: "DC=corp",
		Inputs: []Input{{Role: "csv", Path: "hires.csv", SHA256: strings.Repeat("a", 64)}},
		Rows:   []Row{NewRow(2, "create", "jsmith", []Fact{{"name:jsmith", Free}, {"ou:OU=Staff", Exists}})},
		Plan:   json.RawMessage(`{"entries":[{"row":2,"sam_account_name":"jsmith","note":"<&>"}]}`)}
	sum, err := Write(path, f)
	if err != nil {
		t.Fatal(err)
	}
	return path, sum
}

func TestWriteReadRoundTrip(t *testing.T) {
	path, sum := writePlan(t)
	l, err := Read(path)
	if err != nil {
		t.Fatalf("a plan as written must read back: %v", err)
	}
	if l.SHA256 != sum || l.Kind != KindOnboard || len(l.Rows) != 1 || l.PlannedBy != planner {
		t.Fatalf("read back %+v (sha %s), want the plan written (sha %s)", l.File, l.SHA256, sum)
	}
	if _, err := Write(path, &File{Kind: KindOnboard}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("a plan must never be overwritten, got %v", err)
	}
}

func TestEditedPlanRefused(t *testing.T) {
	for name, edit := range map[string]func(string) string{
		"a username": func(s string) string {
			return strings.Replace(s, `"sam_account_name": "jsmith"`, `"sam_account_name": "jsmith9"`, 1)
		},
		"the planner":        func(s string) string { return strings.Replace(s, `"os_user": "alice"`, `"os_user": "carol"`, 1) },
		"a fact":             func(s string) string { return strings.Replace(s, `"value": "free"`, `"value": "taken"`, 1) },
		"the creation time":  func(s string) string { return strings.Replace(s, "2026-12-01T09", "2026-12-09T09", 1) },
		"the kind of action": func(s string) string { return strings.Replace(s, `"action": "create"`, `"action": "skip"`, 1) },
	} {
		t.Run(name, func(t *testing.T) {
			path, _ := writePlan(t)
			data, _ := os.ReadFile(path)
			edited := edit(string(data))
			if edited == string(data) {
				t.Fatal("the edit changed nothing; fix the test")
			}
			os.WriteFile(path, []byte(edited), 0o600)
			_, err := Read(path)
			var re *RefusedError
			if !errors.As(err, &re) || !errors.Is(err, ErrRefused) || !errors.Is(err, directory.ErrInvalidInput) {
				t.Fatalf("edited plan: want a refusal (exit 2), got %v", err)
			}
			if !strings.Contains(err.Error(), "edited after it was planned") {
				t.Fatalf("the message must say the file was edited: %v", err)
			}
		})
	}
}

// A plan path that does not exist is the technician's to correct: invalid input (exit 2),
// like any other input file, with the path and the reason in the message.
func TestMissingPlanIsInvalidInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no.plan")
	_, err := Read(path)
	if !errors.Is(err, directory.ErrInvalidInput) || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v; want invalid input wrapping not-exist, naming %s", err, path)
	}
}

func TestReindentedPlanStillReads(t *testing.T) {
	path, _ := writePlan(t)
	data, _ := os.ReadFile(path)
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, buf.Bytes(), 0o600)
	if _, err := Read(path); err != nil {
		t.Fatalf("whitespace is not content: %v", err)
	}
}

func TestAge(t *testing.T) {
	path, _ := writePlan(t)
	l, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.CheckAge(created.Add(6*24*time.Hour), 7*24*time.Hour); err != nil {
		t.Fatalf("six days old, a week allowed: %v", err)
	}
	err = l.CheckAge(created.Add(8*24*time.Hour), 7*24*time.Hour)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "plan_max_age") {
		t.Fatalf("eight days old: want a refusal naming plan_max_age, got %v", err)
	}
}

func TestCompare(t *testing.T) {
	planned := []Row{
		NewRow(2, "create", "jsmith", []Fact{{"name:jsmith", Free}, {"ou:OU=Staff", Exists}}),
		NewRow(3, "create", "bjones", []Fact{{"name:bjones", Free}}),
	}
	now := []Row{
		NewRow(2, "create", "jsmith", []Fact{{"ou:OU=Staff", Exists}, {"name:jsmith", Free}}), // order does not matter
		NewRow(3, "create", "bjones", []Fact{{"name:bjones", Taken}}),
	}
	d := Compare(planned, now)
	if len(d) != 1 || d[0].Row != 3 || len(d[0].Changes) != 1 || d[0].Changes[0] != "name:bjones: was free, now taken" {
		t.Fatalf("got %+v, want row 3 only: name:bjones was free, now taken", d)
	}
	msg := (&DriftError{Path: "p", Drifts: d}).Error()
	if !strings.Contains(msg, "row 3 (bjones): name:bjones: was free, now taken") {
		t.Fatalf("the message must list the row: %s", msg)
	}
}

// logWith writes an audit log holding a plan.approve operation by actor for the plan hash,
// and returns the log's path and the op_id.
func logWith(t *testing.T, actor audit.Actor, planSHA string) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail := audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(path), Actor: actor, Ticket: "CHG-1"})
	var op string
	err := trail.Do(context.Background(), audit.Operation{Action: ApprovalAction, Directory: "ad", Target: audit.Target{ID: planSHA, Name: "hires.plan"}},
		func(ctx context.Context) error { op = audit.OperationID(ctx); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return path, op
}

func verdictsFor(t *testing.T, l *Loaded, logPath string, as []Approval) []Verdict {
	t.Helper()
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vs, err := Checker{Log: f}.Check(l, as)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestApprovals(t *testing.T) {
	path, sum := writePlan(t)
	l, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	logPath, op := logWith(t, approver, sum)
	good := Approval{PlanSHA256: sum, Approver: approver, OpID: op, Ticket: "CHG-1"}

	cases := []struct {
		name string
		a    Approval
		why  string
	}{
		{"by another technician, in the log", good, ""},
		{"of another version of the plan", func() Approval { a := good; a.PlanSHA256 = strings.Repeat("0", 64); return a }(), "another version"},
		{"by the planner", func() Approval { a := good; a.Approver = planner; return a }(), "the approver is the planner"},
		{"by the planner under another directory login", func() Approval {
			a := good
			a.Approver = audit.Actor{OSUser: "alice", Host: "ws9", BindIdentity: "admin-alice@corp.example.com"}
			return a
		}(), "the approver is the planner"},
		{"forged: no record in the log", func() Approval { a := good; a.OpID = strings.Repeat("f", 32); return a }(), "no plan.approve record"},
		{"forged: a real op_id under another name", func() Approval {
			a := good
			a.Approver = audit.Actor{OSUser: "carol", Host: "ws3", BindIdentity: "carol@corp.example.com"}
			return a
		}(), "does not match its plan.approve record"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vs := verdictsFor(t, l, logPath, []Approval{c.a})
			if c.why == "" {
				if !vs[0].Counted {
					t.Fatalf("want counted, got: %s", vs[0].Why)
				}
				if err := RequireApprovals(l, vs, 1); err != nil {
					t.Fatalf("one approval required, one given: %v", err)
				}
				return
			}
			if vs[0].Counted || !strings.Contains(vs[0].Why, c.why) {
				t.Fatalf("want not counted (%s), got counted=%v why=%q", c.why, vs[0].Counted, vs[0].Why)
			}
			if err := RequireApprovals(l, vs, 1); !errors.Is(err, ErrRefused) {
				t.Fatalf("want the plan refused, got %v", err)
			}
		})
	}

	t.Run("the same approver twice counts once", func(t *testing.T) {
		vs := verdictsFor(t, l, logPath, []Approval{good, good})
		if n := len(Counted(vs)); n != 1 {
			t.Fatalf("counted %d, want 1", n)
		}
		if err := RequireApprovals(l, vs, 2); err == nil {
			t.Fatal("two approvals required, one person approved twice: want a refusal")
		}
	})
}

func TestApplierIsNotApprover(t *testing.T) {
	path, sum := writePlan(t)
	l, _ := Read(path)
	logPath, op := logWith(t, approver, sum)
	f, _ := os.Open(logPath)
	defer f.Close()
	// Bob approved; bob also applies: a plan file claiming someone else planned it must not
	// let one person be both the implementer and the second pair of eyes.
	vs, err := Checker{Log: f, Applier: &approver}.Check(l, []Approval{{PlanSHA256: sum, Approver: approver, OpID: op}})
	if err != nil {
		t.Fatal(err)
	}
	if vs[0].Counted || !strings.Contains(vs[0].Why, "the one applying") {
		t.Fatalf("want not counted (approver applies), got %+v", vs[0])
	}
}

func TestSignedApprovals(t *testing.T) {
	path, sum := writePlan(t)
	l, _ := Read(path)
	logPath, op := logWith(t, approver, sum)
	dir := t.TempDir()
	bobPub, _, err := audit.GenerateSigningKey(filepath.Join(dir, "bob.key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := audit.GenerateSigningKey(filepath.Join(dir, "mallory.key")); err != nil {
		t.Fatal(err)
	}
	bobKey, _ := audit.LoadSigningKey(filepath.Join(dir, "bob.key"))
	malKey, _ := audit.LoadSigningKey(filepath.Join(dir, "mallory.key"))
	pub, _ := audit.LoadPublicKey(bobPub)
	approvers := map[string]ed25519.PublicKey{"bob": pub}

	check := func(a Approval) Verdict {
		f, _ := os.Open(logPath)
		defer f.Close()
		vs, err := Checker{Log: f, Approvers: approvers}.Check(l, []Approval{a})
		if err != nil {
			t.Fatal(err)
		}
		return vs[0]
	}
	base := Approval{PlanSHA256: sum, Approver: approver, OpID: op, Time: "2026-12-01T10:00:00Z", Ticket: "CHG-1"}

	signed := base
	signed.Sign(bobKey)
	if v := check(signed); !v.Counted {
		t.Fatalf("bob's signed approval: %s", v.Why)
	}
	if v := check(base); v.Counted || !strings.Contains(v.Why, "not signed") {
		t.Fatalf("unsigned approval with approvers set: want not counted, got %+v", v)
	}
	forged := base
	forged.Sign(malKey) // someone who can write the log and the approvals file, but has not bob's key
	if v := check(forged); v.Counted || !strings.Contains(v.Why, "not by bob's registered key") {
		t.Fatalf("approval signed with another key: want not counted, got %+v", v)
	}
	altered := signed
	altered.Ticket = "CHG-999" // the signature covers what the approval says
	if v := check(altered); v.Counted {
		t.Fatal("an approval altered after signing counted")
	}
}
