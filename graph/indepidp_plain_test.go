package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/idptest"
)

// The plaintext token cache (no credential store, ADKIT_TOKEN_CACHE=plaintext) drives MSAL's
// public client itself, not azidentity: it is judged by the independent token service too
// (internal/idptest; graph/indepidp_test.go for the encrypted cache).
func TestIndependentIdPPlaintextCacheDay(t *testing.T) {
	const upn, clientID = "asmith@corp.example.com", "0b1d7c5e-adc1-4e57-a0c0-5e1ec7ed0020"
	gs, err := graphtest.New(graphtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer gs.Close()
	u, _ := url.Parse(gs.GraphURL())
	idp, err := idptest.New(idptest.Options{TenantID: gs.TenantID(), ClientID: clientID, Resource: u.Scheme + "://" + u.Host,
		Users:       map[string]string{upn: graphtest.StableID("user:" + upn)},
		AccessToken: func(upn string) (string, error) { return gs.UserAccessToken(upn), nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer idp.Close()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("PATH", t.TempDir())
	b := make([]byte, 4)
	rand.Read(b)
	store := LoginStore{Profile: "i20i-" + hex.EncodeToString(b), RecordDir: t.TempDir(), Plaintext: true,
		noStore: errors.New("keyctl: operation not permitted")}
	pool := gs.CertPool().Clone()
	pool.AddCert(idp.Certificate())
	cfg := Config{GraphURL: gs.GraphURL(), TenantID: gs.TenantID(), ClientID: clientID, AuthorityHost: idp.URL(),
		CAPool: pool, Login: store, Timeout: 20 * time.Second}
	trail := audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(t.TempDir() + "/audit.jsonl")})
	command := func() error {
		c, err := Connect(context.Background(), cfg, trail)
		if err != nil {
			return err
		}
		if c.BindIdentity() != upn {
			t.Errorf("BindIdentity = %q, want the technician", c.BindIdentity())
		}
		_, err = c.User(context.Background(), "jdoe@corp.example.com")
		return err
	}

	login := cfg
	login.Auth = AuthDeviceCode
	var wg sync.WaitGroup
	code := regexp.MustCompile(`enter the code ([A-Z0-9]+) `)
	login.DevicePrompt = func(m string) {
		sm := code.FindStringSubmatch(m)
		if sm == nil {
			t.Errorf("no code in the prompt %q", m)
			return
		}
		wg.Add(1)
		go func() { defer wg.Done(); idp.Approve(sm[1], upn) }()
	}
	idp.SlowDown(1)
	idp.SetAccessTokenLifetime(4 * time.Minute) // stale at once: every command renews
	st, err := Login(context.Background(), login)
	wg.Wait()
	if err != nil || st.User != upn || !strings.Contains(st.Store, "unencrypted") {
		t.Fatalf("login with the plaintext opt-in: %+v, %v", st, err)
	}
	for i := range 3 {
		if err := command(); err != nil {
			t.Fatalf("command %d: %v", i+1, err)
		}
	}
	if n := idp.Grants("refresh_token"); n < 3 {
		t.Errorf("%d refresh-token grants for 3 commands", n)
	}
	if n := idp.StaleRefreshUses(); n != 0 {
		t.Errorf("%d renewals with a superseded refresh token: the file did not keep the newest", n)
	}
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = command() }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent command %d: %v", i+1, err)
		}
	}

	// An outage while renewing is not a lost sign-in (MSAL's public client has no retries here).
	idp.Fail(1, http.StatusServiceUnavailable, "temporarily_unavailable", 50000, "There was an error issuing a token.")
	err = command()
	if err == nil || errors.Is(err, ErrLoginRequired) || !strings.Contains(err.Error(), "temporarily unavailable") {
		t.Errorf("a renewal during an outage: %v", err)
	}
	idp.Recover()
	if err := command(); err != nil {
		t.Errorf("a command after the outage: %v", err)
	}

	idp.Advance(time.Minute)
	idp.Revoke(upn)
	err = command()
	if !errors.Is(err, ErrLoginRequired) || !strings.Contains(err.Error(), "AADSTS50173") || !strings.Contains(err.Error(), "run adkit login --profile "+store.Profile) {
		t.Errorf("after revocation: %v", err)
	}
	if n := idp.Requests("devicecode"); n != 1 {
		t.Errorf("%d device-code flows: a command must never start one", n)
	}
	for _, v := range idp.Violations() {
		t.Errorf("adkit broke the documented protocol: %s", v)
	}
	Logout(Config{Login: store})
}
