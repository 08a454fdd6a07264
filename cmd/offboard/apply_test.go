package offboard

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

	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/onboarding"
)

func TestNewCmdApplyFlags(t *testing.T) {
	tests := []struct {
		cli     string
		check   func(*applyOptions) bool
		wantErr string
	}{
		{cli: "--user jdoe", check: func(o *applyOptions) bool {
			return o.Source.CSV == "" && len(o.Source.Users) == 1 && o.SnapshotDir == "/state/adkit/leavers"
		}},
		// A DN has commas; --user must not split it.
		{cli: `--user 'CN=Doe\, John,OU=Staff,DC=corp' --user asmith`, check: func(o *applyOptions) bool {
			return len(o.Source.Users) == 2 && o.Source.Users[0] == `CN=Doe\, John,OU=Staff,DC=corp`
		}},
		{cli: "leavers.csv --template t.yaml --results-out r.csv --snapshot-dir snaps --keep-group Sales --disabled-ou OU=L,DC=x",
			check: func(o *applyOptions) bool {
				return o.Source.CSV == "leavers.csv" && o.Source.Template == "t.yaml" && o.ResultsOut == "r.csv" &&
					o.SnapshotDir == "snaps" && o.Source.keepGiven && o.Source.DisabledOU == "OU=L,DC=x"
			}},
		{cli: "", wantErr: "missing the leavers"},
		{cli: "a.csv --user jdoe", wantErr: "either a CSV file or --user"},
		{cli: "a.csv b.csv", wantErr: "takes one CSV file"},
	}
	for _, tt := range tests {
		t.Run(tt.cli, func(t *testing.T) {
			f := cmdtest.Factory(factory.Globals{}, map[string]string{"XDG_STATE_HOME": "/state"})
			got, err := cmdtest.Parse(f, newCmdApply, tt.cli)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil || !tt.check(got) {
				t.Fatalf("err = %v, opts = %+v", err, got)
			}
		})
	}
}

type applyFixture struct {
	opts    *applyOptions
	dir     *fakeDir
	out     *bytes.Buffer
	errOut  *bytes.Buffer
	logPath string
	confirm *fakeConfirmer
}

func newApplyFixture(t *testing.T, dryRun bool, users ...string) *applyFixture {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	dir := newFakeDir()
	trail, logPath := testTrail(t, dryRun)
	fx := &applyFixture{dir: dir, out: out, errOut: errOut, logPath: logPath, confirm: &fakeConfirmer{}}
	fx.opts = &applyOptions{
		IO: ios, Trail: trail, Confirmer: fx.confirm, Format: output.FormatJSON, Yes: true, DryRun: dryRun, Ticket: "INC-7",
		Now:         func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) },
		Dir:         func(context.Context) (offboarder, error) { return dir, nil },
		Source:      sourceOptions{Users: users, DisabledOU: testLeavers},
		SnapshotDir: filepath.Join(t.TempDir(), "state", "leavers"),
	}
	return fx
}

func (fx *applyFixture) results(t *testing.T) []result {
	t.Helper()
	var rs []result
	if err := json.Unmarshal(fx.out.Bytes(), &rs); err != nil {
		t.Fatalf("apply -o json: %v\n%s", err, fx.out)
	}
	return rs
}

