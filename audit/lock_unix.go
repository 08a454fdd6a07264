//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || solaris

package audit

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockFile takes an exclusive flock(2) on f, waiting for it. flock locks
// belong to the open file description, so two goroutines of one process
// that each open the log exclude each other just as two processes do.
func lockFile(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			return err
		}
	}
}

func unlockFile(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_UN)
}
