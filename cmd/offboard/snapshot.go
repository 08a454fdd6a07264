package offboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/snapshotfile"
)

// defaultSnapshotDir is $XDG_STATE_HOME/adkit/leavers (~/.local/state/adkit/leavers).
func defaultSnapshotDir(getenv func(string) string) (string, error) {
	dir, err := config.StateDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "leavers"), nil
}

// snapshotStore writes snapshot files into one directory, created owner-only.
type snapshotStore struct {
	dir string
}

func openSnapshotStore(dir string) (*snapshotStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("snapshot directory: %w", err)
	}
	return &snapshotStore{dir: dir}, nil
}

// write saves a snapshot as <sam>-<UTC time>.json, mode 0600, never over another file, and
// synced to disk before it returns: the account is changed only once its snapshot is safe.
// snapshotfile does the saving, as for group delete's snapshots; the name is made file-safe
// here first, by the stricter rule leaver snapshots have always been named by (earlier and
// first find them by it).
func (s *snapshotStore) write(snap *directory.LeaverSnapshot) (path string, err error) {
	return snapshotfile.Save(s.dir, fileSafe(snap.SAMAccountName), snap.TakenAt, snap)
}

// earlier lists the snapshots already saved for an account name, oldest first.
func (s *snapshotStore) earlier(sam string) []string {
	matches, _ := filepath.Glob(filepath.Join(s.dir, fileSafe(sam)+"-*.json"))
	return matches // Glob sorts, and the names sort by time
}

// first returns the snapshot of the account (its logon name and objectGUID) that counts as
// the one taken before its offboarding changed anything: the newest that shows no offboarding
// under way, else the oldest. "" when there is none. disabledOU may be "".
func (s *snapshotStore) first(sam, guid, disabledOU string) (string, *directory.LeaverSnapshot) {
	var oldest string
	var oldestSnap *directory.LeaverSnapshot
	paths := s.earlier(sam)
	for i := len(paths) - 1; i >= 0; i-- {
		snap, err := readSnapshot(paths[i])
		if err != nil || guid != "" && !strings.EqualFold(snap.ObjectGUID, guid) {
			continue
		}
		if !offboardingBegun(snap, disabledOU) {
			return paths[i], snap
		}
		oldest, oldestSnap = paths[i], snap
	}
	return oldest, oldestSnap
}

// sameAccountState reports whether two snapshots show the account in the same state: equal
// in everything but when, through which DC and under which ticket they were taken.
func sameAccountState(a, b *directory.LeaverSnapshot) bool {
	if a == nil || b == nil {
		return false
	}
	x, y := *a, *b
	x.TakenAt, y.TakenAt = time.Time{}, time.Time{}
	x.Server, y.Server = "", ""
	x.Ticket, y.Ticket = "", ""
	jx, errx := json.Marshal(x)
	jy, erry := json.Marshal(y)
	return errx == nil && erry == nil && bytes.Equal(jx, jy)
}

// offboardingBegun reports whether an account, as a snapshot shows it, already carries a step
// of an offboarding: disabled (the first step), description stamped, or in the leavers OU. A
// snapshot of such an account is not the "before" picture a restore needs.
func offboardingBegun(s *directory.LeaverSnapshot, disabledOU string) bool {
	return !s.Enabled || directory.IsLeaverStamp(s.Description) || disabledOU != "" && strings.EqualFold(strings.ReplaceAll(s.OU, " ", ""), strings.ReplaceAll(disabledOU, " ", ""))
}

// fileSafe keeps letters, digits, dot, dash and underscore; a logon name may hold more.
func fileSafe(name string) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, name)
	if safe = strings.TrimLeft(safe, "."); safe == "" {
		return "account"
	}
	return safe
}

// maxSnapshotSize bounds what restore reads: a snapshot is a few kilobytes.
const maxSnapshotSize = 1 << 20

// readSnapshot reads and checks a snapshot file. Any problem is a usage error (exit 2).
func readSnapshot(path string) (*directory.LeaverSnapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &cmdutil.FlagError{Err: fmt.Errorf("open snapshot: %w", err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSnapshotSize+1))
	if err != nil {
		return nil, &cmdutil.FlagError{Err: fmt.Errorf("read snapshot %s: %w", path, err)}
	}
	if len(data) > maxSnapshotSize {
		return nil, cmdutil.FlagErrorf("snapshot %s is larger than %d bytes; it is not a leaver snapshot", path, maxSnapshotSize)
	}
	s, err := directory.ParseLeaverSnapshot(data)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	return s, nil
}

// offboardingBegan is when the first snapshot of the account name in dir was taken: when its
// offboarding began. ok is false when dir holds none that can be read.
func offboardingBegan(dir, name string) (time.Time, bool) {
	if dir == "" || name == "" {
		return time.Time{}, false
	}
	for _, path := range (&snapshotStore{dir: dir}).earlier(name) {
		if s, err := readSnapshot(path); err == nil && !s.TakenAt.IsZero() && strings.EqualFold(s.SAMAccountName, name) {
			return s.TakenAt, true
		}
	}
	return time.Time{}, false
}
