// Package idptest is a second, independent Microsoft identity platform (v2.0) token service
// for tests, written from Microsoft's protocol documentation only — not from graph/graphtest's
// token service, nor from what adkit or MSAL happen to send. It exists so that adkit's
// sign-in (adkit login, the cached sign-in, renewal, "run adkit login") is judged by a second
// implementation of the protocol: what both servers accept is more likely what Entra ID does.
//
// Only tests import it. It serves, on a loopback TLS port:
//
//	GET  /{tenant}/v2.0/.well-known/openid-configuration   OpenID Connect discovery
//	GET  /{tenant}/discovery/v2.0/keys                     the key that signs id_tokens
//	POST /{tenant}/oauth2/v2.0/devicecode                  device authorization request
//	GET  /{tenant}/oauth2/v2.0/authorize                   authorization code request (PKCE)
//	POST /{tenant}/oauth2/v2.0/token                       device_code, refresh_token,
//	                                                       authorization_code, client_credentials
//	GET, POST /devicelogin                                 the page where a person enters the code
//
// Access tokens are the resource's business (the docs say clients must not read them): the
// test supplies them (Options.AccessToken), so that an API test server accepts them.
//
// Sources, each cited where it is used:
//
//	[devicecode] https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code
//	[authcode]   https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
//	[clientcred] https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
//	[oidc]       https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc
//	[idtoken]    https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference
//	[errors]     https://learn.microsoft.com/entra/identity-platform/reference-error-codes
//	[lifetimes]  https://learn.microsoft.com/entra/identity-platform/refresh-tokens
//	[clientinfo] https://learn.microsoft.com/javascript/api/@azure/msal-common/clientinfo
//	[rfc8628]    https://www.rfc-editor.org/rfc/rfc8628#section-3.5 (slow_down)
//	[rfc7636]    https://www.rfc-editor.org/rfc/rfc7636#section-4.6 (S256)
package idptest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"html"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configure the tenant the server signs people and one app into.
type Options struct {
	// TenantID is the directory's GUID; Domain its initial domain (both name it in paths).
	TenantID, Domain string
	// ClientID is the app registration people sign in with (a public client: no secret).
	ClientID string
	// AppID and AppSecret are a confidential client for client_credentials.
	AppID, AppSecret string
	// Users may sign in: UPN → object id.
	Users map[string]string
	// Resource is the API's origin, e.g. https://graph.example:443: scopes must be on it.
	Resource string
	// AccessToken returns the resource's access token for upn ("" for the app itself).
	AccessToken func(upn string) (string, error)
}

// Server is a running token service.
type Server struct {
	o   Options
	srv *httptest.Server
	key *rsa.PrivateKey

	mu          sync.Mutex
	offset      time.Duration          // the server's clock runs this far ahead of the wall clock
	lifetime    time.Duration          // expires_in of the access tokens issued from now on
	slowDown    int                    // polls still to answer slow_down
	devices     map[string]*deviceAuth // by device_code
	codes       map[string]*authCode   // by authorization code
	refresh     map[string]*grant      // by refresh token
	revokedAt   map[string]time.Time   // by UPN: refresh tokens issued before are revoked
	grants      map[string]int         // successful grants by grant_type
	requests    map[string]int         // "METHOD /path-kind" → count
	violations  []string               // requests that break the documented protocol
	staleUses   int                    // refresh tokens used after a newer one was issued
	faults      []fault                // answers to give the next token requests instead
	deviceCodes []string               // user codes, in the order they were handed out
}

// fault is an error answer the token endpoint gives instead of serving a request.
type fault struct {
	status, aadsts int
	code, msg      string
}

type deviceAuth struct {
	clientID, userCode, scope string
	expires                   time.Time
	approvedBy                string // UPN once the person signed in at /devicelogin
	declined, redeemed        bool
}

type authCode struct {
	clientID, redirectURI, scope, challenge, upn string
	expires                                      time.Time
	redeemed                                     bool
}

