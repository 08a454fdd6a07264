//go:build !(darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || solaris || windows)

package audit

import (
	"fmt"
	"os"
	"runtime"
)

// lockFile fails on platforms without a file lock adkit knows how to take.
// Appending without one could fork the chain, and a log that cannot be
// written safely must stop changes rather than let them through unrecorded.
func lockFile(*os.File) error {
	return fmt.Errorf("file locking is not supported on %s", runtime.GOOS)
}

func unlockFile(*os.File) error { return nil }
