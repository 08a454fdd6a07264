package graph_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/secret"
)

// The sign-in tests run the real azidentity and MSAL against graphtest's token service, with
// the real persistent cache (azidentity/cache: on Linux a kernel keyring key and an encrypted
// file under $XDG_CACHE_HOME, set per test). Each Connect builds a new credential, as a new
// adkit process does: what it knows comes from the cache and the saved record only.

const technician = "asmith@corp.example.com"

type loginLab struct {
	t     *testing.T
	srv   *graphtest.Server
	store graph.LoginStore
}

func newLoginLab(t *testing.T) *loginLab {
	t.Helper()
	srv, err := graphtest.New(graphtest.Options{DeviceCodeUser: technician})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	// A PATH without az: the default chain must not find a real Azure CLI here.
	t.Setenv("PATH", t.TempDir())
	b := make([]byte, 4)
	rand.Read(b)
	l := &loginLab{t: t, srv: srv, store: graph.LoginStore{Profile: "i20-" + hex.EncodeToString(b), RecordDir: t.TempDir()}}
	// Logout also removes the keyring key: nothing of the test stays in the user's keyring.
	t.Cleanup(func() { graph.Logout(graph.Config{Login: l.store}) })
	return l
}

// config is a technician's: no app secret, only where Graph and the authority are.
func (l *loginLab) config() graph.Config {
	return graph.Config{GraphURL: l.srv.GraphURL(), TenantID: l.srv.TenantID(), ClientID: l.srv.ClientID(),
		AuthorityHost: l.srv.URL(), CAPool: l.srv.CertPool(), Login: l.store, Timeout: 20 * time.Second}
}

func (l *loginLab) login() {
	l.t.Helper()
	cfg := l.config()
	cfg.Auth = graph.AuthDeviceCode
	var prompt string
	cfg.DevicePrompt = func(m string) { prompt = m }
	st, err := graph.Login(context.Background(), cfg)
	if err != nil {
		l.t.Fatalf("Login: %v", err)
	}
	if !strings.Contains(prompt, "enter the code") {
		l.t.Errorf("the technician was not shown the code: %q", prompt)
	}
	if st.User != technician || st.TenantID != l.srv.TenantID() || !st.Valid || st.ExpiresOn.IsZero() {
		l.t.Errorf("Login = %+v", st)
	}
}

// command is one later adkit command: connect with the default chain, read a user.
func (l *loginLab) command() (*graph.Client, error) { return runCommand(l.t, l.config()) }

// runCommand is one adkit command of a signed-in technician: a new Client (a new process:
// what it knows of the sign-in comes from the cache and the record), then a read.
func runCommand(t *testing.T, cfg graph.Config) (*graph.Client, error) {
	c, err := graph.Connect(context.Background(), cfg, trail(t))
	if err != nil {
		return nil, err
	}
	if _, err := c.User(context.Background(), "jdoe@corp.example.com"); err != nil {
		return nil, err
	}
	return c, nil
}

func (l *loginLab) deviceCodeFlows() int {
	return l.srv.Count("POST", "/"+l.srv.TenantID()+"/oauth2/v2.0/devicecode")
}

// noTokens fails when text holds one of the test server's tokens (access "gt.", refresh "rt.").
func noTokens(t *testing.T, what, text string) {
	t.Helper()
	for _, prefix := range []string{"gt.", "rt.", "refresh_token\":\"", "access_token\":\""} {
		if strings.Contains(text, prefix) {
			t.Errorf("%s holds a token (%q found); it must not", what, prefix)
		}
	}
}