// grant is one sign-in's refresh token. Using it issues a new one for the same sign-in;
// the old one keeps working ([authcode] "Refresh tokens aren't revoked when used to acquire
// new access tokens").
type grant struct {
	clientID, upn string
	issued        time.Time // of the sign-in: revocation cuts every token of older sign-ins
	lastUsed      time.Time
	superseded    bool // a newer refresh token was issued from this one
}

// Documented lifetimes: the device code [devicecode] "the user has 15 minutes", an
// authorization code [authcode] "they expire after about 10 minutes", a refresh token
// [lifetimes] 90 days of inactivity.
const (
	deviceCodeLifetime  = 15 * time.Minute
	authCodeLifetime    = 10 * time.Minute
	refreshInactivity   = 90 * 24 * time.Hour
	defaultTokenSeconds = 3599 // [devicecode] and [authcode]'s examples
)

// New starts the server.
func New(o Options) (*Server, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	s := &Server{o: o, key: key, lifetime: defaultTokenSeconds * time.Second,
		devices: map[string]*deviceAuth{}, codes: map[string]*authCode{}, refresh: map[string]*grant{},
		revokedAt: map[string]time.Time{}, grants: map[string]int{}, requests: map[string]int{}}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	return s, nil
}

// URL is the authority host (AZURE_AUTHORITY_HOST), https://127.0.0.1:PORT.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Certificate is the server's self-signed certificate, to trust.
func (s *Server) Certificate() *x509.Certificate { return s.srv.Certificate() }

// CertPEM is Certificate in PEM, for SSL_CERT_FILE.
func (s *Server) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// Client is an HTTP client that trusts the server: the person's browser.
func (s *Server) Client() *http.Client { return s.srv.Client() }

func (s *Server) now() time.Time { return time.Now().Add(s.offset) }

// Advance moves the server's clock (device codes, authorization codes and refresh tokens
// expire by it). Clients keep the wall clock: access-token expiry is SetAccessTokenLifetime's.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// SetAccessTokenLifetime sets expires_in of the access tokens issued from now on. MSAL takes a
// token for expired 5 minutes before it is: a lifetime under 5 minutes makes the next command
// renew it, which is how a test lets an hour pass without waiting for it.
func (s *Server) SetAccessTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// SlowDown answers the next n device-code polls with slow_down.
func (s *Server) SlowDown(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slowDown = n
}

// Revoke is an administrator's revokeSignInSessions for upn: every refresh token of a
// sign-in before now stops working (invalid_grant, AADSTS50173).
func (s *Server) Revoke(upn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokedAt[strings.ToLower(upn)] = s.now()
}

// Fail makes the token endpoint answer the next n requests with an error body of the
// documented shape: an outage is 503 temporarily_unavailable, which [authcode] tells clients
// to retry ("The server is temporarily too busy to handle the request").
func (s *Server) Fail(n, status int, code string, aadsts int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status: status, code: code, aadsts: aadsts, msg: msg})
	}
}

// Recover ends an outage: the faults not yet given are dropped.
func (s *Server) Recover() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Grants is how many tokens were issued with grant_type (device_code is counted under
// "device_code", not its URN).
func (s *Server) Grants(grantType string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grants[grantType]
}

// Requests is how many requests reached one kind of endpoint: "devicecode", "token",
// "authorize", "openid-configuration", "keys", "instance-discovery".
func (s *Server) Requests(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[kind]
}

// Violations are the requests that broke the documented protocol, in words (no token).
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// StaleRefreshUses is how many times a refresh token was used after a newer one had been
// issued from it: allowed (the old one keeps working), but a client that keeps its cache
// should only do so when two processes renew at the same moment.
func (s *Server) StaleRefreshUses() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.staleUses
}

// UserCodes are the codes the device authorization endpoint handed out, oldest first: what
// the technician reads on the screen.
func (s *Server) UserCodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deviceCodes)
}

// Approve is the person at the verification page: they enter userCode and sign in as upn.
func (s *Server) Approve(userCode, upn string) error {
	return s.atDeviceLogin(userCode, upn, "approve")
}

// Decline is the person at the verification page refusing the sign-in.
func (s *Server) Decline(userCode string) error { return s.atDeviceLogin(userCode, "", "decline") }

