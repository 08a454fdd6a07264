//go:build darwin && !cgo

package graph

import (
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// openCache: azidentity/cache reaches the macOS Keychain through cgo, and this adkit was
// built without it (CGO_ENABLED=0).
func (l LoginStore) openCache() (azidentity.Cache, error) {
	return azidentity.Cache{}, &ConnectError{Reason: "this adkit was built without cgo, and the macOS Keychain that keeps the Entra ID sign-in encrypted needs it",
		Hint: "build adkit with CGO_ENABLED=1 on macOS; or set ADKIT_TOKEN_CACHE=plaintext to keep it in a file only you can read (mode 0600), unencrypted; or use --auth device-code on each command",
		Err:  ErrNoCredentialStore}
}