func TestLoginOnceThenCommandsWithoutSigningInAgain(t *testing.T) {
	l := newLoginLab(t)
	l.login()
	grantsAfterLogin := l.srv.Count("POST", "/"+l.srv.TenantID()+"/oauth2/v2.0/token")
	for i := range 3 {
		c, err := l.command()
		if err != nil {
			t.Fatalf("command %d after login: %v", i+1, err)
		}
		if c.BindIdentity() != technician {
			t.Errorf("command %d: BindIdentity = %q, want the technician", i+1, c.BindIdentity())
		}
	}
	if n := l.deviceCodeFlows(); n != 1 {
		t.Errorf("%d device-code flows, want the one of adkit login", n)
	}
	// The access token of the login is still fresh: the commands took it from the cache.
	if n := l.srv.Count("POST", "/"+l.srv.TenantID()+"/oauth2/v2.0/token") - grantsAfterLogin; n != 0 {
		t.Errorf("the commands sent %d token requests; the cached token should have served", n)
	}
	if l.srv.Count("GET", "/me") != 0 {
		t.Errorf("GET /me was read: the saved sign-in names the technician")
	}
	if n := l.srv.Count("GET", "/common/discovery/instance"); n != 0 {
		t.Errorf("instance discovery was called %d times: it must be off", n)
	}
	st, ok, err := graph.LoginStatus(context.Background(), l.config())
	if err != nil || !ok || !st.Valid || st.User != technician || st.ExpiresOn.IsZero() || st.Store == "" {
		t.Errorf("LoginStatus = %+v, %v, %v", st, ok, err)
	}
}

func TestExpiredAccessTokenIsRenewedWithTheRefreshToken(t *testing.T) {
	l := newLoginLab(t)
	// MSAL treats a token as expired 5 minutes early: tokens of 4 minutes are stale at once.
	l.srv.SetTokenLifetime(4 * time.Minute)
	l.login()
	for i := range 2 {
		if _, err := l.command(); err != nil {
			t.Fatalf("command %d with an expired access token: %v", i+1, err)
		}
	}
	if n := l.srv.Grants("refresh_token"); n < 2 {
		t.Errorf("%d refresh-token grants for 2 commands with expired tokens, want at least 2", n)
	}
	if n := l.deviceCodeFlows(); n != 1 {
		t.Errorf("%d device-code flows: renewing must not sign in again", n)
	}
}

func TestRevokedRefreshTokenSaysRunAdkitLogin(t *testing.T) {
	l := newLoginLab(t)
	l.srv.SetTokenLifetime(4 * time.Minute)
	l.login()
	// An administrator revokes the technician's sessions (revokeSignInSessions): refresh
	// tokens issued before now stop working.
	admin, err := graph.Connect(context.Background(), graph.Config{GraphURL: l.srv.GraphURL(), TenantID: l.srv.TenantID(),
		ClientID: l.srv.ClientID(), ClientSecret: secret.New(l.srv.ClientSecret()), AuthorityHost: l.srv.URL(), CAPool: l.srv.CertPool()}, trail(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.RevokeSessions(context.Background(), technician); err != nil {
		t.Fatal(err)
	}
	_, err = l.command()
	if !errors.Is(err, graph.ErrLoginRequired) {
		t.Fatalf("err = %v, want ErrLoginRequired", err)
	}
	for _, want := range []string{"run adkit login --profile " + l.store.Profile, "AADSTS50173", "revoked"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err, want)
		}
	}
	noTokens(t, "the error", err.Error())
	if n := l.deviceCodeFlows(); n != 1 {
		t.Errorf("%d device-code flows: a command must never start one by itself", n)
	}
	st, ok, err := graph.LoginStatus(context.Background(), l.config())
	if err != nil || !ok || st.Valid || !strings.Contains(st.Problem, "adkit login") {
		t.Errorf("LoginStatus after revocation = %+v, %v, %v", st, ok, err)
	}
	// Signing in again fixes it.
	l.login()
	if _, err := l.command(); err != nil {
		t.Errorf("command after a new login: %v", err)
	}
}

