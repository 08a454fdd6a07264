// Package snapshotfile saves the "before" pictures adkit keeps of what it deletes or
// strips (groups, and the same shape suits leavers and computers): one JSON file per object,
// owner-only, never over another file, on disk before the change is made.
package snapshotfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/replacefile"
)

// Save writes v as indented JSON to dir/<name>-<UTC time>.json (a -2, -3 ... suffix when
// that exists), mode 0600 in a 0700 directory, and syncs file and directory before it
// returns: a change may rely on the snapshot being there. A failed save leaves no file.
func Save(dir, name string, takenAt time.Time, v any) (path string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("snapshot directory: %w", err)
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode snapshot of %s: %w", name, err)
	}
	base := filepath.Join(dir, FileSafe(name)+"-"+takenAt.UTC().Format("20060102T150405Z"))
	var f *os.File
	for i := 1; ; i++ {
		path = base + ".json"
		if i > 1 {
			path = base + "-" + strconv.Itoa(i) + ".json"
		}
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if !errors.Is(err, fs.ErrExist) || i == 100 {
			break
		}
	}
	if err != nil {
		return "", fmt.Errorf("save snapshot of %s: %w", name, err)
	}
	// Not replacefile.Write: a snapshot never replaces another (O_EXCL above, under a new
	// name), so there is nothing to rename over; the writing itself is the same.
	if err := replacefile.Fill(f, append(data, '\n')); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("save snapshot of %s to %s: %w", name, path, err)
	}
	replacefile.SyncDir(dir) // make the new name durable too
	return path, nil
}

// FileSafe keeps a name usable as a file name on every system.
func FileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' || strings.ContainsRune(`*?"<>|`, r) {
			return '_'
		}
		return r
	}, s)
}

// DiscardIfRefused removes the snapshot at path, saved before a delete, when that delete
// failed with err without reaching the directory or was refused by it: nothing was deleted,
// and a snapshot left behind would stand in the snapshot directory for a deletion that never
// happened. A delete whose answer never came (audit.ErrNoAnswer, audit.ErrOutcomeUnknown) may
// have been made: its snapshot stays.
func DiscardIfRefused(path string, err error) {
	if path == "" || err == nil || errors.Is(err, audit.ErrNoAnswer) || errors.Is(err, audit.ErrOutcomeUnknown) {
		return
	}
	_ = os.Remove(path)
}
