package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/replacefile"
)

// LoginStore is where `adkit login` keeps a profile's sign-in between runs: the tokens in
// azidentity's encrypted persistent cache (named adkit-PROFILE-DIGEST), and who signed in where
// (the AuthenticationRecord, no secret) in RecordDir/PROFILE.json. The zero value keeps a
// sign-in in memory for the run only.
type LoginStore struct {
	// Profile is the config profile ("" is "default"): each has its own sign-in.
	Profile string
	// RecordDir holds the AuthenticationRecords, e.g. ~/.local/state/adkit/entra-login.
	RecordDir string
	// Plaintext is the technician's opt-in (ADKIT_TOKEN_CACHE=plaintext) to keeping the
	// tokens in a 0600 file, unencrypted, where this machine has no store to encrypt them
	// with. Where there is a store, it is used all the same.
	Plaintext bool

	// noStore makes the store unusable, as in a container without keyctl (tests).
	noStore error
}

func (l LoginStore) enabled() bool { return l.RecordDir != "" }

func (l LoginStore) profile() string {
	if l.Profile == "" {
		return "default"
	}
	return l.Profile
}

// forProfile names the profile in messages, when there is one.
func (l LoginStore) forProfile() string {
	if l.Profile == "" {
		return ""
	}
	return " (profile " + l.Profile + ")"
}

// profileFlag is the --profile the technician must repeat to `adkit login`.
func (l LoginStore) profileFlag() string {
	if l.Profile == "" {
		return ""
	}
	return " --profile " + l.Profile
}

// safeName is the profile as a file and cache name: profile names come from the config
// file, and must not reach outside the directory.
func (l LoginStore) safeName() string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, strings.TrimLeft(l.profile(), "."))
}

func (l LoginStore) recordPath() string { return filepath.Join(l.RecordDir, l.safeName()+".json") }

// cacheName is the name of the profile's token cache in azidentity/cache: the file
// .IdentityService/NAME and, on Linux, the description of the kernel keyring key that
// encrypts it. The keyring is the user's, whatever $HOME or $XDG_STATE_HOME say: the name
// carries a digest of RecordDir so that two adkit setups of one account (a test, another
// XDG_STATE_HOME) never overwrite each other's key.
func (l LoginStore) cacheName() string {
	sum := sha256.Sum256([]byte(l.RecordDir))
	return "adkit-" + l.safeName() + "-" + hex.EncodeToString(sum[:4])
}

// CachePath is where azidentity/cache keeps the profile's encrypted token cache (its
// cacheFilePath): $XDG_CACHE_HOME or ~/.cache on Linux, the home directory elsewhere, then
// .IdentityService/adkit-PROFILE-DIGEST.
func (l LoginStore) CachePath() (string, error) {
	var dir string
	if runtime.GOOS == "linux" {
		dir = os.Getenv("XDG_CACHE_HOME")
	}
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		dir = home
		if runtime.GOOS == "linux" {
			dir = filepath.Join(home, ".cache")
		}
	}
	return filepath.Join(dir, ".IdentityService", l.cacheName()), nil
}

// storeName says in words where the tokens are kept, for `adkit login status`.
func (l LoginStore) storeName() string {
	if l.Plaintext {
		if _, err := os.Stat(l.plainCachePath()); err == nil {
			return l.plainCachePath() + ", unencrypted (mode 0600; ADKIT_TOKEN_CACHE=plaintext: this machine has no credential store)"
		}
	}
	p, _ := l.CachePath()
	switch runtime.GOOS {
	case "linux":
		return p + ", encrypted with a key in the kernel keyring (lost at reboot)"
	case "darwin":
		return p + ", encrypted with a key in the login Keychain"
	case "windows":
		return p + ", encrypted with DPAPI"
	}
	return p
}

// ErrNoCredentialStore is wrapped when this machine has no store to encrypt the token cache
// with (the kernel keyring is blocked, e.g. by a container's seccomp profile).
var ErrNoCredentialStore = errors.New("no credential store")

// saved reports whether the profile has a saved sign-in.
func (l LoginStore) saved() bool {
	if !l.enabled() {
		return false
	}
	_, err := os.Stat(l.recordPath())
	return err == nil
}

// record reads the profile's AuthenticationRecord; nil when there is none.
func (l LoginStore) record() (*azidentity.AuthenticationRecord, error) {
	data, err := os.ReadFile(l.recordPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the saved Entra ID sign-in: %w", err)
	}
	var rec azidentity.AuthenticationRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("the saved Entra ID sign-in %s is damaged (%v): run adkit login%s again", l.recordPath(), err, l.profileFlag())
	}
	return &rec, nil
}

