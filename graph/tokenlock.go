package graph

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/adkit-dev/adkit/internal/filelock"
)

// Two adkit processes renewing one profile's sign-in at once: azidentity/cache (v0.4.0, on
// Linux) reads the encrypted token cache without the cache's lock file and rewrites it in
// place (os.WriteFile), so a process that reads while another writes finds the file empty
// or cut short, takes that for "no sign-in", and azidentity reports
// AuthenticationRequiredError: the technician was told the sign-in had expired or was
// revoked while a parallel command was only renewing it (TestIndependentIdPTechnicianDay's
// two commands at once failed about one run in ten on a loaded machine). So a profile's
// tokens are renewed by one adkit at a time: each silent token request holds the profile's
// token lock, and the second command, once it has it, finds the token the first one left in
// the cache and renews nothing. An interactive sign-in (device code, browser) does not hold
// it: a technician typing a code must not stall every other command of the profile.

// tokenLockPath is the profile's token lock, next to its record. It stays after logout: it
// holds nothing, and removing a file others may hold a lock on would let two lock it.
func (l LoginStore) tokenLockPath() string {
	return filepath.Join(l.RecordDir, l.safeName()+".lock")
}

// lockTokens takes the profile's token lock, waiting while ctx allows; release gives it back.
// A sign-in kept in this process only (no LoginStore) takes nothing.
func (l LoginStore) lockTokens(ctx context.Context) (release func(), err error) {
	if !l.enabled() {
		return func() {}, nil
	}
	if err := os.MkdirAll(l.RecordDir, 0o700); err != nil {
		return nil, fmt.Errorf("token lock: %w", err)
	}
	f, err := os.OpenFile(l.tokenLockPath(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("token lock: %w", err)
	}
	locked := make(chan error, 1)
	go func() { locked <- filelock.Lock(f) }()
	select {
	case err := <-locked:
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("token lock %s: %w", l.tokenLockPath(), err)
		}
		return func() {
			_ = filelock.Unlock(f)
			f.Close()
		}, nil
	case <-ctx.Done():
		// The lock may still come: give it back then.
		go func() {
			if <-locked == nil {
				_ = filelock.Unlock(f)
			}
			f.Close()
		}()
		return nil, fmt.Errorf("waiting for another adkit renewing the Entra ID sign-in%s: %w", l.forProfile(), ctx.Err())
	}
}