func (s *Server) atDeviceLogin(userCode, upn, action string) error {
	resp, err := s.Client().PostForm(s.URL()+"/devicelogin", url.Values{"otc": {userCode}, "login": {upn}, "action": {action}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the verification page answered %s", resp.Status)
	}
	return nil
}

func (s *Server) violate(format string, args ...any) {
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path == "/devicelogin" {
		s.deviceLogin(w, r)
		return
	}
	if r.URL.Path == "/common/discovery/instance" {
		// Instance discovery: adkit turns it off for a custom authority; count it, refuse it.
		s.requests["instance-discovery"]++
		s.fail(w, http.StatusBadRequest, "invalid_instance", 50049, "Unknown or invalid instance.")
		return
	}
	tenant, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !s.knownTenant(tenant) {
		// [errors] AADSTS90002: InvalidTenantName.
		s.fail(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found.", tenant))
		return
	}
	switch {
	case rest == "v2.0/.well-known/openid-configuration" && r.Method == http.MethodGet:
		s.requests["openid-configuration"]++
		s.openIDConfiguration(w, tenant)
	case rest == "discovery/v2.0/keys" && r.Method == http.MethodGet:
		s.requests["keys"]++
		writeJSON(w, http.StatusOK, map[string]any{"keys": []any{s.jwk()}})
	case rest == "oauth2/v2.0/devicecode" && r.Method == http.MethodPost:
		s.requests["devicecode"]++
		s.deviceCode(w, r)
	case rest == "oauth2/v2.0/authorize" && r.Method == http.MethodGet:
		s.requests["authorize"]++
		s.authorize(w, r)
	case rest == "oauth2/v2.0/token" && r.Method == http.MethodPost:
		s.requests["token"]++
		if len(s.faults) > 0 {
			f := s.faults[0]
			s.faults = s.faults[1:]
			s.fail(w, f.status, f.code, f.aadsts, f.msg)
			return
		}
		s.token(w, r)
	default:
		http.NotFound(w, r)
	}
}

// knownTenant: [authcode] "Valid values are common, organizations, consumers, and tenant
// identifiers" (the GUID or a domain name). consumers is personal accounts: not this tenant.
func (s *Server) knownTenant(t string) bool {
	return t == "common" || t == "organizations" || strings.EqualFold(t, s.o.TenantID) || strings.EqualFold(t, s.o.Domain)
}

// openIDConfiguration is [oidc]'s discovery document. For common and organizations the
// issuer carries the placeholder {tenantid}, as Entra ID's does; otherwise the tenant's GUID.
func (s *Server) openIDConfiguration(w http.ResponseWriter, tenant string) {
	base := s.URL() + "/" + tenant
	issuerTenant := s.o.TenantID
	if tenant == "common" || tenant == "organizations" {
		issuerTenant = "{tenantid}"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                s.URL() + "/" + issuerTenant + "/v2.0",
		"request_uri_parameter_supported":       false,
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"tenant_region_scope":                   "WW",
		"cloud_instance_name":                   "microsoftonline.com",
	})
}

// deviceCode is [devicecode]'s device authorization request and response.
func (s *Server) deviceCode(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, http.StatusBadRequest, "invalid_request", 9002313, "Invalid request. Request is malformed or invalid.")
		return
	}
	clientID, scope := r.PostForm.Get("client_id"), r.PostForm.Get("scope")
	if clientID == "" || scope == "" {
		s.violate("devicecode: client_id and scope are required")
		s.fail(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id' and 'scope'.")
		return
	}
	if clientID != s.o.ClientID {
		s.fail(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", clientID, s.o.TenantID))
		return
	}
	if msg := s.badScope(scope); msg != "" {
		s.fail(w, http.StatusBadRequest, "invalid_scope", 70011, msg)
		return
	}
	userCode := strings.ToUpper(randomHex(4)) // 8 characters, like "YZMYLD4K" in Entra's answers
	device := "idpdc." + randomHex(32)
	s.devices[device] = &deviceAuth{clientID: clientID, userCode: userCode, scope: scope, expires: s.now().Add(deviceCodeLifetime)}
	s.deviceCodes = append(s.deviceCodes, userCode)
	verify := s.URL() + "/devicelogin"
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code":        userCode,
		"device_code":      device,
		"verification_uri": verify,
		"expires_in":       int(deviceCodeLifetime / time.Second),
		"interval":         5,
		"message":          fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", verify, userCode),
	})
}

