// Package ownerfile makes a file readable and writable by the user running adkit only: the
// files that hold passwords, keys, the audit log and snapshots. On Unix that is mode 0600.
// On Windows the mode bits mean nothing (os.Chmod there only sets the read-only attribute),
// so the file's DACL is replaced by one that grants full control to the current user's SID
// alone and is protected, i.e. does not inherit the folder's entries (Administrators, Users,
// a share's Everyone): the NTFS meaning of 0600.
package ownerfile
