// Package replacefile is how adkit writes a file whole in place of the one at a path: the
// credentials file's rewrites, the privilege snapshot, the audit checkpoint, the saved
// sign-in and token cache, the completion cache. One way, so that each gets all of it: the
// new content goes to a new file beside the path, owner-only and synced, which is renamed
// over the path, and the directory is synced; a reader sees the old content or the new,
// never half, an error leaves the path as it was, and a power cut once Write has returned
// keeps the new. The snapshots of internal/snapshotfile, which never replace a file, are
// written the same way (Fill, SyncDir).
package replacefile

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/adkit-dev/adkit/internal/ownerfile"
)

// Options are what the writers differ in.
type Options struct {
	// Prefix starts the new file's name; random digits follow (os.CreateTemp). The default,
	// "." + the path's base name + ".adkit-tmp-", says whose leftover a file is when a killed
	// process leaves it: hidden, beside the file it was to replace, naming it and adkit.
	Prefix string
	// MakeDir creates the path's directory (0700) when it is missing: for adkit's own files
	// under the user's config or cache directory, not for a path the technician gave.
	MakeDir bool
	// BeforeRename, when set, is called with the new file's name once it is written, synced
	// and closed, just before the rename: the credentials file opens and locks it there, so
	// that no other run can take the path's lock in between. An error stops Write; the path
	// is as it was and the new file is removed.
	BeforeRename func(name string) error
	// Crash, in tests only, stops Write after a step ("created", "written", "synced",
	// "renamed") as a killed process would, cleaning nothing up: Write returns ErrCrashed.
	Crash func(step string) bool
}

// ErrCrashed is what Write returns when Options.Crash stopped it.
var ErrCrashed = errors.New("stopped where a killed process would (test)")

// Write puts data at path in place of what is there (see the package comment): owner-only
// (mode 0600; on Windows the owner-only ACL), whatever the old file's mode was. On an error
// the path is as it was and nothing is left beside it.
func Write(path string, data []byte, o Options) error {
	dir := filepath.Dir(path)
	if o.MakeDir {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	prefix := o.Prefix
	if prefix == "" {
		prefix = "." + filepath.Base(path) + ".adkit-tmp-"
	}
	tmp, err := os.CreateTemp(dir, prefix+"*")
	if err != nil {
		return err
	}
	renamed, crashed := false, false
	crash := func(step string) bool {
		crashed = o.Crash != nil && o.Crash(step)
		return crashed
	}
	defer func() {
		if !renamed && !crashed { // a killed process cleans nothing up
			os.Remove(tmp.Name())
		}
	}()
	if crash("created") {
		tmp.Close()
		return ErrCrashed
	}
	if err := fill(tmp, data, func() bool { return crash("written") }); err != nil {
		return err
	}
	if crash("synced") {
		return ErrCrashed
	}
	if o.BeforeRename != nil {
		if err := o.BeforeRename(tmp.Name()); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	renamed = true
	if crash("renamed") {
		return ErrCrashed
	}
	SyncDir(dir)
	return nil
}

// Fill makes f, a file just created, owner-only (CreateTemp and OpenFile with 0600 make it
// so already; said again for Windows, where the ACL is what counts), writes data to it,
// syncs it and closes it: a file that may be relied on once Fill returns (with SyncDir for
// its name). f is closed on an error too.
func Fill(f *os.File, data []byte) error {
	return fill(f, data, func() bool { return false })
}

// fill is Fill, stopping after the write, f closed, when killed says so (Options.Crash).
func fill(f *os.File, data []byte, killed func() bool) error {
	err := ownerfile.Restrict(f)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil && killed() {
		f.Close()
		return ErrCrashed
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// SyncDir syncs directory dir, so that a name just made in it survives a power cut. Best
// effort: a directory cannot be opened on Windows, and the file is in place already.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
