//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || solaris

package filelock

import (
	"os"

	"golang.org/x/sys/unix"
)

// Lock takes an exclusive flock(2) on f, waiting for it. flock locks
// belong to the open file description, so two goroutines of one process
// that each open the log exclude each other just as two processes do.
func Lock(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			return err
		}
	}
}

// RLock takes a shared flock(2) on f, waiting for it: readers hold it together, and it waits
// for a Lock holder to finish, so a reader never sees a write half done.
func RLock(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_SH)
		if err != unix.EINTR {
			return err
		}
	}
}

func Unlock(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_UN)
}
