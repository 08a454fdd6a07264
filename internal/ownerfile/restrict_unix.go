//go:build !windows

package ownerfile

import "os"

// Restrict makes f readable and writable by its owner only (mode 0600). Call it before a
// secret goes in.
func Restrict(f *os.File) error {
	return f.Chmod(0o600)
}
