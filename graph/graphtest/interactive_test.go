package graphtest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The refusals of the authorization code flow that azidentity's happy path never shows.
func TestAuthorizationCodeNeedsItsVerifierAndIsRedeemedOnce(t *testing.T) {
	s := start(t, Options{})
	hc := s.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	const verifier = "a-verifier-of-the-app-that-is-long-enough-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	redirect := "http://localhost:1234/"
	code := func(q url.Values) *http.Response {
		t.Helper()
		resp, err := hc.Get(s.URL() + "/" + s.TenantID() + "/oauth2/v2.0/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	q := url.Values{"client_id": {s.ClientID()}, "response_type": {"code"}, "redirect_uri": {redirect}, "state": {"st1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	resp := code(q)
	back, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || back == nil || back.Query().Get("state") != "st1" || back.Query().Get("code") == "" {
		t.Fatalf("authorize: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	redeem := func(verifier string) map[string]any {
		t.Helper()
		form := url.Values{"grant_type": {"authorization_code"}, "client_id": {s.ClientID()}, "code": {back.Query().Get("code")},
			"redirect_uri": {redirect}, "code_verifier": {verifier}, "scope": {"https://graph.microsoft.com/.default"}}
		resp, err := hc.PostForm(s.URL()+"/"+s.TenantID()+"/oauth2/v2.0/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return body
	}
	if body := redeem("another-verifier"); body["error"] != "invalid_grant" || !strings.HasPrefix(body["error_description"].(string), "AADSTS501481") {
		t.Errorf("a wrong code_verifier: %v", body)
	}
	// This server forgets a code at its first redemption attempt, right or wrong.
	if body := redeem(verifier); !strings.HasPrefix(body["error_description"].(string), "AADSTS54005") {
		t.Errorf("a code redeemed again: %v", body)
	}

	// Without PKCE, or to a redirect that is not loopback, no code is issued.
	q.Del("code_challenge")
	if resp := code(q); !strings.Contains(resp.Header.Get("Location"), "AADSTS9002325") {
		t.Errorf("no code_challenge: Location %q", resp.Header.Get("Location"))
	}
	q.Set("redirect_uri", "https://attacker.example/cb")
	if resp := code(q); resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("a redirect to another host: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
}

func TestManagedIdentityEndpointNeedsItsHeader(t *testing.T) {
	s := start(t, Options{})
	endpoint, header := s.ManagedIdentity()
	get := func(h string, q url.Values) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, endpoint+"?"+q.Encode(), nil)
		if h != "" {
			req.Header.Set("X-IDENTITY-HEADER", h)
		}
		resp, err := s.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	q := url.Values{"api-version": {"2019-08-01"}, "resource": {"https://graph.microsoft.com"}}
	if status, _ := get("", q); status != http.StatusUnauthorized {
		t.Errorf("no X-IDENTITY-HEADER: %d", status)
	}
	status, body := get(header, q)
	if status != 200 || body["client_id"] != SystemAssignedIdentity || body["resource"] != "https://graph.microsoft.com" {
		t.Errorf("a token: %d %v", status, body)
	}
	if _, isString := body["expires_on"].(string); !isString {
		t.Errorf("expires_on is %T; App Service sends seconds since the epoch as a string", body["expires_on"])
	}
	q.Set("resource", "https://graph.microsoft.com/.default")
	if status, _ := get(header, q); status != http.StatusBadRequest {
		t.Errorf("a scope instead of a resource: %d", status)
	}
}
