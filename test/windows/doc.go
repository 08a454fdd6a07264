// Package windows runs adkit's Windows build under Wine against the lab domain controller:
// the binary a technician on a Windows desk runs, cross-compiled (GOOS=windows), doing the
// help-desk work end to end, plus the unit tests of the Windows-only code (file locks,
// owner-only ACLs) cross-compiled and run there too. Everything is in wine_test.go; this
// file only gives the package a non-test file.
package windows
