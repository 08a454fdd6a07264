package graph_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/idptest"
	"github.com/adkit-dev/adkit/internal/secret"
)

// These tests sign in against internal/idptest, a token service written from Microsoft's
// documentation independently of graphtest's: adkit and azidentity must work against both.
// Graph itself is still graphtest's, which only accepts its own access tokens, so idptest
// hands those out (access tokens are the resource's business).

type indepLab struct {
	t     *testing.T
	graph *graphtest.Server
	idp   *idptest.Server
	store graph.LoginStore
	// tenantID and clientID are AZURE_TENANT_ID and AZURE_CLIENT_ID ("" when not set).
	tenantID, clientID string
}

func newIndepLab(t *testing.T) *indepLab { return newIndepLabFor(t, indepClientID) }

// indepClientID is the app registration the technician signs in with, unless a test uses
// adkit's default (the Azure CLI's public client).
const indepClientID = "0b1d7c5e-adc1-4e57-a0c0-5e1ec7ed0020"

func newIndepLabFor(t *testing.T, clientID string) *indepLab {
	t.Helper()
	gs, err := graphtest.New(graphtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gs.Close)
	u, _ := url.Parse(gs.GraphURL())
	users := map[string]string{}
	for _, upn := range []string{technician, "jdoe@corp.example.com"} {
		users[upn] = graphtest.StableID("user:" + upn)
	}
	idp, err := idptest.New(idptest.Options{TenantID: gs.TenantID(), Domain: "adkitlab.onmicrosoft.com",
		ClientID: clientID, AppID: gs.ClientID(), AppSecret: "indep-app-secret",
		Users: users, Resource: u.Scheme + "://" + u.Host,
		AccessToken: func(upn string) (string, error) {
			if upn != "" {
				return gs.UserAccessToken(upn), nil
			}
			return graphAppToken(gs)
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idp.Close)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("PATH", t.TempDir()) // no az, no browser
	b := make([]byte, 4)
	rand.Read(b)
	l := &indepLab{t: t, graph: gs, idp: idp, tenantID: gs.TenantID(), clientID: clientID, store: graph.LoginStore{Profile: "i20i-" + hex.EncodeToString(b), RecordDir: t.TempDir()}}
	t.Cleanup(func() { graph.Logout(graph.Config{Login: l.store}) })
	t.Cleanup(func() {
		for _, v := range idp.Violations() {
			t.Errorf("adkit broke the documented protocol: %s", v)
		}
	})
	return l
}

// graphAppToken is an app-only token Graph accepts: graphtest's own, for client_credentials.
func graphAppToken(gs *graphtest.Server) (string, error) {
	resp, err := gs.HTTPClient().PostForm(gs.URL()+"/"+gs.TenantID()+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {gs.ClientID()}, "client_secret": {gs.ClientSecret()},
		"scope": {strings.TrimSuffix(gs.GraphURL(), "/v1.0") + "/.default"}})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		return "", fmt.Errorf("graphtest issued no app token (%s, %v)", resp.Status, err)
	}
	return body.AccessToken, nil
}

func (l *indepLab) config() graph.Config {
	pool := l.graph.CertPool().Clone()
	pool.AddCert(l.idp.Certificate())
	return graph.Config{GraphURL: l.graph.GraphURL(), TenantID: l.tenantID, ClientID: l.clientID,
		AuthorityHost: l.idp.URL(), CAPool: pool, Login: l.store, Timeout: 20 * time.Second}
}

var userCodeInPrompt = regexp.MustCompile(`open the page (\S+) and enter the code ([A-Z0-9]+) `)

// login is `adkit login --device-code` with the technician at another device: they read the
// code in the prompt and enter it at the page it names. answer may do something else.
func (l *indepLab) login(answer func(page, code string)) (graph.Config, error) {
	cfg := l.config()
	cfg.Auth = graph.AuthDeviceCode
	if answer == nil {
		answer = func(page, code string) {
			if page != l.idp.URL()+"/devicelogin" {
				l.t.Errorf("the prompt names the page %q, not the authority's", page)
			}
			if err := l.idp.Approve(code, technician); err != nil {
				l.t.Errorf("approving the code: %v", err)
			}
		}
	}
	var wg sync.WaitGroup
	cfg.DevicePrompt = func(m string) {
		noIndepTokens(l.t, "the device-code prompt", m)
		sm := userCodeInPrompt.FindStringSubmatch(m)
		if sm == nil {
			l.t.Errorf("the prompt shows no code: %q", m)
			return
		}
		wg.Add(1)
		go func() { defer wg.Done(); answer(sm[1], sm[2]) }()
	}
	_, err := graph.Login(context.Background(), cfg)
	wg.Wait()
	return cfg, err
}

