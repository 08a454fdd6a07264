package audit

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

func batchOps(n int) []Operation {
	ops := make([]Operation, n)
	for i := range ops {
		ops[i] = Operation{Action: "group.add_member", Directory: DirectoryAD,
			Target:  Target{DN: fmt.Sprintf("CN=u%d,OU=Staff,DC=example,DC=com", i), Name: fmt.Sprintf("u%d", i)},
			Changes: []Change{{Attribute: "group", After: "CN=Staff,OU=Groups,DC=example,DC=com"}}}
	}
	return ops
}

// TestDoAllWritesEveryIntentBeforeTheRequest: a batch's intents are all in the log when the
// request is made, each membership pairs with its own outcome, and the chain verifies.
func TestDoAllWritesEveryIntentBeforeTheRequest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail := NewTrail(TrailOptions{Sink: OpenFileLog(path)})
	refused := errors.New("refused")
	errs := trail.DoAll(context.Background(), Batch{Ops: batchOps(3)}, func(context.Context) []error {
		if recs := readAll(t, path); len(recs) != 3 {
			t.Errorf("%d records when the request is made, want the 3 intents", len(recs))
		}
		return []error{nil, Skipped("already a member of Staff"), refused}
	})
	if len(errs) != 3 || errs[0] != nil || !errors.Is(errs[1], ErrSkipped) || !errors.Is(errs[2], refused) {
		t.Fatalf("DoAll = %v", errs)
	}
	recs := readAll(t, path)
	if len(recs) != 6 {
		t.Fatalf("%d records, want 6", len(recs))
	}
	want := []string{ResultOK, ResultSkipped, ResultError}
	for i := range 3 {
		in, out := recs[i], recs[3+i]
		if in.Event != EventIntent || out.Event != EventOutcome || in.OpID != out.OpID || in.Target != out.Target || out.Result != want[i] {
			t.Errorf("pair %d: %+v / %+v; want intent then %s outcome with the same op_id", i, in, out, want[i])
		}
	}
	if res := verifyBytes(t, readFile(t, path)); res.Problem != nil {
		t.Errorf("the log does not verify: %v", res.Problem)
	}
}

// TestDoAllNoAnswerIsReadBackOnce: a request without an answer is read back with one look for
// the lot; what it finds is "ok, read back", the rest "unknown", never "error".
func TestDoAllNoAnswerIsReadBackOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail := NewTrail(TrailOptions{Sink: OpenFileLog(path)})
	lost := errors.Join(ErrNoAnswer, errors.New("the connection to the domain controller was lost"))
	checks := 0
	errs := trail.DoAll(context.Background(), Batch{Ops: batchOps(2), Check: func(context.Context) ([]bool, error) {
		checks++
		return []bool{true, false}, nil
	}}, func(context.Context) []error { return []error{lost, lost} })
	if checks != 1 {
		t.Errorf("%d read-backs, want 1", checks)
	}
	if errs[0] != nil || !errors.Is(errs[1], ErrOutcomeUnknown) {
		t.Errorf("DoAll = %v; want nil (read back), then outcome unknown", errs)
	}
	recs := readAll(t, path)
	if recs[2].Result != ResultOK || recs[2].Settled != SettledReadBack || recs[3].Result != ResultUnknown {
		t.Errorf("outcomes %+v, %+v; want ok read back, unknown", recs[2], recs[3])
	}
}

// TestDoAllDryRunAndNoLog: a dry run records and changes nothing; without a log nothing is
// changed either.
func TestDoAllDryRunAndNoLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	called := false
	apply := func(context.Context) []error { called = true; return nil }
	if errs := NewTrail(TrailOptions{Sink: OpenFileLog(path), DryRun: true}).DoAll(context.Background(), Batch{Ops: batchOps(2)}, apply); errs != nil {
		t.Errorf("dry run: %v", errs)
	}
	if recs := readAll(t, path); called || len(recs) != 4 || recs[2].Result != ResultSkipped || !recs[0].DryRun {
		t.Errorf("dry run: apply called %v, records %+v", called, recs)
	}
	errs := NewTrail(TrailOptions{}).DoAll(context.Background(), Batch{Ops: batchOps(2)}, apply)
	if called || len(errs) != 2 || !errors.Is(errs[0], ErrAuditUnavailable) {
		t.Errorf("no log: apply called %v, errors %v", called, errs)
	}
}
