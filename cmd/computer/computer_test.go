package computer

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/computer/shared"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/secret"
)

// The commands reach ad.Client through factory.Directory, which checks the interface at run
// time; these make a mismatch a compile error instead of an "Entra ID only" message.
var (
	_ computerReader   = (*ad.Client)(nil)
	_ computerSearcher = (*ad.Client)(nil)
	_ computerEnabler  = (*ad.Client)(nil)
	_ computerMover    = (*ad.Client)(nil)
	_ computerResetter = (*ad.Client)(nil)
	_ computerDeleter  = (*ad.Client)(nil)
	_ lapsService      = (*ad.Client)(nil)
	_ shared.KeyReader = (*ad.Client)(nil)
	_ shared.KeyFinder = (*ad.Client)(nil)
)

const fakePassword = "Fake-LAPS-Pa55-q7"

type fakeLAPS struct {
	reads, expires int
	asked          []string // the computers read or expired: runLAPS checks they are the target
	res            directory.LAPSPassword
	err            error
}

func (f *fakeLAPS) ReadLAPSPassword(_ context.Context, ident string) (directory.LAPSPassword, error) {
	f.reads++
	f.asked = append(f.asked, ident)
	return f.res, f.err
}

func (f *fakeLAPS) ExpireLAPSPassword(_ context.Context, ident string, _ time.Time) (directory.ComputerOutcome, error) {
	f.expires++
	f.asked = append(f.asked, ident)
	return directory.ComputerOutcome{Computer: f.res.Computer, Changed: true, Note: "LAPS password expired"}, nil
}

func windowsLAPS() directory.LAPSPassword {
	upd := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	exp := upd.Add(30 * 24 * time.Hour)
	return directory.LAPSPassword{Computer: &directory.Computer{DN: "CN=WS-1,OU=WS,DC=corp", Name: "WS-1", SAMAccountName: "WS-1$"},
		Source: "windows", Account: "Administrator", Password: secret.New(fakePassword), Updated: &upd, Expires: &exp}
}

func runLAPS(t *testing.T, fake *fakeLAPS, format output.Format, mutate func(*lapsOptions)) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	opts := &lapsOptions{
		IO:             ios,
		Computers:      func(context.Context) (lapsService, error) { return fake, nil },
		TicketRequired: func() (bool, error) { return false, nil },
		Now:            func() time.Time { return time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC) },
		Format:         format,
		Target:         "WS-1",
	}
	if mutate != nil {
		mutate(opts)
	}
	err := lapsRun(context.Background(), opts)
	// The fake answers for any computer: only this ties the password shown to the one asked for.
	for _, ident := range fake.asked {
		if ident != opts.Target {
			t.Errorf("the directory was asked for the LAPS password of %q, want the target %q", ident, opts.Target)
		}
	}
	return out.String(), errOut.String(), err
}

// require_ticket_for_secrets: no --ticket, no read (exit 2), and the directory is not asked.
func TestLAPSRefusesWithoutTicketWhenRequired(t *testing.T) {
	fake := &fakeLAPS{res: windowsLAPS()}
	out, _, err := runLAPS(t, fake, output.FormatJSON, func(o *lapsOptions) {
		o.TicketRequired = func() (bool, error) { return true, nil }
	})
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--ticket") {
		t.Fatalf("err = %v (exit %d), want a usage error naming --ticket", err, cmdutil.ExitCode(err))
	}
	if fake.reads != 0 || out != "" {
		t.Errorf("the password was read (%d reads) or something printed without a ticket", fake.reads)
	}
	if _, _, err := runLAPS(t, fake, output.FormatJSON, func(o *lapsOptions) {
		o.TicketRequired = func() (bool, error) { return true, nil }
		o.Ticket = "INC-1"
	}); err != nil || fake.reads != 1 {
		t.Errorf("with a ticket: err %v, reads %d", err, fake.reads)
	}
}

