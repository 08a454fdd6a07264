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

// Settling reads only the end of a long log, whole lines only; an old open intent is left to
// 'log show --unsettled', which reads it all.
func TestSettleEarlierReadsTheEndOfALongLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	sink := &FileLog{path: path, window: 8 << 10}
	ctx := context.Background()
	intent := func(op, name string) {
		t.Helper()
		if err := sink.Append(ctx, &Record{V: 1, Time: "2026-11-01T10:00:00Z", Event: EventIntent, OpID: op, Action: "user.move",
			Directory: DirectoryAD, Target: Target{Name: name, DN: "CN=" + name}}); err != nil {
			t.Fatal(err)
		}
	}
	intent("old", "old")
	filler := NewTrail(TrailOptions{Sink: sink})
	for range 40 { // well over 8 KiB
		if err := filler.Do(ctx, Operation{Action: "user.move", Directory: DirectoryAD, Target: Target{Name: "filler", DN: "CN=filler"}},
			func(context.Context) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	intent("new", "new")

	trail := NewTrail(TrailOptions{Sink: sink})
	n, err := trail.SettleEarlier(ctx, func(r Record) bool { return r.Target.Name != "filler" }, "found")
	if err != nil || n != 1 {
		t.Fatalf("SettleEarlier = %d, %v; want 1 (the recent one)", n, err)
	}
	open, err := Open(ctx, OpenFileLog(path))
	if err != nil || len(open) != 1 || open[0].OpID != "old" {
		t.Errorf("open after settling = %v, %v; want the old one only", open, err)
	}
	if res, err := Verify(mustOpen(t, path)); err != nil || res.Problem != nil {
		t.Errorf("the log no longer verifies: %v %v", err, res.Problem)
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
