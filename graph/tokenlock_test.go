package graph

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
)

// A command that finds the profile's token lock taken waits for it, and gives up with the
// command's context (Ctrl-C, --timeout) saying what it was waiting for.
func TestTokenLockIsHeldByOneAdkitAtATime(t *testing.T) {
	l := LoginStore{Profile: "tl", RecordDir: t.TempDir()}
	release, err := l.lockTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.lockTokens(gone); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "another adkit renewing the Entra ID sign-in (profile tl)") {
		t.Errorf("taking a held token lock: %v", err)
	}
	release()
	again, err := l.lockTokens(context.Background())
	if err != nil {
		t.Fatalf("the lock once given back: %v", err)
	}
	again()
	if info, err := os.Stat(l.tokenLockPath()); err != nil {
		t.Fatal(err)
	} else if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("token lock mode %v, want 0600", info.Mode().Perm())
	}
}

// Tokens kept in this process only (no saved sign-in) need no lock, and no file is made.
func TestTokenLockWithoutAStoreTakesNothing(t *testing.T) {
	release, err := LoginStore{}.lockTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()
}