func TestLAPSJSONShowsThePasswordOnce(t *testing.T) {
	fake := &fakeLAPS{res: windowsLAPS()}
	out, _, err := runLAPS(t, fake, output.FormatJSON, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if got["password"] != fakePassword {
		t.Error("json: the password field does not hold the password")
	}
	for _, k := range []string{"computer", "dn", "source", "account", "password_updated", "expires", "encrypted"} {
		if _, ok := got[k]; !ok {
			t.Errorf("json: no %q key", k)
		}
	}
	if strings.Count(out, fakePassword) != 1 {
		t.Errorf("the password appears %d times in the output, want once", strings.Count(out, fakePassword))
	}
}

func TestLAPSPasswordOutWritesA0600FileAndNotStdout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw.txt")
	fake := &fakeLAPS{res: windowsLAPS()}
	out, _, err := runLAPS(t, fake, output.FormatTable, func(o *lapsOptions) { o.PasswordOut = path })
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != fakePassword {
		t.Errorf("the file does not hold exactly the password (%d bytes)", len(data))
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", st.Mode().Perm())
	}
	if strings.Contains(out, fakePassword) || !strings.Contains(out, path) {
		t.Errorf("stdout shows the password, or does not say where it went")
	}
}

// A path that cannot be written is refused before anything is read.
func TestLAPSUnwritablePasswordOutReadsNothing(t *testing.T) {
	fake := &fakeLAPS{res: windowsLAPS()}
	_, _, err := runLAPS(t, fake, output.FormatTable, func(o *lapsOptions) { o.PasswordOut = "/nonexistent-dir/pw.txt" })
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || fake.reads != 0 {
		t.Errorf("err %v, reads %d: want exit 2 before any read", err, fake.reads)
	}
}

// An encrypted password is never printed as bytes: the output says it is encrypted and which
// Windows command reads it.
func TestLAPSEncryptedSaysHowToReadIt(t *testing.T) {
	res := windowsLAPS()
	res.Source, res.Encrypted, res.Password, res.Account = "windows-encrypted", true, secret.Secret{}, ""
	fake := &fakeLAPS{res: res}
	for _, f := range []output.Format{output.FormatTable, output.FormatJSON, output.FormatCSV} {
		out, errOut, err := runLAPS(t, fake, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out+errOut, "Get-LapsADPassword -Identity WS-1 -AsPlainText") || !strings.Contains(out+errOut, "encrypted") {
			t.Errorf("-o %s: does not say the password is encrypted and how to read it:\n%s%s", f, out, errOut)
		}
	}
	out, _, _ := runLAPS(t, fake, output.FormatJSON, nil)
	var got map[string]any
	_ = json.Unmarshal([]byte(out), &got)
	if got["password"] != nil || got["encrypted"] != true {
		t.Errorf("json: password %v encrypted %v; want null and true", got["password"], got["encrypted"])
	}
}

func TestLAPSExpireNowShowsNoPassword(t *testing.T) {
	fake := &fakeLAPS{res: windowsLAPS()}
	out, _, err := runLAPS(t, fake, output.FormatJSON, func(o *lapsOptions) { o.ExpireNow = true })
	if err != nil {
		t.Fatal(err)
	}
	if fake.expires != 1 || fake.reads != 0 || strings.Contains(out, fakePassword) || !strings.Contains(out, `"changed"`) {
		t.Errorf("expire-now: %d expires, %d reads, output %s", fake.expires, fake.reads, out)
	}
}

type fakeKeys struct {
	keys  directory.BitLockerKeys
	asked []string // the computers whose keys were read
}

func (f *fakeKeys) ReadBitLockerKeys(_ context.Context, computer string) (directory.BitLockerKeys, error) {
	f.asked = append(f.asked, computer)
	return f.keys, nil
}

func TestBitLockerOutputAndOutFile(t *testing.T) {
	pc := &directory.Computer{DN: "CN=WS-1,OU=WS,DC=corp", Name: "WS-1"}
	t1 := time.Date(2026, 2, 14, 7, 30, 0, 0, time.UTC)
	keys := directory.BitLockerKeys{Keys: []directory.BitLockerKey{{Computer: pc, KeyID: "C7D94A20-0000-0000-0000-000000000000", Created: &t1,
		RecoveryPassword: secret.New("111111-222222-333333-444444-555555-666666-077770-088880")}}}
	run := func(format output.Format, out string) (string, error) {
		ios, _, stdout, _ := iostreams.Test()
		fake := &fakeKeys{keys: keys}
		err := bitLockerRun(context.Background(), &bitLockerOptions{IO: ios, Format: format, Target: "WS-1", Out: out,
			TicketRequired: func() (bool, error) { return false, nil },
			Computers:      func(context.Context) (shared.KeyReader, error) { return fake, nil }})
		// The fake answers for any computer: only this ties the keys shown to the one asked for.
		if len(fake.asked) != 1 || fake.asked[0] != "WS-1" {
			t.Errorf("keys read for %q, want [WS-1]", fake.asked)
		}
		return stdout.String(), err
	}
	out, err := run(output.FormatCSV, "")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || lines[0] != "computer,key_id,created,recovery_password,volume_id,computer_dn,dn" || !strings.Contains(lines[1], "111111-222222") {
		t.Errorf("csv: %d lines, header %q", len(lines), lines[0])
	}
	path := filepath.Join(t.TempDir(), "keys.json")
	out, err = run(output.FormatJSON, path)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(out, "111111") || !strings.Contains(string(data), `"recovery_password": "111111-222222`) {
		t.Errorf("--out: the key is on stdout, or not in the file")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("--out file mode %v, want 0600", st.Mode().Perm())
	}
}