// command is a later adkit command: a new Client (a new process), the default chain.
func (l *indepLab) command() (*graph.Client, error) { return runCommand(l.t, l.config()) }

func (l *indepLab) mustCommand(what string) {
	l.t.Helper()
	c, err := l.command()
	if err != nil {
		l.t.Fatalf("%s: %v", what, err)
	}
	if c.BindIdentity() != technician {
		l.t.Errorf("%s: audit records would name %q, not the technician", what, c.BindIdentity())
	}
}

// noIndepTokens fails when text holds one of idptest's refresh tokens, codes or graphtest's
// access tokens.
func noIndepTokens(t *testing.T, what, text string) {
	t.Helper()
	for _, prefix := range []string{"idprt.", "idpdc.", "idpac.", "gt.", "refresh_token\":\"", "access_token\":\""} {
		if strings.Contains(text, prefix) {
			t.Errorf("%s holds a token (%q found); it must not", what, prefix)
		}
	}
}

// A technician's day: one sign-in in the morning, then commands, each a new process, that
// renew the access token with the refresh token as it expires, two at once too, and never
// sign in again.
func TestIndependentIdPTechnicianDay(t *testing.T) {
	l := newIndepLab(t)
	// The technician is slow to type the code: the client must keep polling through
	// authorization_pending and slow_down.
	l.idp.SlowDown(2)
	// Access tokens that MSAL takes for expired at once (it renews 5 minutes early): each
	// command below comes "an hour later" and must renew.
	l.idp.SetAccessTokenLifetime(4 * time.Minute)
	if _, err := l.login(nil); err != nil {
		t.Fatalf("adkit login --device-code: %v", err)
	}
	if n := l.idp.Grants("device_code"); n != 1 {
		t.Fatalf("%d device-code grants, want 1", n)
	}
	for i := range 3 {
		l.mustCommand(fmt.Sprintf("command %d", i+1))
	}
	if n := l.idp.Grants("refresh_token"); n < 3 {
		t.Errorf("%d refresh-token grants for 3 commands with expired access tokens", n)
	}
	if n := l.idp.StaleRefreshUses(); n != 0 {
		t.Errorf("%d renewals used a refresh token after a newer one was issued: the cache did not keep the newest", n)
	}

	// Two commands at once, both renewing (two processes sharing the cache).
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = l.command() }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent command %d: %v", i+1, err)
		}
	}

	// Afternoon: tokens of an hour. One renewal, then the cached token serves.
	l.idp.SetAccessTokenLifetime(time.Hour)
	l.mustCommand("first command of the afternoon")
	before := l.idp.Requests("token")
	l.mustCommand("second command of the afternoon")
	l.mustCommand("third command of the afternoon")
	if n := l.idp.Requests("token") - before; n != 0 {
		t.Errorf("%d token requests while the access token was fresh", n)
	}

	st, ok, err := graph.LoginStatus(context.Background(), l.config())
	if err != nil || !ok || !st.Valid || st.User != technician || st.TenantID != l.graph.TenantID() {
		t.Errorf("LoginStatus = %+v, %v, %v", st, ok, err)
	}
	if n := l.idp.Requests("devicecode"); n != 1 {
		t.Errorf("%d device-code flows in the day, want the morning's only", n)
	}
	if n := l.idp.Requests("instance-discovery"); n != 0 {
		t.Errorf("instance discovery was asked %d times: it must be off for a custom authority", n)
	}

}

