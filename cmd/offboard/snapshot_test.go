package offboard

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

// A run stopped after each step leaves the account more and more offboarded; the snapshot
// that counts is the one taken before the first change, whatever was saved after it (older
// adkit saved a new one on every re-run), and a rehire's next offboarding gets a new one.
func TestFirstSnapshotIsThePreChangeOne(t *testing.T) {
	store := &snapshotStore{dir: t.TempDir()}
	const guid, ou, leavers = "guid-1", "OU=Staff,DC=x", "OU=Leavers,DC=x"
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	save := func(enabled bool, groups []string, desc, where string) string {
		t.Helper()
		at = at.Add(time.Minute)
		p, err := store.write(&directory.LeaverSnapshot{Version: 1, TakenAt: at, Directory: "ad", DN: "CN=M," + where, OU: where, ObjectGUID: guid,
			SAMAccountName: "mgarcia", Enabled: enabled, Groups: groups, Description: desc})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	before := save(true, []string{"CN=Sales,DC=x"}, "Sales", ou)
	// What older runs saved after each step: disabled; groups gone; stamped; moved.
	save(false, []string{"CN=Sales,DC=x"}, "Sales", ou)
	save(false, []string{}, "Sales", ou)
	save(false, []string{}, "Left 2026-11-22 — previous description: Sales", ou)
	save(false, []string{}, "Left 2026-11-22 — previous description: Sales", leavers)
	if got, s := store.first("mgarcia", guid, leavers); got != before || len(s.Groups) != 1 {
		t.Errorf("first = %s, want %s (the one with the groups)", filepath.Base(got), filepath.Base(before))
	}
	if got, _ := store.first("mgarcia", "another-guid", ""); got != "" {
		t.Errorf("a snapshot of another account with the same name was picked: %s", got)
	}
	// Rehired and leaving again: the new pre-change snapshot counts.
	again := save(true, []string{"CN=Support,DC=x"}, "Support", ou)
	save(false, []string{}, "Support", ou)
	if got, _ := store.first("mgarcia", guid, leavers); got != again {
		t.Errorf("after a rehire, first = %s, want %s", filepath.Base(got), filepath.Base(again))
	}
	for _, half := range []*directory.LeaverSnapshot{
		{Enabled: false, OU: ou},
		{Enabled: true, OU: ou, Description: "Left 2026-11-22"},
		{Enabled: true, OU: leavers},
	} {
		if !offboardingBegun(half, leavers) {
			t.Errorf("%+v: not seen as an offboarding under way", half)
		}
	}
	if offboardingBegun(&directory.LeaverSnapshot{Enabled: true, OU: ou, Description: "Sales"}, leavers) {
		t.Error("an untouched account is seen as under way")
	}
}

// A run stopped after each step of an offboarding: the re-run keeps the snapshot the first
// run took before any change (no half-done one is saved next to it), and restore without
// --snapshot picks that one.
func TestRerunAfterEachStepKeepsThePreChangeSnapshot(t *testing.T) {
	steps := map[string]func(u *directory.User){
		"disable":        func(u *directory.User) { u.Enabled = false },
		"reset password": func(u *directory.User) { u.Enabled = false }, // nothing a snapshot shows
		"leave groups":   func(u *directory.User) { u.Enabled, u.MemberOf = false, nil },
		"stamp": func(u *directory.User) {
			u.Enabled, u.MemberOf, u.Description = false, nil, "Left 2026-11-22 (ticket INC-7)"
		},
		"move": func(u *directory.User) {
			u.Enabled, u.MemberOf, u.Description = false, nil, "Left 2026-11-22 (ticket INC-7)"
			u.DN = "CN=John Doe (jdoe)," + testLeavers
		},
	}
	for name, stoppedAfter := range steps {
		t.Run(name, func(t *testing.T) {
			fx := newApplyFixture(t, false, "jdoe")
			fx.dir.offboardErr = errors.New("interrupted while the request was under way")
			if err := applyRun(context.Background(), fx.opts); err == nil {
				t.Fatal("the interrupted run reported success")
			}
			first, _ := filepath.Glob(filepath.Join(fx.opts.SnapshotDir, "jdoe-*.json"))
			if len(first) != 1 {
				t.Fatalf("first run saved %v", first)
			}
			stoppedAfter(fx.dir.users["jdoe"])
			fx.dir.offboardErr = nil
			fx.out.Reset()
			if err := applyRun(context.Background(), fx.opts); err != nil {
				t.Fatalf("re-run: %v", err)
			}
			now, _ := filepath.Glob(filepath.Join(fx.opts.SnapshotDir, "jdoe-*.json"))
			if len(now) != 1 {
				t.Errorf("the re-run saved another snapshot of the half-done account: %v", now)
			}
			// After the last step there is nothing left to do: the leaver is skipped, no snapshot taken.
			if rs := fx.results(t); rs[0].Status != statusSkipped && rs[0].Snapshot != first[0] {
				t.Errorf("the re-run's result names snapshot %q; want the first, %q", rs[0].Snapshot, first[0])
			}

			ios, _, _, errOut := iostreams.Test()
			ropts := &restoreOptions{IO: ios, Target: "jdoe", SnapshotDir: fx.opts.SnapshotDir, Format: output.FormatJSON,
				Dir: func(context.Context) (restorer, error) { return fx.dir, nil }}
			used, err := findSnapshot(context.Background(), ropts)
			if err != nil || used != first[0] {
				t.Errorf("restore without --snapshot picks %q (%v); want %q\n%s", used, err, first[0], errOut)
			}
		})
	}
}