func TestApplySavesTheSnapshotBeforeChanging(t *testing.T) {
	fx := newApplyFixture(t, false, "jdoe")
	var seen []string
	fx.dir.onOffboard = func(s *directory.LeaverSnapshot) {
		// The moment the account is changed, its snapshot is on disk, private, with the ticket.
		files, _ := filepath.Glob(filepath.Join(fx.opts.SnapshotDir, "*.json"))
		for _, f := range files {
			info, _ := os.Stat(f)
			var got directory.LeaverSnapshot
			_ = json.Unmarshal([]byte(readFile(t, f)), &got)
			if info.Mode().Perm() == 0o600 && got.DN == s.DN && got.Ticket == "INC-7" {
				seen = append(seen, filepath.Base(f))
			}
		}
	}
	if err := applyRun(context.Background(), fx.opts); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if len(seen) != 1 || seen[0] != "jdoe-20261122T093000Z.json" {
		t.Fatalf("snapshots on disk when Offboard ran: %v, want jdoe-20261122T093000Z.json (0600, with the ticket)", seen)
	}
	if info, err := os.Stat(fx.opts.SnapshotDir); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("snapshot directory: %v, mode %v; want 0700", err, info.Mode().Perm())
	}
	rs := fx.results(t)
	if len(rs) != 1 || rs[0].Status != statusOffboarded || filepath.Base(rs[0].Snapshot) != seen[0] || rs[0].GroupsRemoved[0] != testSales {
		t.Errorf("results = %+v", rs)
	}
	log := readFile(t, fx.logPath)
	if strings.Count(log, `"action":"offboard.run"`) != 2 || !strings.Contains(log, `"result":"ok"`) {
		t.Errorf("the run is not bracketed by offboard.run records:\n%s", log)
	}

	// A second apply finding the account as the snapshot shows it (a run stopped after its
	// snapshot, before its first change; the fake changes nothing) keeps that snapshot: a
	// second copy of the same state would only make a restore ask which.
	fx.out.Reset()
	if err := applyRun(context.Background(), fx.opts); err != nil {
		t.Fatal(err)
	}
	if rs := fx.results(t); rs[0].Snapshot != filepath.Join(fx.opts.SnapshotDir, seen[0]) || !strings.Contains(rs[0].Note, "kept the snapshot") {
		t.Errorf("second apply of an unchanged account: %+v; want the first snapshot kept, and said so", rs[0])
	}
	if files, _ := filepath.Glob(filepath.Join(fx.opts.SnapshotDir, "*.json")); len(files) != 1 {
		t.Errorf("snapshots after the second apply: %v; want the first one only", files)
	}

	// An account whose state moved on since (restored, then its groups changed) gets a new
	// snapshot, and the note points at the earlier one.
	fx.dir.users["jdoe"].MemberOf = append(fx.dir.users["jdoe"].MemberOf, "CN=Support,OU=Groups,DC=corp")
	fx.out.Reset()
	if err := applyRun(context.Background(), fx.opts); err != nil {
		t.Fatal(err)
	}
	if rs := fx.results(t); !strings.Contains(rs[0].Note, "earlier snapshot exists") || rs[0].Snapshot == filepath.Join(fx.opts.SnapshotDir, seen[0]) {
		t.Errorf("apply of a changed account: %+v; want a new file and a note about the earlier one", rs[0])
	}
}

func TestApplyChangesNothingWithoutASnapshot(t *testing.T) {
	// The directory cannot be made: nothing is offboarded at all.
	fx := newApplyFixture(t, false, "jdoe")
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	fx.opts.SnapshotDir = filepath.Join(blocker, "leavers")
	if err := applyRun(context.Background(), fx.opts); err == nil || len(fx.dir.offboarded) != 0 {
		t.Fatalf("apply with an impossible snapshot dir: err=%v, offboarded %v; want an error and nothing changed", err, fx.dir.offboarded)
	}

	// One snapshot cannot be written: that account is not changed, and says why.
	a := &applier{dir: fx.dir, store: failingSaver{}}
	r := a.one(context.Background(), onboarding.LeaverEntry{Row: 3, Action: onboarding.ActionOffboard, DN: "CN=John Doe," + testOU, SAMAccountName: "jdoe"})
	if r.Status != statusFailed || !strings.Contains(r.Error, "no space left") || !strings.Contains(r.Error, "the account was not changed") ||
		len(fx.dir.offboarded) != 0 {
		t.Errorf("result %+v, offboarded %v; want failed, not changed", r, fx.dir.offboarded)
	}
}