func TestLogoutForgetsTheSignIn(t *testing.T) {
	l := newLoginLab(t)
	l.login()
	cachePath, err := l.store.CachePath()
	if err != nil {
		t.Fatal(err)
	}
	removed, err := graph.Logout(graph.Config{Login: l.store})
	if err != nil || !removed {
		t.Fatalf("Logout = %v, %v", removed, err)
	}
	for _, p := range []string{cachePath, filepath.Join(l.store.RecordDir, l.store.Profile+".json")} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there after logout (%v)", p, err)
		}
	}
	_, err = l.command()
	if !errors.Is(err, graph.ErrLoginRequired) || !strings.Contains(err.Error(), "adkit login --profile "+l.store.Profile) {
		t.Errorf("a command after logout: err = %v", err)
	}
	if _, ok, err := graph.LoginStatus(context.Background(), l.config()); ok || err != nil {
		t.Errorf("LoginStatus after logout: ok %v, err %v", ok, err)
	}
	if removed, err := graph.Logout(graph.Config{Login: l.store}); removed || err != nil {
		t.Errorf("a second logout = %v, %v: there was nothing left to remove", removed, err)
	}
}

func TestTokenCacheIsEncryptedAndPrivate(t *testing.T) {
	l := newLoginLab(t)
	l.login()
	cachePath, err := l.store.CachePath()
	if err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(l.store.RecordDir, l.store.Profile+".json")
	for _, p := range []string{cachePath, record} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", p, fi.Mode().Perm())
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		noTokens(t, p, string(data))
	}
	// The cache is a JWE (compact: five base64url parts), not MSAL's JSON.
	data, _ := os.ReadFile(cachePath)
	if parts := strings.Split(strings.TrimSpace(string(data)), "."); len(parts) != 5 || strings.Contains(string(data), "{") {
		t.Errorf("the token cache is not encrypted (%d parts)", len(parts))
	}
	if fi, err := os.Stat(filepath.Dir(cachePath)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the cache directory: %v, %v, want mode 0700", fi.Mode().Perm(), err)
	}
	// The record says who and where, and nothing secret.
	var rec map[string]any
	raw, _ := os.ReadFile(record)
	if err := json.Unmarshal(raw, &rec); err != nil || rec["username"] != technician {
		t.Errorf("the saved record: %v (fields %d)", err, len(rec))
	}
}

