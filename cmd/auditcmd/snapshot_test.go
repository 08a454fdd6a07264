package auditcmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit/check"
	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

func TestSnapshotRunWritesPrivateFile(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	path := filepath.Join(t.TempDir(), "baseline.json")
	var loaded check.LoadOptions
	opts := &snapshotOptions{IO: ios, Load: fakeLoad(testInventory(), &loaded), Now: func() time.Time { return now }, Out: path}
	if err := snapshotRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if loaded.ACLs {
		t.Error("a snapshot needs no descriptors")
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600: the file lists the domain's admins", info.Mode().Perm())
	}
	f, _ := os.Open(path)
	defer f.Close()
	snap, err := check.ReadSnapshot(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Groups) != 1 || snap.Groups[0].Members[0].SAMAccountName != "sqladm" {
		t.Errorf("snapshot: %+v", snap)
	}
	if out.Len() != 0 || !strings.Contains(errOut.String(), "written to "+path) {
		t.Errorf("stdout %q, stderr %q", out, errOut)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestSnapshotRunToStdout(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	opts := &snapshotOptions{IO: ios, Load: fakeLoad(testInventory(), nil), Now: func() time.Time { return now }}
	if err := snapshotRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if _, err := check.ReadSnapshot(out); err != nil {
		t.Errorf("stdout is not a snapshot: %v", err)
	}
}

func TestDiffRun(t *testing.T) {
	before := testInventory()
	before.Accounts[0].MemberOf = nil
	after := testInventory()
	after.Accounts[0].UAC |= 0x10000 // flags of accounts in both snapshots are compared
	oldPath := writeSnapshot(t, check.NewSnapshot(before, now))
	midPath := writeSnapshot(t, check.NewSnapshot(testInventory(), now))
	newPath := writeSnapshot(t, check.NewSnapshot(after, now))

	ios, _, out, _ := iostreams.Test()
	if err := diffRun(&diffOptions{IO: ios, Format: output.FormatAuto, Old: oldPath, New: midPath}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "added\tDomain Admins\tsqladm\tadded to Domain Admins, direct\tCN=sqladm,DC=corp,DC=example,DC=com\n" {
		t.Errorf("plain diff: %q", out)
	}

	out.Reset()
	if err := diffRun(&diffOptions{IO: ios, Format: output.FormatJSON, Old: midPath, New: newPath}); err != nil {
		t.Fatal(err)
	}
	var d check.Diff
	if err := json.Unmarshal(out.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Changes) != 1 || d.Changes[0].Change != check.ChangeFlagsChanged || d.Changes[0].FlagsAdded[0] != "password_never_expires" {
		t.Errorf("json diff: %+v", d.Changes)
	}

	out.Reset()
	if err := diffRun(&diffOptions{IO: ios, Format: output.FormatTable, Old: midPath, New: midPath}); err != nil || !strings.HasPrefix(out.String(), "No changes") {
		t.Errorf("no changes: %q, %v", out, err)
	}
}

func TestDiffRunBadInput(t *testing.T) {
	notSnapshot := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(notSnapshot, []byte(`{"findings": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	good := writeSnapshot(t, check.NewSnapshot(testInventory(), now))
	for _, pair := range [][2]string{{notSnapshot, good}, {good, filepath.Join(t.TempDir(), "missing.json")}} {
		ios, _, _, _ := iostreams.Test()
		err := diffRun(&diffOptions{IO: ios, Old: pair[0], New: pair[1]})
		if code := cmdutil.ExitCode(err); code != cmdutil.ExitUsage {
			t.Errorf("diff %v: exit %d (%v), want %d", pair, code, err, cmdutil.ExitUsage)
		}
	}
}

func TestDiffArgs(t *testing.T) {
	f, _, _ := testFactory("")
	if _, err := cmdtest.Parse(f, newCmdDiff, "only-one.json"); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "OLD and NEW") {
		t.Errorf("one argument: %v", err)
	}
}

func TestChecksRun(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	if err := checksRun(&checksOptions{IO: ios, Format: output.FormatJSON}); err != nil {
		t.Fatal(err)
	}
	var infos []checkInfo
	if err := json.Unmarshal(out.Bytes(), &infos); err != nil {
		t.Fatal(err)
	}
	if len(infos) != len(check.Catalog()) {
		t.Fatalf("%d checks listed, want %d", len(infos), len(check.Catalog()))
	}
	for _, c := range infos {
		if c.ID == "" || c.Severity == "" || c.Title == "" || c.Why == "" || c.Fix == "" {
			t.Errorf("incomplete: %+v", c)
		}
	}
	out.Reset()
	if err := checksRun(&checksOptions{IO: ios, Format: output.FormatAuto}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "kerberoastable-privileged\tcritical\tPrivileged user accounts with a servicePrincipalName") {
		t.Errorf("plain list: %q", out)
	}
}
