package idptest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The token service's own behaviour, on the wire: what the adkit tests rely on it to refuse.

const (
	tenant = "9fb5ebac-52d0-5d19-a466-73c5d4d5e890"
	client = "0b1d7c5e-adc1-4e57-a0c0-5e1ec7ed0020"
	api    = "https://graph.example"
	upn    = "asmith@corp.example.com"
)

func start(t *testing.T) *Server {
	t.Helper()
	s, err := New(Options{TenantID: tenant, ClientID: client, Resource: api, Users: map[string]string{upn: "oid-1"},
		AccessToken: func(string) (string, error) { return "at", nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func post(t *testing.T, s *Server, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := s.Client().PostForm(s.URL()+"/"+tenant+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestDeviceCodeRefreshAndRevocation(t *testing.T) {
	s := start(t)
	scope := api + "/.default openid offline_access profile"
	_, dc := post(t, s, "/oauth2/v2.0/devicecode", url.Values{"client_id": {client}, "scope": {scope}})
	poll := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "client_id": {client}, "device_code": {dc["device_code"].(string)}, "client_info": {"1"}}
	s.SlowDown(1)
	for _, want := range []string{"slow_down", "authorization_pending"} {
		if status, body := post(t, s, "/oauth2/v2.0/token", poll); status != 400 || body["error"] != want {
			t.Errorf("poll: %d %v, want %s", status, body, want)
		} else {
			for _, f := range []string{"error_description", "error_codes", "timestamp", "trace_id", "correlation_id"} {
				if body[f] == nil {
					t.Errorf("the error body has no %s", f)
				}
			}
		}
	}
	if err := s.Approve(dc["user_code"].(string), upn); err != nil {
		t.Fatal(err)
	}
	_, tok := post(t, s, "/oauth2/v2.0/token", poll)
	if tok["refresh_token"] == nil || tok["id_token"] == nil || tok["client_info"] == nil {
		t.Fatalf("token answer without refresh_token, id_token or client_info (error %v)", tok["error"])
	}
	if _, again := post(t, s, "/oauth2/v2.0/token", poll); again["error"] != "invalid_grant" {
		t.Errorf("a device code redeemed twice: %v", again)
	}
	rt1 := tok["refresh_token"].(string)
	refresh := func(rt string) map[string]any {
		_, b := post(t, s, "/oauth2/v2.0/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {client}, "refresh_token": {rt}, "scope": {scope}})
		return b
	}
	rt2, _ := refresh(rt1)["refresh_token"].(string)
	if rt2 == "" || rt2 == rt1 {
		t.Fatalf("refresh did not rotate the refresh token")
	}
	if b := refresh(rt1); b["refresh_token"] == nil || s.StaleRefreshUses() != 1 {
		t.Errorf("the old refresh token must keep working (and count as stale): error %v, %d stale uses", b["error"], s.StaleRefreshUses())
	}
	s.Advance(time.Minute)
	s.Revoke(upn)
	if b := refresh(rt2); b["error"] != "invalid_grant" || !strings.HasPrefix(refusal(b), "AADSTS50173: ") {
		t.Errorf("after revocation: %v", refusal(b))
	}
	// A device code 16 minutes old has expired.
	_, dc = post(t, s, "/oauth2/v2.0/devicecode", url.Values{"client_id": {client}, "scope": {scope}})
	s.Advance(16 * time.Minute)
	poll.Set("device_code", dc["device_code"].(string))
	if _, b := post(t, s, "/oauth2/v2.0/token", poll); b["error"] != "expired_token" {
		t.Errorf("an expired device code: %v", refusal(b))
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("violations of a well-behaved client: %v", v)
	}
}

func TestAuthorizationCodeChecksPKCE(t *testing.T) {
	s := start(t)
	hc := s.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	const verifier = "a-verifier-that-is-long-enough-for-rfc-7636-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	code := func() string {
		resp, err := hc.Get(s.URL() + "/" + tenant + "/oauth2/v2.0/authorize?" + url.Values{"client_id": {client}, "response_type": {"code"},
			"redirect_uri": {"http://localhost:5555"}, "scope": {api + "/.default openid offline_access"}, "state": {"x"},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		back, _ := url.Parse(resp.Header.Get("Location"))
		return back.Query().Get("code")
	}
	redeem := func(c, v string) map[string]any {
		_, b := post(t, s, "/oauth2/v2.0/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {client}, "code": {c},
			"redirect_uri": {"http://localhost:5555"}, "code_verifier": {v}})
		return b
	}
	if b := redeem(code(), strings.Repeat("x", 43)); !strings.HasPrefix(refusal(b), "AADSTS501481: ") {
		t.Errorf("a wrong verifier: %v", refusal(b))
	}
	c := code()
	if b := redeem(c, verifier); b["access_token"] == nil {
		t.Errorf("the right verifier: %v %v", b["error"], b["error_description"])
	}
	if b := redeem(c, verifier); !strings.HasPrefix(refusal(b), "AADSTS54005: ") {
		t.Errorf("a code redeemed twice: %v", refusal(b))
	}
}

// refusal is an answer's error description, never its tokens (test output is no place for
// them, even a test server's).
func refusal(b map[string]any) string {
	d, _ := b["error_description"].(string)
	return d
}
