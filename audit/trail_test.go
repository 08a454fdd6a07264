package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testActor = Actor{OSUser: "alice", Host: "ws1", BindIdentity: "alice@EXAMPLE.COM"}

func testOp() Operation {
	return Operation{
		Action:    "user.unlock",
		Directory: DirectoryAD,
		Server:    "dc1.example.com",
		Target:    Target{DN: "CN=Bob,OU=Staff,DC=example,DC=com", Name: "bob"},
		Changes:   []Change{{Attribute: "lockoutTime", Before: "133000000000000000", After: "0"}},
	}
}

// newFileTrail returns a trail writing to a new log, and the log's path.
func newFileTrail(t *testing.T, dryRun bool) (*Trail, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	return NewTrail(TrailOptions{
		Sink:   OpenFileLog(path),
		Actor:  testActor,
		Ticket: "CHG-7",
		Reason: "user called helpdesk",
		DryRun: dryRun,
		Now:    func() time.Time { return time.Date(2025, 3, 1, 13, 0, 0, 5, time.FixedZone("CET", 3600)) },
	}), path
}

// pair returns the intent and outcome of the only operation in the log,
// after checking the log verifies.
func pair(t *testing.T, path string) (intent, outcome Record) {
	t.Helper()
	if res := verifyBytes(t, readFile(t, path)); res.Problem != nil {
		t.Fatalf("log does not verify: %v", res.Problem)
	}
	recs := readAll(t, path)
	if len(recs) != 2 {
		t.Fatalf("log has %d records, want 2", len(recs))
	}
	intent, outcome = recs[0], recs[1]
	if intent.Event != EventIntent || outcome.Event != EventOutcome {
		t.Fatalf("events = %q, %q; want intent, outcome", intent.Event, outcome.Event)
	}
	if intent.OpID != outcome.OpID || len(intent.OpID) != 32 {
		t.Errorf("op_id %q and %q do not pair", intent.OpID, outcome.OpID)
	}
	if _, err := hex.DecodeString(intent.OpID); err != nil {
		t.Errorf("op_id %q is not hex", intent.OpID)
	}
	if intent.Result != "" {
		t.Errorf("intent has result %q", intent.Result)
	}
	return intent, outcome
}