// deviceLogin is the verification page: a person enters the code and signs in.
func (s *Server) deviceLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><body><form method="POST" action="/devicelogin"><input name="otc"><input name="login"><button name="action" value="approve">Next</button></form></body></html>`)
		return
	}
	r.ParseForm()
	code, upn, action := strings.ToUpper(strings.TrimSpace(r.PostForm.Get("otc"))), r.PostForm.Get("login"), r.PostForm.Get("action")
	for _, d := range s.devices {
		if d.userCode != code || d.redeemed || s.now().After(d.expires) {
			continue
		}
		if action == "decline" {
			d.declined = true
		} else if _, ok := s.o.Users[strings.ToLower(upn)]; ok {
			d.approvedBy = strings.ToLower(upn)
		} else {
			http.Error(w, "no such account", http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, "You have signed in. You may now close this window.")
		return
	}
	http.Error(w, "AADSTS70018: Invalid verification code", http.StatusBadRequest)
}

// authorize is [authcode]'s authorization request; the person is taken to be signed in as
// login_hint (else the first user), and the answer goes back as response_mode asks:
// form_post is an HTML form the browser posts to redirect_uri.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirect, scope := q.Get("client_id"), q.Get("redirect_uri"), q.Get("scope")
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if clientID != s.o.ClientID || q.Get("response_type") != "code" || redirect == "" || scope == "" {
		s.violate("authorize: client_id, response_type=code, redirect_uri and scope are required")
		http.Error(w, "AADSTS900144: invalid authorization request", http.StatusBadRequest)
		return
	}
	// A public client's redirect URI for the system browser is http://localhost [authcode].
	if u, err := url.Parse(redirect); err != nil || u.Scheme != "http" || (u.Hostname() != "localhost" && u.Hostname() != "127.0.0.1") {
		s.violate("authorize: redirect_uri %q is not a loopback http URI", redirect)
	}
	if challenge == "" || method != "S256" {
		s.violate("authorize: a public client must use PKCE with S256 (code_challenge_method %q)", method)
	}
	upn := strings.ToLower(q.Get("login_hint"))
	if _, ok := s.o.Users[upn]; !ok {
		upn = s.firstUser()
	}
	code := "idpac." + randomHex(24)
	s.codes[code] = &authCode{clientID: clientID, redirectURI: redirect, scope: scope, challenge: challenge, upn: upn, expires: s.now().Add(authCodeLifetime)}
	answer := url.Values{"code": {code}}
	if st := q.Get("state"); st != "" {
		answer.Set("state", st)
	}
	if q.Get("response_mode") == "form_post" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><body onload="document.forms[0].submit()"><form method="POST" name="hiddenform" action="%s">`, html.EscapeString(redirect))
		for k, vs := range answer {
			fmt.Fprintf(w, `<input type="hidden" name="%s" value="%s" />`, html.EscapeString(k), html.EscapeString(vs[0]))
		}
		fmt.Fprint(w, `</form></body></html>`)
		return
	}
	http.Redirect(w, r, redirect+"?"+answer.Encode(), http.StatusFound)
}

func (s *Server) firstUser() string {
	users := make([]string, 0, len(s.o.Users))
	for u := range s.o.Users {
		users = append(users, u)
	}
	slices.Sort(users)
	if len(users) == 0 {
		return ""
	}
	return users[0]
}

// badScope checks a requested scope: one resource (ours), plus OIDC scopes [authcode].
func (s *Server) badScope(scope string) string {
	resource := 0
	for _, sc := range strings.Fields(scope) {
		switch sc {
		case "openid", "profile", "email", "offline_access":
			continue
		}
		if !strings.HasPrefix(strings.ToLower(sc), strings.ToLower(s.o.Resource)+"/") {
			return fmt.Sprintf("The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", sc)
		}
		resource++
	}
	if resource == 0 {
		return "The provided value for the input parameter 'scope' is not valid. The scope must name a resource."
	}
	return ""
}

