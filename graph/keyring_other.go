//go:build !linux

package graph

// forgetKey has nothing to do outside Linux: the Keychain item (macOS) and DPAPI (Windows)
// protect only the cache file, which Logout removes.
func forgetKey(string) bool { return false }
