package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/graph/graphtest"
)

// A machine without a credential store (here: the store made unusable, as Docker's seccomp
// profile makes the kernel keyring): adkit login refuses, and says how to opt in; with
// ADKIT_TOKEN_CACHE=plaintext the sign-in is kept in a 0600 file and works like the encrypted
// one: commands without a new sign-in, "run adkit login" once revoked, logout removes it.
func TestNoCredentialStoreNeedsThePlaintextOptIn(t *testing.T) {
	const upn = "asmith@corp.example.com"
	srv, err := graphtest.New(graphtest.Options{DeviceCodeUser: upn})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("PATH", t.TempDir())
	b := make([]byte, 4)
	rand.Read(b)
	store := LoginStore{Profile: "i20-" + hex.EncodeToString(b), RecordDir: t.TempDir(), noStore: errors.New("keyctl: operation not permitted")}
	cfg := Config{GraphURL: srv.GraphURL(), TenantID: srv.TenantID(), ClientID: srv.ClientID(), AuthorityHost: srv.URL(),
		CAPool: srv.CertPool(), Login: store, Auth: AuthDeviceCode, DevicePrompt: func(string) {}}

	_, err = Login(context.Background(), cfg)
	if !errors.Is(err, ErrNoCredentialStore) || !strings.Contains(err.Error(), "ADKIT_TOKEN_CACHE=plaintext") {
		t.Fatalf("login without a store: err = %v", err)
	}
	if _, err := os.Stat(store.plainCachePath()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a token file was written without the opt-in (%v)", err)
	}
	// --device-code on a command still works there, for that command only: nothing is kept.
	trail := audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(t.TempDir() + "/audit.jsonl")})
	once := cfg
	once.Interactive = true
	if c, err := Connect(context.Background(), once, trail); err != nil || c.BindIdentity() != upn {
		t.Fatalf("--device-code on a command without a store: %v", err)
	}
	if entries, _ := os.ReadDir(store.RecordDir); len(entries) != 0 {
		t.Errorf("a sign-in for one command left %d files in %s", len(entries), store.RecordDir)
	}

	cfg.Login.Plaintext = true
	srv.SetTokenLifetime(4 * time.Minute) // stale at once: every command renews
	st, err := Login(context.Background(), cfg)
	if err != nil || st.User != upn || !strings.Contains(st.Store, "unencrypted") {
		t.Fatalf("login with the opt-in: %+v, %v", st, err)
	}
	fi, err := os.Stat(store.plainCachePath())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the token file: %v, %v; want mode 0600", fi, err)
	}
	cmd := cfg
	cmd.Auth, cmd.Interactive = "", false
	for range 2 {
		c, err := Connect(context.Background(), cmd, trail)
		if err != nil {
			t.Fatalf("a command after login: %v", err)
		}
		if c.BindIdentity() != upn {
			t.Errorf("BindIdentity = %q", c.BindIdentity())
		}
	}
	if n := srv.Grants("device_code"); n != 2 {
		t.Errorf("%d device-code sign-ins, want the one-command one and the login's only", n)
	}
	if n := srv.Grants("refresh_token"); n < 2 {
		t.Errorf("%d refresh-token grants, want one per command at least", n)
	}

	srv.Tenant().UpdateUser(upn, func(u *graphtest.User) { now := time.Now().UTC(); u.SessionsValidFrom = &now })
	_, err = Connect(context.Background(), cmd, trail)
	if !errors.Is(err, ErrLoginRequired) || !strings.Contains(err.Error(), "AADSTS50173") || !strings.Contains(err.Error(), "run adkit login --profile "+store.Profile) {
		t.Errorf("after revocation: err = %v", err)
	}
	if removed, err := Logout(cfg); !removed || err != nil {
		t.Errorf("Logout = %v, %v", removed, err)
	}
	if _, err := os.Stat(store.plainCachePath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the token file survived logout (%v)", err)
	}
}