// saveRecord writes the AuthenticationRecord, 0600 in a 0700 directory: it names the account
// and tenant, which are not secrets but are nobody else's business.
func (l LoginStore) saveRecord(rec azidentity.AuthenticationRecord) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := replacefile.Write(l.recordPath(), append(data, '\n'), replacefile.Options{MakeDir: true}); err != nil {
		return fmt.Errorf("save the Entra ID sign-in: %w", err)
	}
	return nil
}

// Login signs a technician in interactively (cfg.Auth: AuthDeviceCode or AuthBrowser) and
// keeps the sign-in for cfg.Login's profile: later commands renew it silently.
func Login(ctx context.Context, cfg Config) (directory.Login, error) {
	if cfg.Auth != AuthDeviceCode && cfg.Auth != AuthBrowser {
		return directory.Login{}, fmt.Errorf("%w: adkit login signs a person in with device-code or browser, not %q", directory.ErrInvalidInput, cfg.Auth)
	}
	if !cfg.Login.enabled() {
		return directory.Login{}, errors.New("login: no place to keep the sign-in (LoginStore.RecordDir)")
	}
	cfg.Interactive, cfg.saving = true, true
	s, scopes, err := prepareSignIn(cfg)
	if err != nil {
		return directory.Login{}, err
	}
	rec, err := s.authenticate(ctx, policy.TokenRequestOptions{Scopes: scopes})
	if err != nil {
		return directory.Login{}, connectFailure(ctx, s, err)
	}
	tok, err := s.silentToken(ctx, policy.TokenRequestOptions{Scopes: scopes})
	if err != nil {
		return directory.Login{}, connectFailure(ctx, s, err)
	}
	return cfg.Login.status(rec, tok.ExpiresOn), nil
}

// LoginStatus says who is signed in for cfg.Login's profile, renewing the access token if
// it must (never interactively). ok is false when the profile has no saved sign-in; a saved
// one that cannot be renewed comes back with Valid false and the Problem in words.
func LoginStatus(ctx context.Context, cfg Config) (st directory.Login, ok bool, err error) {
	rec, err := cfg.Login.record()
	if err != nil || rec == nil {
		return directory.Login{Profile: cfg.Login.profile()}, false, err
	}
	cfg.Auth, cfg.Interactive = authLogin, false
	s, scopes, err := prepareSignIn(cfg)
	if err != nil {
		return directory.Login{}, true, err
	}
	tok, err := s.silentToken(ctx, policy.TokenRequestOptions{Scopes: scopes})
	st = cfg.Login.status(*rec, tok.ExpiresOn)
	if err != nil {
		st.Valid, st.Problem = false, connectFailure(ctx, s, err).Error()
	}
	return st, true, nil
}

// Logout forgets the profile's sign-in: the record and the encrypted token cache (and, on
// Linux, the keyring key). removed is false when there was nothing to remove.
func Logout(cfg Config) (removed bool, err error) {
	l := cfg.Login
	if !l.enabled() {
		return false, errors.New("logout: no LoginStore")
	}
	cachePath, err := l.CachePath()
	if err != nil {
		return false, err
	}
	for _, p := range []string{l.recordPath(), cachePath, cachePath + ".cae", cachePath + ".lockfile", l.plainCachePath()} {
		switch err := os.Remove(p); {
		case err == nil:
			removed = true
		case !errors.Is(err, os.ErrNotExist):
			return removed, fmt.Errorf("logout: %w", err)
		}
	}
	if forgetKey(l.cacheName()) {
		removed = true
	}
	return removed, nil
}

func (l LoginStore) status(rec azidentity.AuthenticationRecord, expires time.Time) directory.Login {
	st := directory.Login{Profile: l.profile(), User: rec.Username, TenantID: rec.TenantID, ClientID: rec.ClientID,
		Authority: rec.Authority, Store: l.storeName(), Valid: true}
	if !expires.IsZero() {
		st.ExpiresOn = expires.UTC()
	}
	return st
}

// prepareSignIn builds the credential and the Graph scope for cfg, as Connect does.
func prepareSignIn(cfg Config) (*signIn, []string, error) {
	endpoint, err := cfg.endpoint()
	if err != nil {
		return nil, nil, err
	}
	s, err := credential(cfg, &http.Client{Transport: baseTransport(cfg), Timeout: cfg.timeout()})
	if err != nil {
		return nil, nil, err
	}
	return s, []string{endpoint.Scheme + "://" + endpoint.Host + "/.default"}, nil
}

// Saved reports whether the profile has a saved sign-in (adkit login).
func (l LoginStore) Saved() bool { return l.saved() }
