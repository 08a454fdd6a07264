package config

import (
	"fmt"
	"os"
	"path/filepath"
)

// StateDir is $XDG_STATE_HOME/adkit, else ~/.local/state/adkit: where the audit log and leaver
// snapshots live by default.
func StateDir(getenv func(string) string) (string, error) {
	if x := getenv("XDG_STATE_HOME"); x != "" {
		return filepath.Join(x, "adkit"), nil
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("locate state directory: %w", err)
		}
	}
	return filepath.Join(home, ".local", "state", "adkit"), nil
}

// DefaultAuditLog is the audit log used when neither --audit-log, ADKIT_AUDIT_LOG nor the
// profile names one.
func DefaultAuditLog(getenv func(string) string) (string, error) {
	dir, err := StateDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "audit.jsonl"), nil
}

// CacheDir is $XDG_CACHE_HOME/adkit, else the platform's user cache directory (~/.cache,
// ~/Library/Caches, %LocalAppData%) with adkit under it: where what can be lost and
// fetched again lives, such as the names shell completion offers.
func CacheDir(getenv func(string) string) (string, error) {
	if x := getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "adkit"), nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locate cache directory: %w", err)
	}
	return filepath.Join(dir, "adkit"), nil
}
