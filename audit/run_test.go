package audit

import (
	"context"
	"strings"
	"testing"
)

// A change made inside a run's apply (a bulk run's per-account changes, one at a time or in
// a batch) names the run's op_id in "run", intent and outcome; a change on its own, and the
// run record itself, have no "run" key at all, so they hash as records always did. A later
// run reads the end of the log back through the trail (RecentRecords).
func TestTrailChangesNameTheirRun(t *testing.T) {
	trail, path := newFileTrail(t, false)
	ctx := context.Background()
	runOp := testOp()
	runOp.Action = "onboard.run"
	var runID string
	if err := trail.Do(ctx, runOp, func(ctx context.Context) error {
		runID = OperationID(ctx)
		if err := trail.Do(ctx, testOp(), func(context.Context) error { return nil }); err != nil {
			return err
		}
		for _, err := range trail.DoAll(ctx, Batch{Ops: []Operation{testOp(), testOp()}}, func(context.Context) []error { return nil }) {
			if err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := trail.Do(ctx, testOp(), func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, path)
	if len(recs) != 10 || runID == "" {
		t.Fatalf("%d records, run %q; want 10 and an op_id", len(recs), runID)
	}
	for i, r := range recs {
		inRun := i >= 1 && i <= 6
		if got := r.Run == runID; got != inRun || (!inRun && r.Run != "") {
			t.Errorf("record %d (%s %s): run %q, want it in the run: %v", i, r.Action, r.Event, r.Run, inRun)
		}
	}
	lines := strings.Split(strings.TrimSpace(string(readFile(t, path))), "\n")
	if strings.Contains(lines[0], `"run"`) || strings.Contains(lines[9], `"run"`) || !strings.Contains(lines[1], `"run":"`+runID+`"`) {
		t.Errorf("the run key: on the run record %v, on a lone change %v, on a change of the run %v",
			strings.Contains(lines[0], `"run"`), strings.Contains(lines[9], `"run"`), strings.Contains(lines[1], `"run"`))
	}
	if res := verifyBytes(t, readFile(t, path)); res.Problem != nil {
		t.Errorf("log does not verify: %v", res.Problem)
	}
	n := 0
	if readable, err := trail.RecentRecords(ctx, func(Record) error { n++; return nil }); !readable || err != nil || n != 10 {
		t.Errorf("RecentRecords: readable %v, %v, %d records; want true, nil, 10", readable, err, n)
	}
}
