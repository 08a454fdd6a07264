// Package filelock takes exclusive (and, for readers, shared) waiting, whole-file OS locks:
// flock(2) on unix and LockFileEx on Windows. The audit log appends under it so that many adkit processes can
// share one log, and onboarding holds it on the credentials file for a whole run.
package filelock