func TestTrailDoOK(t *testing.T) {
	trail, path := newFileTrail(t, false)
	calls := 0
	err := trail.Do(context.Background(), testOp(), func(context.Context) error {
		calls++
		// The intent is on disk before the directory is touched.
		if recs := readAll(t, path); len(recs) != 1 || recs[0].Event != EventIntent {
			t.Errorf("apply called with %d records in the log, want the intent", len(recs))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("apply called %d times, want 1", calls)
	}
	intent, outcome := pair(t, path)
	if outcome.Result != ResultOK || outcome.Error != "" {
		t.Errorf("outcome result %q error %q, want ok", outcome.Result, outcome.Error)
	}
	if intent.Time != "2025-03-01T12:00:00.000000005Z" {
		t.Errorf("time = %q, want UTC with nanoseconds", intent.Time)
	}
	if intent.Actor != testActor || intent.Ticket != "CHG-7" || intent.Reason != "user called helpdesk" ||
		intent.Action != "user.unlock" || intent.Directory != "ad" || intent.Server != "dc1.example.com" ||
		intent.Target.Name != "bob" || intent.DryRun || len(intent.Changes) != 1 {
		t.Errorf("intent = %+v", intent)
	}
}

func TestTrailUnwritableLogDoesNotApply(t *testing.T) {
	// Tests run as root, which ignores permission bits, so make the log's
	// parent a regular file: nobody can create a file under that.
	parent := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(parent, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	trail := NewTrail(TrailOptions{Sink: OpenFileLog(filepath.Join(parent, "audit.jsonl"))})
	called := false
	err := trail.Do(context.Background(), testOp(), func(context.Context) error {
		called = true
		return nil
	})
	if !errors.Is(err, ErrAuditUnavailable) {
		t.Errorf("err = %v, want ErrAuditUnavailable", err)
	}
	if called {
		t.Error("apply was called although the intent could not be written")
	}
}

func TestTrailReadOnlyDirDoesNotApply(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions; see TestTrailUnwritableLogDoesNotApply")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	trail := NewTrail(TrailOptions{Sink: OpenFileLog(filepath.Join(dir, "audit.jsonl"))})
	err := trail.Do(context.Background(), testOp(), func(context.Context) error {
		t.Error("apply called")
		return nil
	})
	if !errors.Is(err, ErrAuditUnavailable) || !errors.Is(err, os.ErrPermission) {
		t.Errorf("err = %v, want ErrAuditUnavailable and ErrPermission", err)
	}
}

func TestTrailNilSinkDoesNotApply(t *testing.T) {
	err := NewTrail(TrailOptions{}).Do(context.Background(), testOp(), func(context.Context) error {
		t.Error("apply called")
		return nil
	})
	if !errors.Is(err, ErrAuditUnavailable) {
		t.Errorf("err = %v, want ErrAuditUnavailable", err)
	}
}

func TestTrailDryRun(t *testing.T) {
	trail, path := newFileTrail(t, true)
	if !trail.DryRun() {
		t.Fatal("DryRun() = false")
	}
	err := trail.Do(context.Background(), testOp(), func(context.Context) error {
		t.Error("apply called in dry-run mode")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	intent, outcome := pair(t, path)
	if !intent.DryRun || !outcome.DryRun {
		t.Errorf("dry_run = %v, %v; want true on both", intent.DryRun, outcome.DryRun)
	}
	if outcome.Result != ResultSkipped {
		t.Errorf("outcome result = %q, want skipped", outcome.Result)
	}
}

func TestTrailSecretNeverWritten(t *testing.T) {
	const secret = "Tr0ub4dor&3-hunter2"
	trail, path := newFileTrail(t, false)
	op := testOp()
	op.Action = "user.reset_password"
	op.Changes = []Change{
		{Attribute: "unicodePwd", Before: secret + "-old", After: secret, Secret: true},
		{Attribute: "pwdLastSet", After: 0},
	}
	var forwarded bytes.Buffer
	sink := MultiSink(OpenFileLog(path), sinkFunc(func(_ context.Context, r *Record) error {
		// Sinks never even hold the value.
		if c := r.Changes[0]; c.Before != nil || c.After != Redacted {
			t.Errorf("sink got secret change %+v", c)
		}
		line, err := canonicalLine(r)
		forwarded.Write(line)
		return err
	}))
	trail.sink = sink
	if err := trail.Do(context.Background(), op, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if op.Changes[0].After != secret {
		t.Error("Do modified the caller's changes")
	}

	sum := sha256.Sum256([]byte(secret))
	forms := []string{
		secret, secret + "-old", "Tr0ub4dor",
		hex.EncodeToString(sum[:]),
		base64.StdEncoding.EncodeToString([]byte(secret)),
	}
	for name, data := range map[string][]byte{"log": readFile(t, path), "forwarded": forwarded.Bytes()} {
		for _, form := range forms {
			if bytes.Contains(data, []byte(form)) {
				t.Errorf("%s contains the secret as %q", name, form)
			}
		}
	}

	intent, _ := pair(t, path)
	c := intent.Changes[0]
	if c.Attribute != "unicodePwd" || c.Before != nil || c.After != Redacted {
		t.Errorf("secret change recorded as %+v, want after %q and no before", c, Redacted)
	}
	if !bytes.Contains(readFile(t, path), []byte(`{"after":"(redacted)","attribute":"unicodePwd"}`)) {
		t.Error("redacted change not written as expected")
	}
}

func TestChangeMarshalRedacts(t *testing.T) {
	// Even a record that bypasses Trail cannot serialize a secret.
	r := testRecord(1)
	r.Changes = []Change{{Attribute: "unicodePwd", Before: "old-secret", After: "new-secret", Secret: true}}
	line, err := seal(r)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(line, []byte("secret")) {
		t.Errorf("line contains a secret: %s", line)
	}
}

func TestTrailSkipped(t *testing.T) {
	trail, path := newFileTrail(t, false)
	err := trail.Do(context.Background(), testOp(), func(context.Context) error {
		return Skipped("account was not locked")
	})
	if !errors.Is(err, ErrSkipped) {
		t.Fatalf("err = %v, want ErrSkipped", err)
	}
	if err.Error() != "account was not locked" {
		t.Errorf("err text = %q", err.Error())
	}
	_, outcome := pair(t, path)
	if outcome.Result != ResultSkipped || outcome.Error != "account was not locked" {
		t.Errorf("outcome result %q error %q, want skipped with the message", outcome.Result, outcome.Error)
	}
}

type ldapError struct{ code int }

func (e *ldapError) Error() string { return "LDAP Result Code 50: insufficient access" }

func TestTrailApplyError(t *testing.T) {
	trail, path := newFileTrail(t, false)
	applyErr := &ldapError{code: 50}
	err := trail.Do(context.Background(), testOp(), func(context.Context) error {
		return errors.Join(errors.New("modify CN=Bob"), applyErr)
	})
	var le *ldapError
	if !errors.As(err, &le) || le != applyErr {
		t.Fatalf("err = %v, want apply's error unchanged", err)
	}
	if errors.Is(err, ErrAuditUnavailable) {
		t.Error("apply's error reported as an audit failure")
	}
	_, outcome := pair(t, path)
	if outcome.Result != ResultError || outcome.Error != err.Error() {
		t.Errorf("outcome result %q error %q, want error %q", outcome.Result, outcome.Error, err.Error())
	}
}

func TestTrailOutcomeWriteFails(t *testing.T) {
	for _, tc := range []struct {
		name     string
		applyErr error
		says     string
	}{
		{"applied", nil, "was applied"},
		{"failed", errors.New("LDAP Result Code 53"), "failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// apply makes the log unwritable on the real filesystem by
			// replacing its directory with a file.
			dir := filepath.Join(t.TempDir(), "logs")
			trail := NewTrail(TrailOptions{Sink: OpenFileLog(filepath.Join(dir, "audit.jsonl"))})
			err := trail.Do(context.Background(), testOp(), func(context.Context) error {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(dir, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				return tc.applyErr
			})
			if !errors.Is(err, ErrAuditUnavailable) {
				t.Fatalf("err = %v, want ErrAuditUnavailable", err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %q, want it to say the change %s", err, tc.says)
			}
			if tc.applyErr != nil && !errors.Is(err, tc.applyErr) {
				t.Errorf("err = %v does not wrap apply's error", err)
			}
		})
	}
}

func TestTrailOutcomeSurvivesCancel(t *testing.T) {
	trail, path := newFileTrail(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	err := trail.Do(ctx, testOp(), func(ctx context.Context) error {
		cancel() // e.g. Ctrl-C after the directory already changed
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, outcome := pair(t, path); outcome.Result != ResultOK {
		t.Errorf("outcome result = %q, want ok", outcome.Result)
	}
}

func TestTrailRecordsPanic(t *testing.T) {
	trail, path := newFileTrail(t, false)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic was swallowed")
			}
		}()
		trail.Do(context.Background(), testOp(), func(context.Context) error { panic("boom") })
	}()
	if _, outcome := pair(t, path); outcome.Result != ResultError {
		t.Errorf("outcome result = %q, want error", outcome.Result)
	}
}

func TestTrailRejectsBadOperation(t *testing.T) {
	trail, path := newFileTrail(t, false)
	for _, op := range []Operation{{Directory: DirectoryAD}, {Action: "user.unlock", Directory: "ldap"}} {
		if err := trail.Do(context.Background(), op, func(context.Context) error {
			t.Error("apply called")
			return nil
		}); err == nil {
			t.Errorf("Do(%+v) succeeded", op)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Error("a rejected operation was logged")
	}
}

// sinkFunc adapts a function to Sink.
type sinkFunc func(context.Context, *Record) error

func (f sinkFunc) Append(ctx context.Context, r *Record) error { return f(ctx, r) }

func TestMultiSink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	var got []*Record
	var warned []error
	secondaryErr := errors.New("collector down")
	m := MultiSink(OpenFileLog(path),
		sinkFunc(func(_ context.Context, r *Record) error { return secondaryErr }),
		sinkFunc(func(_ context.Context, r *Record) error { got = append(got, r); return nil }),
	).OnError(func(err error) { warned = append(warned, err) })

	if err := m.Append(context.Background(), testRecord(1)); err != nil {
		t.Fatalf("secondary failure failed Append: %v", err)
	}
	if len(warned) != 1 || !errors.Is(warned[0], secondaryErr) {
		t.Errorf("warnings = %v, want the secondary's error", warned)
	}
	if len(got) != 1 || got[0].Seq != 1 || got[0].Hash != readAll(t, path)[0].Hash {
		t.Errorf("secondary did not get the chained record: %+v", got)
	}

	primaryErr := errors.New("disk full")
	got = nil
	m = MultiSink(sinkFunc(func(context.Context, *Record) error { return primaryErr }),
		sinkFunc(func(_ context.Context, r *Record) error { got = append(got, r); return nil }))
	if err := m.Append(context.Background(), testRecord(2)); !errors.Is(err, primaryErr) {
		t.Errorf("err = %v, want the primary's error", err)
	}
	if len(got) != 0 {
		t.Error("secondary got a record the primary failed to write")
	}
}