// token is the token endpoint, one grant type at a time.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded;") {
		s.violate("token: Content-Type %q, want application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, http.StatusBadRequest, "invalid_request", 9002313, "Invalid request. Request is malformed or invalid.")
		return
	}
	if len(r.URL.Query()) > 0 {
		s.violate("token: parameters in the query string (they belong in the body)")
	}
	f := r.PostForm
	switch gt := f.Get("grant_type"); gt {
	case "urn:ietf:params:oauth:grant-type:device_code", "device_code":
		// [devicecode] says the URN; every MSAL (Go's included: grant.DeviceCode) sends
		// "device_code", which Entra ID accepts. Both are served.
		s.deviceCodeGrant(w, f)
	case "refresh_token":
		s.refreshGrant(w, f)
	case "authorization_code":
		s.authCodeGrant(w, f)
	case "client_credentials":
		s.clientCredentials(w, f)
	case "":
		s.fail(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
	default:
		s.fail(w, http.StatusBadRequest, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", gt))
	}
}

// deviceCodeGrant is the polling of [devicecode] "Expected errors".
func (s *Server) deviceCodeGrant(w http.ResponseWriter, f url.Values) {
	d := s.devices[f.Get("device_code")]
	switch {
	case d == nil:
		s.fail(w, http.StatusBadRequest, "bad_verification_code", 70018, "Invalid verification code due to User typing in wrong user code for device code flow.")
	case f.Get("client_id") != d.clientID:
		// [devicecode] client_id "Must match the client_id used in the initial request."
		s.violate("device_code grant: client_id differs from the device authorization request's")
		s.fail(w, http.StatusBadRequest, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
	case d.redeemed:
		s.fail(w, http.StatusBadRequest, "invalid_grant", 70000, "Provided grant is invalid or malformed. The device code was already redeemed.")
	case s.now().After(d.expires):
		s.fail(w, http.StatusBadRequest, "expired_token", 70019, "Verification code expired.")
	case d.declined:
		s.fail(w, http.StatusBadRequest, "authorization_declined", 65004, "User declined to consent to access the app.")
	case s.slowDown > 0:
		// Entra ID's page does not list slow_down; it is RFC 8628's [rfc8628], and a client
		// must keep polling (more slowly) when it gets it.
		s.slowDown--
		s.fail(w, http.StatusBadRequest, "slow_down", 70016, "OAuth 2.0 device flow error. Authorization is pending. Poll more slowly.")
	case d.approvedBy == "":
		// [devicecode] asks clients to wait interval seconds between polls; MSAL Go polls after
		// 50 ms, then 150 ms, … up to 5 s, whatever interval says. Entra ID answers such polls
		// with authorization_pending, and so does this server: that is the library's
		// behaviour, not the application's.
		s.fail(w, http.StatusBadRequest, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
	default:
		d.redeemed = true
		s.grants["device_code"]++
		s.issue(w, f, d.clientID, d.approvedBy, d.scope+" "+f.Get("scope"), s.now())
	}
}

// refreshGrant is [authcode] "Refresh the access token".
func (s *Server) refreshGrant(w http.ResponseWriter, f url.Values) {
	g := s.refresh[f.Get("refresh_token")]
	if g == nil {
		s.fail(w, http.StatusBadRequest, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid. The refresh token is malformed.")
		return
	}
	if f.Get("client_id") != g.clientID {
		s.violate("refresh_token grant: client_id differs from the app the token was issued to")
		s.fail(w, http.StatusBadRequest, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
		return
	}
	if at, ok := s.revokedAt[g.upn]; ok && !g.issued.After(at) {
		// [errors] AADSTS50173: FreshTokenNeeded - the grant was revoked.
		s.fail(w, http.StatusBadRequest, "invalid_grant", 50173, fmt.Sprintf("The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '%s' and the TokensValidFrom date (before which tokens are not valid) for this user is '%s'.",
			g.issued.UTC().Format("2006-01-02T15:04:05Z"), at.UTC().Format("2006-01-02T15:04:05Z")))
		return
	}
	if s.now().Sub(g.lastUsed) > refreshInactivity {
		// [errors] AADSTS700082: ExpiredOrRevokedGrantInactiveToken.
		s.fail(w, http.StatusBadRequest, "invalid_grant", 700082, fmt.Sprintf("The refresh token has expired due to inactivity. The token was issued on %s and was inactive for 90.00:00:00.",
			g.lastUsed.UTC().Format("2006-01-02T15:04:05Z")))
		return
	}
	if f.Get("scope") == "" {
		s.violate("refresh_token grant without scope: v2.0 needs it to know the resource")
	}
	if g.superseded {
		s.staleUses++
	}
	g.lastUsed, g.superseded = s.now(), true
	s.grants["refresh_token"]++
	s.issue(w, f, g.clientID, g.upn, f.Get("scope"), g.issued)
}

// authCodeGrant redeems a code, checking PKCE S256 [rfc7636]: BASE64URL(SHA256(verifier)).
func (s *Server) authCodeGrant(w http.ResponseWriter, f url.Values) {
	c := s.codes[f.Get("code")]
	switch {
	case c == nil:
		s.fail(w, http.StatusBadRequest, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid. The authorization code is malformed.")
	case c.redeemed:
		s.fail(w, http.StatusBadRequest, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
	case s.now().After(c.expires):
		s.fail(w, http.StatusBadRequest, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
	case f.Get("client_id") != c.clientID:
		s.fail(w, http.StatusBadRequest, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
	case f.Get("redirect_uri") != c.redirectURI:
		// [authcode] redirect_uri: "The same redirect_uri value that was used to acquire the authorization_code."
		s.violate("authorization_code grant: redirect_uri differs from the authorization request's")
		s.fail(w, http.StatusBadRequest, "invalid_grant", 50011, "The redirect URI specified in the request does not match the redirect URIs configured for the application.")
	case !pkceS256(f.Get("code_verifier"), c.challenge):
		s.fail(w, http.StatusBadRequest, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
	default:
		c.redeemed = true
		s.grants["authorization_code"]++
		s.issue(w, f, c.clientID, c.upn, c.scope+" "+f.Get("scope"), s.now())
	}
}

// appScope: [clientcred] scope is "the resource identifier ... affixed with the .default
// suffix". MSAL adds openid, offline_access and profile to every request, client credentials
// too; Entra ID ignores them there, so they are allowed, and nothing else.
func appScope(scope, resource string) bool {
	found := false
	for _, sc := range strings.Fields(scope) {
		switch {
		case strings.EqualFold(sc, resource+"/.default"):
			found = true
		case sc == "openid" || sc == "offline_access" || sc == "profile":
		default:
			return false
		}
	}
	return found
}

func pkceS256(verifier, challenge string) bool {
	// [rfc7636] 4.1: 43 to 128 characters.
	if len(verifier) < 43 || len(verifier) > 128 || challenge == "" {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

// clientCredentials is [clientcred] with a shared secret; the scope must be RESOURCE/.default.
func (s *Server) clientCredentials(w http.ResponseWriter, f url.Values) {
	switch {
	case f.Get("client_id") != s.o.AppID:
		s.fail(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", f.Get("client_id"), s.o.TenantID))
	case f.Get("client_secret") == "":
		s.fail(w, http.StatusBadRequest, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	case subtle.ConstantTimeCompare([]byte(f.Get("client_secret")), []byte(s.o.AppSecret)) != 1:
		s.fail(w, http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+s.o.AppID+"'.")
	case !appScope(f.Get("scope"), s.o.Resource):
		s.fail(w, http.StatusBadRequest, "invalid_scope", 1002012, fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", f.Get("scope")))
	default:
		at, err := s.o.AccessToken("")
		if err != nil {
			s.fail(w, http.StatusInternalServerError, "server_error", 50000, "There was an error issuing a token. "+err.Error())
			return
		}
		s.grants["client_credentials"]++
		// [clientcred] "Successful response": no refresh token, no id_token.
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": int(s.lifetime / time.Second), "ext_expires_in": int(s.lifetime / time.Second), "access_token": at})
	}
}

// issue answers a person's grant: access token for the resource scope, a new refresh token
// (offline_access), an id_token (openid) and client_info when asked (client_info=1).
func (s *Server) issue(w http.ResponseWriter, f url.Values, clientID, upn, scopes string, signedIn time.Time) {
	var resource []string
	oidc := map[string]bool{}
	for _, sc := range strings.Fields(scopes) {
		switch sc {
		case "openid", "profile", "email", "offline_access":
			oidc[sc] = true
		default:
			if !slices.Contains(resource, sc) {
				resource = append(resource, sc)
			}
		}
	}
	if msg := s.badScope(strings.Join(resource, " ")); msg != "" {
		s.fail(w, http.StatusBadRequest, "invalid_scope", 70011, msg)
		return
	}
	at, err := s.o.AccessToken(upn)
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "server_error", 50000, "There was an error issuing a token. "+err.Error())
		return
	}
	oid := s.o.Users[upn]
	body := map[string]any{"token_type": "Bearer", "scope": strings.Join(resource, " "),
		"expires_in": int(s.lifetime / time.Second), "ext_expires_in": int(s.lifetime / time.Second), "access_token": at}
	if oidc["offline_access"] {
		rt := "idprt." + randomHex(32)
		s.refresh[rt] = &grant{clientID: clientID, upn: upn, issued: signedIn, lastUsed: s.now()}
		body["refresh_token"] = rt
	} else {
		s.violate("a person's sign-in without offline_access: no refresh token, no silent renewal")
	}
	if oidc["openid"] {
		body["id_token"] = s.idToken(clientID, upn, oid)
	}
	// client_info, when the client asks for it, is base64url({"uid": oid, "utid": tid})
	// [clientinfo]: MSAL keys its cache on uid.utid.
	if f.Get("client_info") == "1" {
		ci, _ := json.Marshal(map[string]string{"uid": oid, "utid": s.o.TenantID})
		body["client_info"] = base64.RawURLEncoding.EncodeToString(ci)
	}
	writeJSON(w, http.StatusOK, body)
}

// idToken is a v2.0 id_token [idtoken], signed RS256 with the key at jwks_uri.
func (s *Server) idToken(clientID, upn, oid string) string {
	now := s.now()
	name := upn
	if i := strings.IndexByte(upn, '@'); i > 0 {
		name = upn[:i]
	}
	claims := map[string]any{"aud": clientID, "iss": s.URL() + "/" + s.o.TenantID + "/v2.0", "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "name": name, "oid": oid, "preferred_username": upn, "sub": "sub-" + oid,
		"tid": s.o.TenantID, "ver": "2.0", "uti": randomHex(8)}
	return s.sign(map[string]any{"typ": "JWT", "alg": "RS256", "kid": s.kid()}, claims)
}

func (s *Server) kid() string {
	sum := sha256.Sum256(s.key.PublicKey.N.Bytes())
	return hex.EncodeToString(sum[:8])
}

func (s *Server) jwk() map[string]any {
	return map[string]any{"kty": "RSA", "use": "sig", "kid": s.kid(),
		"n": base64.RawURLEncoding.EncodeToString(s.key.PublicKey.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(s.key.PublicKey.E)).Bytes())}
}

func (s *Server) sign(header, claims map[string]any) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(in))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// fail writes [authcode]'s "Error response": error, error_description ("AADSTSn: …" then
// trace and correlation IDs and the time, separated by \r\n), error_codes, timestamp,
// trace_id, correlation_id, and [errors]' error_uri.
func (s *Server) fail(w http.ResponseWriter, status int, code string, aadsts int, msg string) {
	trace, corr := uuid(), uuid()
	ts := s.now().UTC().Format("2006-01-02 15:04:05Z")
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", aadsts, msg, trace, corr, ts),
		"error_codes":       []int{aadsts},
		"timestamp":         ts,
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         fmt.Sprintf("%s/error?code=%d", s.URL(), aadsts),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func uuid() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