type fakeDeleter struct {
	calls int
	snap  *directory.ComputerSnapshot
}

func (f *fakeDeleter) DeleteComputer(_ context.Context, ident string, opts directory.DeleteComputerOptions) (directory.ComputerOutcome, *directory.ComputerSnapshot, error) {
	f.calls++
	pc := &directory.Computer{DN: "CN=" + ident + ",OU=WS,DC=corp", Name: ident, SAMAccountName: ident + "$"}
	f.snap = &directory.ComputerSnapshot{Version: 1, TakenAt: opts.Now, DN: pc.DN, SAMAccountName: pc.SAMAccountName}
	if err := opts.Save(f.snap); err != nil {
		return directory.ComputerOutcome{Computer: pc}, f.snap, err
	}
	return directory.ComputerOutcome{Computer: pc, Changed: true, Note: "deleted"}, f.snap, nil
}

type answer bool

func (a answer) Confirm(string, bool) (bool, error) { return bool(a), nil }

func TestDeleteConfirmsAndKeepsSnapshots(t *testing.T) {
	dir := t.TempDir()
	run := func(yes, tty bool, ok answer, targets ...string) (*fakeDeleter, string, error) {
		ios, _, out, _ := iostreams.Test()
		ios.SetTTY(tty, tty, tty)
		fake := &fakeDeleter{}
		err := deleteRun(context.Background(), &deleteOptions{Bulk: cmdutil.Bulk{IO: ios, Confirmer: ok, Yes: yes, Format: output.FormatJSON, Targets: targets},
			SnapshotDir: dir, Now: func() time.Time { return time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) },
			Computers: func(context.Context) (computerDeleter, error) { return fake, nil }})
		return fake, out.String(), err
	}
	// No terminal and no --yes: refused, even for one computer, before connecting.
	if fake, _, err := run(false, false, true, "WS-1"); cmdutil.ExitCode(err) != cmdutil.ExitUsage || fake.calls != 0 {
		t.Errorf("no tty, no --yes: err %v, %d deletes", err, fake.calls)
	}
	// A "no" at the prompt deletes nothing.
	if fake, _, err := run(false, true, false, "WS-1"); !errors.Is(err, cmdutil.ErrDeclined) || fake.calls != 0 {
		t.Errorf("declined: err %v, %d deletes", err, fake.calls)
	}
	fake, out, err := run(true, false, true, "WS-1")
	if err != nil || fake.calls != 1 {
		t.Fatalf("--yes: err %v, %d deletes", err, fake.calls)
	}
	path := filepath.Join(dir, "WS-1-20261203T100000Z.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("snapshot not written: %v", err)
	}
	var snap directory.ComputerSnapshot
	if err := json.Unmarshal(data, &snap); err != nil || snap.DN != "CN=WS-1,OU=WS,DC=corp" {
		t.Errorf("snapshot %s: %v %+v", path, err, snap)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("snapshot mode %v, want 0600", st.Mode().Perm())
	}
	if !strings.Contains(out, path) {
		t.Errorf("the report does not say where the snapshot is: %s", out)
	}
	// The same computer deleted again in the same second: the first snapshot is not overwritten.
	if _, _, err := run(true, false, true, "WS-1"); err == nil || !strings.Contains(err.Error(), "snapshot") {
		t.Errorf("a second snapshot with the same name: err %v, want a refusal", err)
	}
}
