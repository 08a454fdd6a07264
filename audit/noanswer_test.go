package audit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A request that got no answer is never recorded as "error": the read-back decides, and
// without one the outcome is "unknown".
func TestNoAnswerIsReadBackNotAnError(t *testing.T) {
	lost := errors.Join(ErrNoAnswer, errors.New("the connection to the domain controller was lost"))
	for _, tc := range []struct {
		name         string
		check        func(context.Context) (bool, error)
		result, sett string
		wantErr      error
	}{
		{"made", func(context.Context) (bool, error) { return true, nil }, ResultOK, SettledReadBack, nil},
		{"not made (yet)", func(context.Context) (bool, error) { return false, nil }, ResultUnknown, "", ErrOutcomeUnknown},
		{"cannot read back", func(context.Context) (bool, error) { return false, errors.New("DC down") }, ResultUnknown, "", ErrOutcomeUnknown},
		{"no read-back", nil, ResultUnknown, "", ErrOutcomeUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			trail := NewTrail(TrailOptions{Sink: OpenFileLog(path)})
			ctx, cancel := context.WithCancel(context.Background())
			var checkCtxErr error
			check := tc.check
			if check != nil {
				inner := check
				check = func(ctx context.Context) (bool, error) { checkCtxErr = ctx.Err(); return inner(ctx) }
			}
			op := Operation{Action: "user.create", Directory: DirectoryAD, Target: Target{DN: "CN=a", Name: "a"}, Check: check}
			err := trail.Do(ctx, op, func(context.Context) error { cancel(); return lost }) // Ctrl-C under the request
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("Do = %v, want %v", err, tc.wantErr)
			}
			if checkCtxErr != nil {
				t.Errorf("the read-back got a cancelled context: %v", checkCtxErr)
			}
			recs := readBackAll(t, path)
			if len(recs) != 2 || recs[1].Result != tc.result || recs[1].Settled != tc.sett || recs[1].OpID != recs[0].OpID {
				t.Fatalf("outcome = %+v; want result %q settled %q", recs[1], tc.result, tc.sett)
			}
			if tc.result == ResultUnknown && (!strings.Contains(recs[1].Note, "no answer came") || recs[1].Error != "") {
				t.Errorf("unknown outcome: note %q, error %q", recs[1].Note, recs[1].Error)
			}
		})
	}
}

func readBackAll(t *testing.T, path string) []Record {
	t.Helper()
	var out []Record
	if err := OpenFileLog(path).EachRecord(context.Background(), func(r Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// Settling is best effort: a log with a damaged line settles nothing and fails nothing.
func TestSettleEarlierOnADamagedLogIsHarmless(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.WriteFile(path, []byte("not a record\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	trail := NewTrail(TrailOptions{Sink: OpenFileLog(path)})
	n, err := trail.SettleEarlier(context.Background(), func(Record) bool { return true }, "x")
	if n != 0 || err != nil {
		t.Errorf("SettleEarlier on a damaged log = %d, %v; want 0, nil", n, err)
	}
}
