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
		return tokenAnswer(t, s, url.Values{"grant_type": {"authorization_code"}, "client_id": {s.ClientID()}, "code": {back.Query().Get("code")},
			"redirect_uri": {redirect}, "code_verifier": {verifier}, "scope": {"https://graph.microsoft.com/.default"}})
	}
	if body := redeem("another-verifier"); body["error"] != "invalid_grant" || !strings.HasPrefix(refusal(body), "AADSTS501481") {
		t.Errorf("a wrong code_verifier: %v", refusal(body))
	}
	// This server forgets a code at its first redemption attempt, right or wrong.
	if body := redeem(verifier); !strings.HasPrefix(refusal(body), "AADSTS54005") {
		t.Errorf("a code redeemed again: %v", refusal(body))
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

// The token service's answers have the shapes the identity platform documents, in the places
// azidentity's happy path never looks.
func TestTokenServiceAnswersAsDocumented(t *testing.T) {
	s := start(t, Options{})
	hc := s.HTTPClient()
	post := func(form url.Values) map[string]any { t.Helper(); return tokenAnswer(t, s, form) }
	// v2-oauth2-auth-code-flow#error-response-1: every field, the IDs repeated in the text.
	body := post(url.Values{"grant_type": {"password-of-someone"}})
	for _, f := range []string{"error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id"} {
		if body[f] == nil {
			t.Errorf("the error answer has no %s: %v", f, body)
		}
	}
	d, _ := body["error_description"].(string)
	trace, _ := body["trace_id"].(string)
	corr, _ := body["correlation_id"].(string)
	if !strings.HasPrefix(d, "AADSTS70003: ") || trace == "" || !strings.Contains(d, "\r\nTrace ID: "+trace) || !strings.Contains(d, "\r\nCorrelation ID: "+corr) {
		t.Errorf("error_description %q", d)
	}
	// v2-oauth2-device-code#expected-errors: an unknown device code is bad_verification_code.
	body = post(url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "client_id": {s.ClientID()}, "device_code": {"not-issued"}})
	if body["error"] != "bad_verification_code" {
		t.Errorf("an unknown device code: %v", refusal(body))
	}
	// v2-protocols-oidc: the multi-tenant authorities' issuer is a template.
	for tenant, want := range map[string]string{"organizations": s.URL() + "/{tenantid}/v2.0", s.TenantID(): s.URL() + "/" + s.TenantID() + "/v2.0"} {
		resp, err := hc.Get(s.URL() + "/" + tenant + "/v2.0/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		var cfg map[string]any
		json.NewDecoder(resp.Body).Decode(&cfg)
		resp.Body.Close()
		if cfg["issuer"] != want {
			t.Errorf("%s: issuer %v, want %s", tenant, cfg["issuer"], want)
		}
	}
	// v2-oauth2-auth-code-flow: without code_challenge_method the challenge is plain.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	const verifier = "a-plain-verifier-of-the-app-that-is-long-enough-0123456789"
	resp, err := hc.Get(s.URL() + "/" + s.TenantID() + "/oauth2/v2.0/authorize?" + url.Values{"client_id": {s.ClientID()},
		"response_type": {"code"}, "redirect_uri": {"http://localhost:1234/"}, "code_challenge": {verifier}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	if back == nil || back.Query().Get("code") == "" {
		t.Fatalf("a challenge without its method: Location %q", resp.Header.Get("Location"))
	}
	body = post(url.Values{"grant_type": {"authorization_code"}, "client_id": {s.ClientID()}, "code": {back.Query().Get("code")},
		"redirect_uri": {"http://localhost:1234/"}, "code_verifier": {verifier}, "scope": {"https://graph.microsoft.com/.default"}})
	if body["access_token"] == nil {
		t.Errorf("redeeming with the plain verifier: %v", refusal(body))
	}
}

// refusal is an answer's error description, never its tokens: test output is no place for
// them.
func refusal(body map[string]any) string {
	d, _ := body["error_description"].(string)
	return d
}

// tokenAnswer posts form to the tenant's token endpoint and returns the JSON answer.
func tokenAnswer(t *testing.T, s *Server, form url.Values) map[string]any {
	t.Helper()
	resp, err := s.HTTPClient().PostForm(s.URL()+"/"+s.TenantID()+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return body
}