func TestApplyAsksFirst(t *testing.T) {
	// Without a terminal: --yes or nothing.
	fx := newApplyFixture(t, false, "jdoe")
	fx.opts.Yes = false
	err := applyRun(context.Background(), fx.opts)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("apply without --yes and without a terminal: %v, want exit 2 asking for --yes", err)
	}
	// On a terminal, a "no" changes nothing.
	fx.opts.IO.SetTTY(true, true, true)
	if err := applyRun(context.Background(), fx.opts); !errors.Is(err, cmdutil.ErrDeclined) {
		t.Fatalf("declined: %v", err)
	}
	if len(fx.confirm.asked) != 1 || !strings.Contains(fx.confirm.asked[0], "jdoe") || !strings.Contains(fx.confirm.asked[0], testLeavers) {
		t.Errorf("question = %q, want the account and the leavers OU named", fx.confirm.asked)
	}
	if _, err := os.Stat(fx.opts.SnapshotDir); len(fx.dir.offboarded) != 0 || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused apply offboarded %v or made the snapshot dir (%v)", fx.dir.offboarded, err)
	}
}

func TestApplyDryRunWritesNoSnapshot(t *testing.T) {
	fx := newApplyFixture(t, true, "jdoe")
	fx.opts.Yes = false // a dry run asks nothing
	if err := applyRun(context.Background(), fx.opts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fx.opts.SnapshotDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a dry run made the snapshot directory: %v", err)
	}
	if rs := fx.results(t); rs[0].Status != statusWouldOffboard || rs[0].Snapshot != "" {
		t.Errorf("dry run result %+v", rs[0])
	}
	if log := readFile(t, fx.logPath); !strings.Contains(log, `"dry_run":true`) || strings.Contains(log, `"dry_run":false`) {
		t.Errorf("dry run log:\n%s", log)
	}
}

func TestApplyExitCodes(t *testing.T) {
	// Some fail: exit 4, and the results file has every leaver.
	fx := newApplyFixture(t, false, "jdoe", "nobody", "asmith")
	fx.opts.ResultsOut = filepath.Join(t.TempDir(), "results.csv")
	err := applyRun(context.Background(), fx.opts)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("one of three not found: %v (exit %d), want 4", err, cmdutil.ExitCode(err))
	}
	csv := readFile(t, fx.opts.ResultsOut)
	if !strings.HasPrefix(csv, "row,employee_id,sam_account_name,dn,status,groups_removed,snapshot,error,entra_id,entra_disabled,entra_sessions_revoked,entra_licenses_removed,entra_groups_removed\n") ||
		!strings.Contains(csv, "2,,,,not_found,,,") || strings.Count(csv, ",offboarded,") != 2 {
		t.Errorf("results file:\n%s", csv)
	}

	// All not found: exit 3; a refused change: exit 1, naming the account.
	fx = newApplyFixture(t, false, "nobody")
	if err := applyRun(context.Background(), fx.opts); cmdutil.ExitCode(err) != cmdutil.ExitNotFound || !strings.Contains(err.Error(), "nobody") {
		t.Errorf("only leaver not found: %v (exit %d), want 3", err, cmdutil.ExitCode(err))
	}
	fx = newApplyFixture(t, false, "jdoe")
	fx.dir.offboardErr = errors.New("offboard jdoe: remove jdoe from Sales: not permitted")
	if err := applyRun(context.Background(), fx.opts); cmdutil.ExitCode(err) != cmdutil.ExitFailed || !strings.Contains(err.Error(), "not permitted") {
		t.Errorf("refused: %v (exit %d), want 1", err, cmdutil.ExitCode(err))
	}
	if log := readFile(t, fx.logPath); !strings.Contains(log, `"result":"error"`) {
		t.Errorf("the offboard.run outcome does not record the failure:\n%s", log)
	}

	// An unknown kept group stops everything before any account is read (exit 3).
	fx = newApplyFixture(t, false, "jdoe")
	fx.opts.Source.KeepGroups, fx.opts.Source.keepGiven = []string{"Salse"}, true
	if err := applyRun(context.Background(), fx.opts); cmdutil.ExitCode(err) != cmdutil.ExitNotFound || len(fx.dir.offboarded) != 0 {
		t.Errorf("unknown keep group: %v, offboarded %v", err, fx.dir.offboarded)
	}
}

