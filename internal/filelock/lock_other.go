//go:build !(darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || solaris || windows)

package filelock

import (
	"fmt"
	"os"
	"runtime"
)

// Lock fails on platforms without a file lock adkit knows how to take.
// Appending without one could fork the chain, and a log that cannot be
// written safely must stop changes rather than let them through unrecorded.
func Lock(*os.File) error {
	return fmt.Errorf("file locking is not supported on %s", runtime.GOOS)
}

// RLock does nothing here: Lock fails, so nothing appends under adkit's rules and a
// reader has no half-done write to wait for; reading a log copied here still works.
func RLock(*os.File) error { return nil }

func Unlock(*os.File) error { return nil }
