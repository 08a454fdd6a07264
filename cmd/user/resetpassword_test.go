package user

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/secret"
)

// fakeResetter records resets; err, when set, is what the directory answers.
type fakeResetter struct {
	calls    int
	err      error
	unlocked bool
	dryRun   bool // answer as a dry-run client does: would change, nothing changed
}

func (f *fakeResetter) ResetPassword(_ context.Context, ident string, opts directory.ResetOptions) (directory.ResetResult, error) {
	f.calls++
	u := &directory.User{DN: "CN=" + ident + ",OU=Staff,DC=corp", SAMAccountName: ident}
	if f.err != nil {
		return directory.ResetResult{Outcome: directory.Outcome{User: u}}, f.err
	}
	if f.dryRun {
		return directory.ResetResult{Outcome: directory.Outcome{User: u, WouldChange: true, Note: "would reset the password (dry run: nothing changed)"}}, nil
	}
	return directory.ResetResult{Outcome: directory.Outcome{User: u, Changed: true, Note: "password reset"},
		Password: secret.New("Generated-Passw0rd!"), Generated: true, Unlocked: f.unlocked && opts.Unlock}, nil
}

// A dry run is marked "~" like disable's and the other commands', never "✓" (done).
func TestResetPasswordDryRunMarker(t *testing.T) {
	out, err := runReset(t, &fakeResetter{dryRun: true}, output.FormatTable, func(o *resetOptions) { o.DryRun = true })
	if err != nil || !strings.HasPrefix(out, "~ jdoe: would reset") || strings.Contains(out, "✓") {
		t.Errorf("dry run printed %q (%v), want it marked ~", out, err)
	}
}

func runReset(t *testing.T, users *fakeResetter, format output.Format, mutate func(*resetOptions)) (stdout string, err error) {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	opts := &resetOptions{
		IO:     ios,
		Users:  func(context.Context) (passwordResetter, error) { return users, nil },
		Format: format,
		Target: "jdoe",
	}
	if mutate != nil {
		mutate(opts)
	}
	err = resetRun(context.Background(), opts)
	return out.String(), err
}

// A usage error found after the reset would leave the account with a password nobody was
// given: -o csv, which reset-password cannot print, must be refused before anything changes.
func TestResetPasswordCSVIsRefusedBeforeTheReset(t *testing.T) {
	reached, err := cmdtest.Parse(cmdtest.Factory(factory.Globals{Output: "csv"}, nil), newCmdResetPassword, "jdoe")
	if code, called := cmdutil.ExitCode(err), reached != nil; code != cmdutil.ExitUsage || called {
		t.Fatalf("-o csv: exit %d (%v), reached the reset: %v; want exit 2 before the reset", code, err, called)
	}

	users := &fakeResetter{}
	if _, err := runReset(t, users, output.FormatCSV, nil); cmdutil.ExitCode(err) != cmdutil.ExitUsage || users.calls != 0 {
		t.Fatalf("resetRun -o csv: exit %d (%v), %d resets; want exit 2 and no reset", cmdutil.ExitCode(err), err, users.calls)
	}
}

func TestResetPasswordLengthFlag(t *testing.T) {
	for _, tt := range []struct {
		cli     string
		wantErr bool
	}{
		{"jdoe", false}, {"jdoe --length 16", false}, {"jdoe --length 128", false},
		{"jdoe --length 5", true}, {"jdoe --length 0", true}, {"jdoe --length 129", true},
	} {
		_, err := cmdtest.Parse(cmdtest.Factory(factory.Globals{}, nil), newCmdResetPassword, tt.cli)
		if tt.wantErr != (err != nil) || (err != nil && cmdutil.ExitCode(err) != cmdutil.ExitUsage) {
			t.Errorf("%s: error = %v, want error: %v (exit 2)", tt.cli, err, tt.wantErr)
		}
	}
}

// --password-out that cannot be written is found before the reset, not after it, when the new
// password would be lost.
func TestResetPasswordUnwritablePasswordOutChangesNothing(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "no", "such", "dir", "pw.txt"), dir} {
		users := &fakeResetter{}
		_, err := runReset(t, users, output.FormatAuto, func(o *resetOptions) { o.PasswordOut = path })
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || users.calls != 0 {
			t.Fatalf("--password-out %s: exit %d (%v), %d resets; want exit 2 and no reset", path, cmdutil.ExitCode(err), err, users.calls)
		}
		if !strings.Contains(err.Error(), "nothing was changed") {
			t.Errorf("message does not say nothing was changed: %v", err)
		}
	}
}

func TestResetPasswordOutFileOnSuccessAndFailure(t *testing.T) {
	dir := t.TempDir()
	// A refused reset leaves no new file behind, and an existing one as it was.
	fresh := filepath.Join(dir, "fresh.txt")
	refused := &fakeResetter{err: errors.New("not permitted")}
	if _, err := runReset(t, refused, output.FormatAuto, func(o *resetOptions) { o.PasswordOut = fresh }); err == nil {
		t.Fatal("a refused reset succeeded")
	}
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused reset left %s behind (%v)", fresh, err)
	}
	old := filepath.Join(dir, "old.txt")
	if err := os.WriteFile(old, []byte("previous content"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runReset(t, refused, output.FormatAuto, func(o *resetOptions) { o.PasswordOut = old }); err == nil {
		t.Fatal("a refused reset over an existing --password-out succeeded")
	}
	if b, _ := os.ReadFile(old); string(b) != "previous content" {
		t.Errorf("a refused reset changed %s to %q", old, b)
	}
	// A successful one replaces the content, mode 0600.
	if _, err := runReset(t, &fakeResetter{}, output.FormatAuto, func(o *resetOptions) { o.PasswordOut = old }); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(old)
	fi, _ := os.Stat(old)
	if string(b) != "Generated-Passw0rd!" || fi.Mode().Perm() != 0o600 {
		t.Errorf("after the reset: %q, mode %v; want the password alone, mode 0600", b, fi.Mode().Perm())
	}
	// A dry run writes nothing.
	dry := filepath.Join(dir, "dry.txt")
	if _, err := runReset(t, &fakeResetter{}, output.FormatAuto, func(o *resetOptions) { o.PasswordOut, o.DryRun = dry, true }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dry); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a dry run created %s", dry)
	}
}

// "unlocked" in the JSON says what happened, not what was asked for.
func TestResetPasswordJSONUnlockedIsWhatHappened(t *testing.T) {
	for _, locked := range []bool{false, true} {
		out, err := runReset(t, &fakeResetter{unlocked: locked}, output.FormatJSON, func(o *resetOptions) { o.Unlock = true })
		if err != nil {
			t.Fatal(err)
		}
		var got resetJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if got.Unlocked != locked {
			t.Errorf("account locked=%v, --unlock: JSON unlocked = %v", locked, got.Unlocked)
		}
	}
}
