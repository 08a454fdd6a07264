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

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

// writeTestSnapshot saves the fake directory's snapshot of sam where restore can read it.
func writeTestSnapshot(t *testing.T, d *fakeDir, sam string) string {
	t.Helper()
	snap, err := d.SnapshotLeaver(context.Background(), sam)
	if err != nil {
		t.Fatal(err)
	}
	store, err := openSnapshotStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	path, err := store.write(snap)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func newRestoreFixture(t *testing.T) (*restoreOptions, *fakeDir, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	d := newFakeDir()
	return &restoreOptions{IO: ios, Target: "jdoe", Snapshot: writeTestSnapshot(t, d, "jdoe"),
		Dir: func(context.Context) (restorer, error) { return d, nil }}, d, out, errOut
}

func TestRestorePrintsThePasswordOnce(t *testing.T) {
	// Piped: stdout is the password alone, so that pw=$(adkit offboard restore ...) works.
	opts, d, out, errOut := newRestoreFixture(t)
	if err := restoreRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if out.String() != "Fresh-Pa55word-xyz\n" || len(d.restored) != 1 {
		t.Errorf("stdout = %q, want only the password", out)
	}
	if !strings.Contains(errOut.String(), "✓ jdoe: enabled") || !strings.Contains(errOut.String(), "CN=Gone,DC=corp is no longer in the directory") {
		t.Errorf("stderr = %q, want the steps and the missing group", errOut)
	}

	// JSON: the password is in it, with what was restored.
	opts, _, out, _ = newRestoreFixture(t)
	opts.Format = output.FormatJSON
	if err := restoreRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var got restoreJSON
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || got.Password != "Fresh-Pa55word-xyz" || !got.MustChangePassword ||
		len(got.MissingGroups) != 1 || !got.Enabled {
		t.Errorf("json = %s (%v)", out, err)
	}
}

func TestRestoreWritesThePasswordFile(t *testing.T) {
	opts, _, out, errOut := newRestoreFixture(t)
	opts.PasswordOut = filepath.Join(t.TempDir(), "pw.txt")
	if err := os.WriteFile(opts.PasswordOut, []byte("an older, longer secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := restoreRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(opts.PasswordOut)
	if readFile(t, opts.PasswordOut) != "Fresh-Pa55word-xyz" || info.Mode().Perm() != 0o600 {
		t.Errorf("password file %q mode %v, want the password alone, 0600", readFile(t, opts.PasswordOut), info.Mode().Perm())
	}
	if strings.Contains(out.String()+errOut.String(), "Fresh-Pa55word") {
		t.Error("the password was printed although it went to a file")
	}
}

func TestRestoreRefusesBeforeChanging(t *testing.T) {
	// The snapshot of another account.
	opts, d, _, _ := newRestoreFixture(t)
	opts.Target = "asmith"
	err := restoreRun(context.Background(), opts)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "the snapshot is of jdoe") || len(d.restored) != 0 {
		t.Errorf("another account's snapshot: %v, restored %v; want exit 2 and nothing done", err, d.restored)
	}

	// A password file that cannot be written.
	opts, d, _, _ = newRestoreFixture(t)
	opts.PasswordOut = filepath.Join(t.TempDir(), "no", "such", "dir", "pw.txt")
	if err := restoreRun(context.Background(), opts); cmdutil.ExitCode(err) != cmdutil.ExitUsage || len(d.restored) != 0 {
		t.Errorf("unwritable --password-out: %v, restored %v", err, d.restored)
	}

	// A failed restore leaves no empty password file behind.
	opts, d, _, _ = newRestoreFixture(t)
	opts.PasswordOut = filepath.Join(t.TempDir(), "pw.txt")
	d.restoreErr = errors.New("restore jdoe: its old OU is gone")
	if err := restoreRun(context.Background(), opts); err == nil {
		t.Fatal("a failed restore returned no error")
	}
	if _, err := os.Stat(opts.PasswordOut); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed restore left %s behind (%v)", opts.PasswordOut, err)
	}

	// Not a snapshot at all: exit 2 before connecting.
	opts, _, _, _ = newRestoreFixture(t)
	opts.Snapshot = filepath.Join(t.TempDir(), "x.json")
	if err := os.WriteFile(opts.Snapshot, []byte(`{"version": 9}`), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.Dir = func(context.Context) (restorer, error) {
		t.Fatal("connected although the snapshot is bad")
		return nil, nil
	}
	if err := restoreRun(context.Background(), opts); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "version 9") {
		t.Errorf("bad snapshot: %v", err)
	}
}

func TestNewCmdRestoreAndPlanFlags(t *testing.T) {
	for cli, want := range map[string]string{
		"restore --snapshot s.json":                 "missing USER",
		"restore jdoe --snapshot s.json -o csv":     "output format",
		"plan":                                      "missing the leavers",
		"plan leavers.csv --user jdoe":              "either a CSV file or --user",
		"restore jdoe asmith --snapshot s.json":     "expects USER",
		"plan --user jdoe --template t.yaml -o xml": "output format",
	} {
		ios, _, _, _ := iostreams.Test()
		f := &factory.Factory{IO: ios, Globals: &factory.Globals{}, Getenv: func(string) string { return "" }}
		root := NewCmdOffboard(f)
		args := strings.Fields(cli)
		for i, a := range args { // -o is a global flag, set here as the root command would
			if a == "-o" {
				f.Globals.Output, args = args[i+1], args[:i]
				break
			}
		}
		root.SetArgs(args)
		root.SetOut(&bytes.Buffer{})
		root.SetErr(&bytes.Buffer{})
		err := root.Execute()
		if err == nil || !strings.Contains(err.Error(), want) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%s: error = %v, want %q (exit 2)", cli, err, want)
		}
	}
}
