package logcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

// writeOpenLog makes a log with one change settled (ok), one whose request got no answer
// (unknown) and one whose process died between intent and outcome (missing).
func writeOpenLog(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	sink := audit.OpenFileLog(path)
	trail := audit.NewTrail(audit.TrailOptions{Sink: sink, Actor: audit.Actor{OSUser: "tech", Host: "pc1"}})
	op := func(name string) audit.Operation {
		return audit.Operation{Action: "user.create", Directory: "ad", Target: audit.Target{Name: name, DN: "CN=" + name + ",OU=x"}}
	}
	ctx := context.Background()
	if err := trail.Do(ctx, op("done"), func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	noAnswer := func(context.Context) error { return errors.Join(audit.ErrNoAnswer, errors.New("connection lost")) }
	if err := trail.Do(ctx, op("nobody-knows"), noAnswer); !errors.Is(err, audit.ErrOutcomeUnknown) {
		t.Fatalf("no answer and no read-back: error = %v, want ErrOutcomeUnknown", err)
	}
	// A process killed after its intent: only the intent is in the log.
	if err := sink.Append(ctx, &audit.Record{V: 1, Time: time.Now().UTC().Format(time.RFC3339Nano), Event: "intent",
		OpID: "0123456789abcdef0123456789abcdef", Action: "user.move", Directory: "ad",
		Target: audit.Target{Name: "killed", DN: "CN=killed,OU=x"}}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestShowUnsettledListsUnknownAndMissingOutcomes(t *testing.T) {
	path := writeOpenLog(t)
	ios, _, out, _ := iostreams.Test()
	opts := &showOptions{IO: ios, Path: path, Format: output.FormatJSON, Unsettled: true, Now: time.Now}
	if err := showRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var got []UnsettledIntent
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(got) != 2 || got[0].Intent.Target.Name != "nobody-knows" || got[0].Outcome != "unknown" ||
		got[1].Intent.Target.Name != "killed" || got[1].Outcome != "missing" || got[0].Intent.OpID == "" {
		t.Errorf("unsettled = %+v; want nobody-knows (unknown) and killed (missing)", got)
	}
	if !strings.Contains(got[0].Note, "connection lost") {
		t.Errorf("the unknown one does not say why: %q", got[0].Note)
	}

	// --account narrows it, like every other filter.
	out.Reset()
	opts.Filter.Target = "killed"
	if err := showRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || len(got) != 1 || got[0].Intent.Target.Name != "killed" {
		t.Errorf("--account killed --unsettled = %+v (%v)", got, err)
	}

	// log verify: the chain is intact (exit 0), and the open changes are listed.
	out.Reset()
	if err := verifyRun(context.Background(), &verifyOptions{IO: ios, Path: path, Format: output.FormatAuto, Now: time.Now}); err != nil {
		t.Fatalf("verify: %v", err)
	}
	for _, want := range []string{"2 change(s) without a known outcome", "nobody-knows", "unknown", "killed", "missing", "log show --unsettled"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
}

// A settled-later outcome (the same op_id, written by a later run) closes the intent.
func TestSettleEarlierClosesTheIntent(t *testing.T) {
	path := writeOpenLog(t)
	trail := audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(path), Actor: audit.Actor{OSUser: "tech2", Host: "pc2"}})
	n, err := trail.SettleEarlier(context.Background(), func(r audit.Record) bool { return r.Target.Name == "nobody-knows" }, "found it")
	if err != nil || n != 1 {
		t.Fatalf("SettleEarlier = %d, %v; want 1", n, err)
	}
	open, err := audit.Open(context.Background(), audit.OpenFileLog(path))
	if err != nil || len(open) != 1 || open[0].Target.Name != "killed" {
		t.Errorf("open after settling = %+v, %v", open, err)
	}
	ios, _, out, _ := iostreams.Test()
	if err := showRun(context.Background(), &showOptions{IO: ios, Path: path, Format: output.FormatTable, Now: time.Now}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "ok (settled later)") || !strings.Contains(out.String(), "settled later: found it") {
		t.Errorf("log show does not show the settlement:\n%s", out)
	}
	// CSV carries the record's own fields: result, error, plan, run, note and settled (every
	// record has their columns; error, plan and run are empty here).
	out.Reset()
	if err := showRun(context.Background(), &showOptions{IO: ios, Path: path, Format: output.FormatCSV, Now: time.Now}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), ",ok,,,,settled later: found it,later,") {
		t.Errorf("log show -o csv does not carry the settlement:\n%s", out)
	}
}

func TestShowWarnsOnATamperedLogAndStillShows(t *testing.T) {
	path := writeLog(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.ReplaceAll(data, []byte("asmith"), []byte("asmitt")), 0o600); err != nil {
		t.Fatal(err)
	}
	ios, _, out, errOut := iostreams.Test()
	if err := showRun(context.Background(), &showOptions{IO: ios, Path: path, Format: output.FormatCSV, Now: time.Now}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "warning:") || !strings.Contains(errOut.String(), "fails verification at line 3") {
		t.Errorf("no warning about the broken chain:\n%s", errOut)
	}
	if !strings.Contains(out.String(), "asmitt") {
		t.Errorf("the records are not shown:\n%s", out)
	}
}

// The spec's filter is --target; --account is the same filter under a name that cannot be
// mistaken for the global directory flag.
func TestShowFiltersByTargetOrAccount(t *testing.T) {
	f := cmdtest.Factory(factory.Globals{}, nil)
	f.Settings = func() (*config.Settings, error) { return &config.Settings{AuditLog: "audit.jsonl"}, nil }
	for _, name := range []string{"target", "account"} {
		opts, err := cmdtest.Parse(f, newCmdShow, "--"+name+" jdoe")
		if err != nil || opts == nil || opts.Filter.Target != "jdoe" {
			t.Errorf("log show --%s jdoe: filter %+v, err %v", name, opts, err)
		}
	}
	if _, err := cmdtest.Parse(f, newCmdShow, "--target jdoe --account asmith"); err == nil {
		t.Error("log show --target jdoe --account asmith: no error; want the two refused together")
	}
}
