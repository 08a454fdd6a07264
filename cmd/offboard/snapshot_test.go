package offboard

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
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