func TestApplyFromACSVFileWithTheTemplate(t *testing.T) {
	dirPath := t.TempDir()
	tpl := filepath.Join(dirPath, "t.yaml")
	if err := os.WriteFile(tpl, []byte("upn_suffix: corp.example.com\nou: {default: \"OU=Staff,DC=corp\"}\n"+
		"columns: {employee_id: Personnel No}\noffboard: {disabled_ou: \""+testLeavers+"\", keep_groups: [Sales]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dirPath, "leavers.csv")
	if err := os.WriteFile(csvPath, []byte("Personnel No;Username\n1001;jdoe\n1002;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fx := newApplyFixture(t, false)
	fx.opts.Source = sourceOptions{CSV: csvPath, Template: tpl}
	if err := applyRun(context.Background(), fx.opts); err != nil {
		t.Fatal(err)
	}
	rs := fx.results(t)
	// Sales is kept by the template, so jdoe has nothing to leave but is still to disable and move.
	if len(rs) != 2 || rs[0].Row != 2 || rs[1].Row != 3 || strings.Join(fx.dir.offboarded, ",") != "jdoe,asmith" {
		t.Errorf("results %+v, offboarded %v", rs, fx.dir.offboarded)
	}
	if log := readFile(t, fx.logPath); !strings.Contains(log, `"name":"`+csvPath+`"`) {
		t.Errorf("the run record does not name the file:\n%s", log)
	}
}

// Interrupted after the first leaver: the results — and --results-out — still list every
// row, those not reached as not_attempted with what to do, as onboarding's do.
func TestApplyInterruptedListsEveryRow(t *testing.T) {
	fx := newApplyFixture(t, false, "jdoe", "asmith")
	fx.opts.ResultsOut = filepath.Join(t.TempDir(), "results.csv")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fx.dir.onOffboard = func(*directory.LeaverSnapshot) { cancel() } // Ctrl-C while jdoe is offboarded
	err := applyRun(ctx, fx.opts)
	if err == nil {
		t.Fatal("an interrupted run reported success")
	}
	rs := fx.results(t)
	if len(rs) != 2 || rs[0].Status != statusOffboarded || rs[1].Status != statusNotAttempted || rs[1].SAMAccountName != "asmith" ||
		!strings.Contains(rs[1].Error, "not started") {
		t.Fatalf("results: %+v", rs)
	}
	csv := readFile(t, fx.opts.ResultsOut)
	if !strings.Contains(csv, ",jdoe,") || !strings.Contains(csv, ",asmith,") || !strings.Contains(csv, ",not_attempted,") {
		t.Errorf("results file:\n%s", csv)
	}
	if n := len(fx.dir.offboarded); n != 1 {
		t.Errorf("%d leavers offboarded after the interrupt, want 1", n)
	}
}

// A run whose time runs out (not an interrupt) still lists every row.
func TestApplyOutOfTimeListsEveryRow(t *testing.T) {
	fx := newApplyFixture(t, false, "jdoe", "asmith")
	fx.opts.ResultsOut = filepath.Join(t.TempDir(), "results.csv")
	expired, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	err := applyRun(expired, fx.opts)
	if err == nil {
		t.Fatal("a run out of time reported success")
	}
	rs := fx.results(t)
	if len(rs) != 2 || rs[0].Status != statusNotAttempted || rs[1].Status != statusNotAttempted ||
		!strings.Contains(rs[1].Error, "run the same command again") {
		t.Fatalf("results: %+v", rs)
	}
}
