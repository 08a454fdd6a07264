//go:build !darwin || cgo

package graph

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity/cache"
)

// openCache opens the profile's persistent token cache, encrypted by azidentity/cache with
// the platform's store: a kernel keyring key on Linux, the Keychain on macOS, DPAPI on
// Windows.
func (l LoginStore) openCache() (azidentity.Cache, error) {
	if l.noStore != nil {
		return azidentity.Cache{}, noStoreError(l.noStore)
	}
	// azidentity/cache makes the directory 0755; the file in it is 0600 and encrypted, but
	// who uses adkit on this machine is nobody else's business. A directory that is already
	// there (other Microsoft tools share .IdentityService) is left as it is.
	if p, err := l.CachePath(); err == nil {
		os.MkdirAll(filepath.Dir(p), 0o700)
	}
	c, err := cache.New(&cache.Options{Name: l.cacheName()})
	if err != nil {
		return c, noStoreError(err)
	}
	return c, nil
}

func noStoreError(err error) error {
	return &ConnectError{Reason: "this machine has no store to keep the Entra ID sign-in encrypted in (" + err.Error() + ")",
		Hint: "on Linux the kernel keyring must be usable (a container needs a seccomp profile that allows keyctl); or set ADKIT_TOKEN_CACHE=plaintext to keep it in a file only you can read (mode 0600), unencrypted; or use --auth device-code on each command",
		Err:  errors.Join(ErrNoCredentialStore, err)}
}