// 91 days without a command: the refresh token has expired through inactivity (AADSTS700082).
func TestIndependentIdPIdleRefreshTokenExpires(t *testing.T) {
	l := newIndepLab(t)
	l.idp.SetAccessTokenLifetime(4 * time.Minute)
	if _, err := l.login(nil); err != nil {
		t.Fatal(err)
	}
	l.mustCommand("a command the day of the sign-in")
	l.idp.Advance(91 * 24 * time.Hour)
	_, err := l.command()
	if !errors.Is(err, graph.ErrLoginRequired) || !strings.Contains(err.Error(), "run adkit login --profile "+l.store.Profile) ||
		!strings.Contains(err.Error(), "AADSTS700082") {
		t.Errorf("a command after 91 idle days: %v", err)
	}
	if n := l.idp.Requests("devicecode"); n != 1 {
		t.Errorf("a command started a device-code flow by itself (%d flows)", n)
	}
}

func TestIndependentIdPRevokedSessionSaysRunAdkitLogin(t *testing.T) {
	l := newIndepLab(t)
	l.idp.SetAccessTokenLifetime(4 * time.Minute)
	if _, err := l.login(nil); err != nil {
		t.Fatal(err)
	}
	l.mustCommand("a command before the revocation")
	l.idp.Advance(time.Minute)
	l.idp.Revoke(technician)
	_, err := l.command()
	if !errors.Is(err, graph.ErrLoginRequired) {
		t.Fatalf("err = %v, want ErrLoginRequired", err)
	}
	for _, want := range []string{"run adkit login --profile " + l.store.Profile, "AADSTS50173", "revoked"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	noIndepTokens(t, "the error", err.Error())
	if n := l.idp.Requests("devicecode"); n != 1 {
		t.Errorf("%d device-code flows: a command must never start one", n)
	}
	st, ok, err := graph.LoginStatus(context.Background(), l.config())
	if err != nil || !ok || st.Valid || !strings.Contains(st.Problem, "adkit login") {
		t.Errorf("LoginStatus after revocation = %+v, %v, %v", st, ok, err)
	}
	// A new sign-in is not revoked; logout forgets it.
	l.idp.Advance(time.Minute)
	if _, err := l.login(nil); err != nil {
		t.Fatal(err)
	}
	l.mustCommand("a command after signing in again")
	if removed, err := graph.Logout(graph.Config{Login: l.store}); !removed || err != nil {
		t.Fatalf("Logout = %v, %v", removed, err)
	}
	if _, err := l.command(); !errors.Is(err, graph.ErrLoginRequired) {
		t.Errorf("a command after logout: %v", err)
	}
}

// The token service is down while a command renews the access token: [authcode]'s
// temporarily_unavailable, "Retry the request". The saved sign-in is still good, so the
// technician must be told to try again later, not to sign in again (which would fail the
// same way), and the command must not count as "sign-in required".
func TestIndependentIdPOutageWhileRenewingIsNotALoginProblem(t *testing.T) {
	l := newIndepLab(t)
	l.idp.SetAccessTokenLifetime(4 * time.Minute)
	if _, err := l.login(nil); err != nil {
		t.Fatal(err)
	}
	// More failures than azcore retries (3): every attempt of this command fails.
	l.idp.Fail(10, http.StatusServiceUnavailable, "temporarily_unavailable", 50000, "There was an error issuing a token. The service is temporarily unavailable.")
	_, err := l.command()
	if err == nil {
		t.Fatal("a command renewing during an outage succeeded")
	}
	if errors.Is(err, graph.ErrLoginRequired) || strings.Contains(err.Error(), "run adkit login") || strings.Contains(err.Error(), "revoked") {
		t.Errorf("an outage is reported as a lost sign-in: %v", err)
	}
	if !strings.Contains(err.Error(), "temporarily unavailable") || !strings.Contains(err.Error(), "try again") {
		t.Errorf("the message does not say the service is down and to try again: %v", err)
	}
	// Once the service is back, the same saved sign-in works: nothing was lost.
	l.idp.Recover()
	l.mustCommand("a command after the outage")
	if n := l.idp.Requests("devicecode"); n != 1 {
		t.Errorf("%d device-code flows", n)
	}
}

// The device-code flow's documented endings other than success.
func TestIndependentIdPDeviceCodeNotCompleted(t *testing.T) {
	l := newIndepLab(t)
	// The technician went for coffee: 16 minutes later the code has expired.
	_, err := l.login(func(string, string) { l.idp.Advance(16 * time.Minute) })
	if err == nil || !strings.Contains(err.Error(), "the device code expired before the sign-in was finished") {
		t.Errorf("an expired device code: %v", err)
	}
	// The technician refused the sign-in at the page.
	_, err = l.login(func(_, code string) {
		if err := l.idp.Decline(code); err != nil {
			t.Error(err)
		}
	})
	if err == nil || !strings.Contains(err.Error(), "the sign-in was declined") {
		t.Errorf("a declined sign-in: %v", err)
	}
	if l.store.Saved() {
		t.Errorf("a sign-in that did not finish was saved")
	}
}

// The browser sign-in: authorization code with PKCE (S256, verified by idptest).
func TestIndependentIdPBrowserLogin(t *testing.T) {
	l := newIndepLab(t)
	opened := fakeBrowser(t, l.idp.Client())
	cfg := l.config()
	cfg.Auth = graph.AuthBrowser
	st, err := graph.Login(context.Background(), cfg)
	if err != nil {
		t.Fatalf("adkit login --browser: %v", err)
	}
	if st.User != technician || !st.Valid || opened() != 1 || l.idp.Grants("authorization_code") != 1 {
		t.Errorf("Login = %+v; %d pages, %d code redemptions", st, opened(), l.idp.Grants("authorization_code"))
	}
	l.idp.SetAccessTokenLifetime(4 * time.Minute)
	l.mustCommand("a command after the browser sign-in")
	l.mustCommand("another command")
	if opened() != 1 || l.idp.Requests("devicecode") != 0 {
		t.Errorf("a command signed in again: %d pages, %d device codes", opened(), l.idp.Requests("devicecode"))
	}
}

// A technician who knows neither the tenant nor an app: AZURE_TENANT_ID and AZURE_CLIENT_ID
// unset (both optional for adkit login). adkit signs in at /organizations with the Azure
// CLI's public client, and later commands renew in the tenant the sign-in named.
func TestIndependentIdPLoginWithoutTenantOrClient(t *testing.T) {
	l := newIndepLabFor(t, "04b07795-8ddb-461a-bbee-02f9e1bf7b46")
	l.tenantID, l.clientID = "", ""
	l.idp.SetAccessTokenLifetime(4 * time.Minute)
	if _, err := l.login(nil); err != nil {
		t.Fatalf("adkit login --device-code without AZURE_TENANT_ID and AZURE_CLIENT_ID: %v", err)
	}
	l.mustCommand("a command after signing in at /organizations")
	l.mustCommand("another command")
	st, ok, err := graph.LoginStatus(context.Background(), l.config())
	if err != nil || !ok || !st.Valid || st.TenantID != l.graph.TenantID() {
		t.Errorf("LoginStatus = %+v, %v, %v", st, ok, err)
	}
	if n := l.idp.Requests("devicecode"); n != 1 {
		t.Errorf("%d device-code flows", n)
	}
}

// An app registration's secret (client_credentials) against the independent authority.
func TestIndependentIdPClientCredentials(t *testing.T) {
	l := newIndepLab(t)
	cfg := l.config()
	cfg.Login = graph.LoginStore{}
	cfg.ClientID, cfg.ClientSecret = l.graph.ClientID(), secret.New("indep-app-secret")
	c, err := graph.Connect(context.Background(), cfg, trail(t))
	if err != nil {
		t.Fatalf("Connect with a client secret: %v", err)
	}
	if _, err := c.User(context.Background(), "jdoe@corp.example.com"); err != nil {
		t.Fatal(err)
	}
	if c.BindIdentity() != "app:"+l.graph.ClientID() || l.idp.Grants("client_credentials") != 1 {
		t.Errorf("BindIdentity %q, %d client-credentials grants", c.BindIdentity(), l.idp.Grants("client_credentials"))
	}
	cfg.ClientSecret = secret.New("a-wrong-secret-value")
	_, err = graph.Connect(context.Background(), cfg, trail(t))
	if err == nil || !strings.Contains(err.Error(), "the client secret is wrong (AADSTS7000215)") || strings.Contains(err.Error(), "a-wrong-secret-value") {
		t.Errorf("a wrong secret: %v", err)
	}
}
