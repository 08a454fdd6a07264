package graph

import "golang.org/x/sys/unix"

// forgetKey unlinks the kernel keyring key that azidentity/cache encrypts the token cache
// named name with, from the persistent keyring or the user keyring, where azidentity/cache
// puts it. Without the file the key decrypts nothing; removing it leaves nothing behind.
func forgetKey(name string) bool {
	user, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, false)
	if err != nil {
		return false
	}
	// As azidentity/cache does: link the user keyring into the session keyring, so that this
	// process possesses the keys reachable from it and may search and unlink them.
	if session, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, true); err == nil {
		_, _ = unix.KeyctlInt(unix.KEYCTL_LINK, user, session, 0, 0)
	}
	rings := []int{user}
	if persistent, err := unix.KeyctlInt(unix.KEYCTL_GET_PERSISTENT, -1, user, 0, 0); err == nil {
		rings = append([]int{persistent}, rings...)
	}
	removed := false
	for _, ring := range rings {
		for {
			id, err := unix.KeyctlSearch(ring, "user", name, 0)
			if err != nil {
				break
			}
			if _, err := unix.KeyctlInt(unix.KEYCTL_UNLINK, id, ring, 0, 0); err != nil {
				break
			}
			removed = true
		}
	}
	return removed
}
