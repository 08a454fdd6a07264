//go:build !windows

package ownerfile

import (
	"os"
	"syscall"
)

// Mine reports whether the file at path (described by info, from os.Lstat) belongs to the
// user running adkit and is readable and writable by that user only (mode 0600 or
// narrower): what Restrict leaves. A file adkit left behind passes; one another user or
// program made almost never does, so adkit may remove it.
func Mine(path string, info os.FileInfo) (bool, error) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return false, nil
	}
	return int(st.Uid) == os.Geteuid() && info.Mode().Perm()&0o077 == 0, nil
}