// workloadToken is what a CI runner's OIDC provider issues: a JWT the identity platform
// matches against the app's federated credential.
func workloadToken(t *testing.T, iss, sub string) string {
	t.Helper()
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	jwt := enc(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "ci"}) + "." +
		enc(map[string]any{"iss": iss, "sub": sub, "aud": "api://AzureADTokenExchange", "exp": time.Now().Add(time.Hour).Unix()}) +
		"." + base64.RawURLEncoding.EncodeToString([]byte("signature"))
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(jwt), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWorkloadIdentityWithATokenFile(t *testing.T) {
	const iss, sub = "https://token.actions.example", "repo:corp/adkit-jobs:ref:refs/heads/main"
	srv, err := graphtest.New(graphtest.Options{FederatedCredential: &graphtest.FederatedCredential{Issuer: iss, Subject: sub}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv("PATH", t.TempDir())
	cfg := graph.Config{GraphURL: srv.GraphURL(), TenantID: srv.TenantID(), ClientID: srv.ClientID(),
		AuthorityHost: srv.URL(), CAPool: srv.CertPool(), FederatedTokenFile: workloadToken(t, iss, sub)}
	// The default chain picks workload identity when AZURE_FEDERATED_TOKEN_FILE is set.
	c, err := graph.Connect(context.Background(), cfg, trail(t))
	if err != nil {
		t.Fatalf("Connect with a workload token: %v", err)
	}
	if _, err := c.User(context.Background(), "jdoe@corp.example.com"); err != nil {
		t.Error(err)
	}
	if c.BindIdentity() != "app:"+srv.ClientID() || srv.Grants("client_credentials") != 1 {
		t.Errorf("BindIdentity %q, %d client-credentials grants", c.BindIdentity(), srv.Grants("client_credentials"))
	}
	if n := srv.Count("GET", "/common/discovery/instance"); n != 0 {
		t.Errorf("instance discovery was called %d times: it must be off", n)
	}

	// A token from another branch matches no federated credential: said with its code.
	cfg.FederatedTokenFile = workloadToken(t, iss, "repo:corp/adkit-jobs:ref:refs/heads/feature")
	cfg.Auth = graph.AuthWorkload
	_, err = graph.Connect(context.Background(), cfg, trail(t))
	if err == nil || !strings.Contains(err.Error(), "no federated credential of the app registration matches the workload's token (AADSTS70021)") {
		t.Errorf("a token of another subject: err = %v", err)
	}
}

func TestAzureCLICredentialRunsAzOncePerRun(t *testing.T) {
	srv, err := graphtest.New(graphtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// A stub az on PATH: it answers `az account get-access-token` as the Azure CLI does, and
	// counts its runs.
	bin := t.TempDir()
	answer := filepath.Join(bin, "answer.json")
	runs := filepath.Join(bin, "runs")
	out, _ := json.Marshal(map[string]any{"accessToken": srv.UserAccessToken("jdoe@corp.example.com"),
		"expiresOn": time.Now().Add(time.Hour).Format("2006-01-02 15:04:05.000000"), "expires_on": time.Now().Add(time.Hour).Unix(),
		"tenant": srv.TenantID(), "tokenType": "Bearer"})
	if err := os.WriteFile(answer, out, 0o600); err != nil {
		t.Fatal(err)
	}
	stub := fmt.Sprintf("#!/bin/sh\ncase \"$*\" in\n*'account get-access-token'*) echo run >>%q; cat %q ;;\n*) echo \"unexpected: $*\" >&2; exit 2 ;;\nesac\n", runs, answer)
	if err := os.WriteFile(filepath.Join(bin, "az"), []byte(stub), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+":/usr/bin:/bin")
	// No secret, no saved login: the default chain reaches the Azure CLI.
	cfg := graph.Config{GraphURL: srv.GraphURL(), AuthorityHost: srv.URL(), CAPool: srv.CertPool()}
	c, err := graph.Connect(context.Background(), cfg, trail(t))
	if err != nil {
		t.Fatalf("Connect with the Azure CLI: %v", err)
	}
	for range 3 {
		if _, err := c.User(context.Background(), "jdoe@corp.example.com"); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(runs)
	if n := strings.Count(string(data), "run"); n != 1 {
		t.Errorf("az ran %d times for one run of adkit, want 1", n)
	}
	// Audit records name whoever az signed in (read from /me: these tokens are opaque).
	if c.BindIdentity() != "jdoe@corp.example.com" {
		t.Errorf("BindIdentity = %q", c.BindIdentity())
	}
}

// An app's refused sign-in through azidentity still says what to fix with its AADSTS code,
// and does not repeat the secret.
func TestEnvironmentCredentialRefusalIsExplained(t *testing.T) {
	srv, err := graphtest.New(graphtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const wrong = "not-the-secret-value"
	_, err = graph.Connect(context.Background(), graph.Config{GraphURL: srv.GraphURL(), TenantID: srv.TenantID(), ClientID: srv.ClientID(),
		ClientSecret: secret.New(wrong), AuthorityHost: srv.URL(), CAPool: srv.CertPool(), Auth: graph.AuthEnv}, trail(t))
	if err == nil || !strings.Contains(err.Error(), "the client secret is wrong (AADSTS7000215)") || strings.Contains(err.Error(), wrong) {
		t.Fatalf("err = %v", err)
	}
	// No discovery request to the public cloud, nor to the authority's instance discovery.
	if n := srv.Count("GET", "/common/discovery/instance"); n != 0 {
		t.Errorf("instance discovery was called %d times: it must be off", n)
	}
}
