//go:build windows

package filelock

import (
	"os"

	"golang.org/x/sys/windows"
)

// Lock the whole file, however long it grows: offset 0, length 2^64-1.
const (
	lockAllLow  = ^uint32(0)
	lockAllHigh = ^uint32(0)
)

// Lock takes an exclusive LockFileEx lock on f, waiting for it. Windows
// locks belong to the handle, so every Append's own handle excludes every
// other, in this process or another.
func Lock(f *os.File) error {
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK,
		0, lockAllLow, lockAllHigh, new(windows.Overlapped))
}

// RLock takes a shared LockFileEx lock on f, waiting for it: readers hold it together, and
// it waits for a Lock holder to finish, so a reader never sees a write half done.
func RLock(f *os.File) error {
	return windows.LockFileEx(windows.Handle(f.Fd()), 0, 0, lockAllLow, lockAllHigh, new(windows.Overlapped))
}

func Unlock(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, lockAllLow, lockAllHigh, new(windows.Overlapped))
}
