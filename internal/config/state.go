package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// The per-user directories adkit keeps its files in. On Windows they are the known folders
// every Windows program uses, %APPDATA% (roams with the profile: settings) and %LOCALAPPDATA%
// (stays on the machine: the audit log, snapshots), as os.UserConfigDir does; the XDG
// variables are a Unix convention and are not read there (a leftover XDG_CONFIG_HOME from
// MSYS2 or Git Bash holds a /c/... path Windows cannot open). Elsewhere they follow the XDG
// base directory spec.
type baseDir struct {
	xdg      string // the XDG variable, on Unix
	unixHome string // under $HOME when the XDG variable is unset
	winVar   string // the Windows environment variable
	winHome  string // under %USERPROFILE% when winVar is unset
}

func configBase() baseDir {
	return baseDir{xdg: "XDG_CONFIG_HOME", unixHome: ".config", winVar: "APPDATA", winHome: `AppData\Roaming`}
}

func stateBase() baseDir {
	return baseDir{xdg: "XDG_STATE_HOME", unixHome: ".local/state", winVar: "LOCALAPPDATA", winHome: `AppData\Local`}
}

// adkitDir is base's adkit directory on goos, read from getenv. It takes goos so that the
// Windows rules are tested on every platform.
func (b baseDir) adkitDir(goos string, getenv func(string) string) (string, error) {
	if goos == "windows" {
		if d := getenv(b.winVar); d != "" {
			return winJoin(d, "adkit"), nil
		}
		home := getenv("USERPROFILE")
		if home == "" {
			return "", fmt.Errorf("neither %%%s%% nor %%USERPROFILE%% is set", b.winVar)
		}
		return winJoin(home, b.winHome, "adkit"), nil
	}
	if x := getenv(b.xdg); x != "" {
		return filepath.Join(x, "adkit"), nil
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", err
		}
	}
	return filepath.Join(home, filepath.FromSlash(b.unixHome), "adkit"), nil
}

// winJoin joins Windows path elements with backslashes whatever the platform running it,
// which filepath.Join would not do on Linux (where the Windows rules are unit-tested).
func winJoin(elems ...string) string {
	for i, e := range elems {
		if i > 0 {
			e = strings.TrimLeft(e, `\/`)
		}
		if i < len(elems)-1 {
			e = strings.TrimRight(e, `\/`)
		}
		elems[i] = e
	}
	return strings.Join(elems, `\`)
}

// StateDir is where the audit log and leaver snapshots live by default: $XDG_STATE_HOME/adkit,
// else ~/.local/state/adkit; on Windows %LOCALAPPDATA%\adkit.
func StateDir(getenv func(string) string) (string, error) {
	dir, err := stateBase().adkitDir(runtime.GOOS, getenv)
	if err != nil {
		return "", fmt.Errorf("locate state directory: %w", err)
	}
	return dir, nil
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

// CacheDir is $XDG_CACHE_HOME/adkit (not read on Windows), else the platform's user cache directory (~/.cache,
// ~/Library/Caches, %LocalAppData%) with adkit under it: where what can be lost and
// fetched again lives, such as the names shell completion offers.
func CacheDir(getenv func(string) string) (string, error) {
	// Not on Windows, like the other XDG variables (see baseDir).
	if x := getenv("XDG_CACHE_HOME"); x != "" && runtime.GOOS != "windows" {
		return filepath.Join(x, "adkit"), nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locate cache directory: %w", err)
	}
	return filepath.Join(dir, "adkit"), nil
}
