package graphtest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The token service: what a client of the Microsoft identity platform asks an authority
// for. adkit's graph/signin posts to /{tenant}/oauth2/v2.0/token and .../devicecode directly;
// MSAL (azidentity, in this package's tests) first fetches
// /{tenant}/v2.0/.well-known/openid-configuration and, unless instance discovery is
// disabled, /common/discovery/instance.

type principal struct {
	name    string // client id for apps, UPN for users
	app     bool
	failure apiResponse
}

type authState struct {
	mu          sync.Mutex
	tokens      map[string]principal
	deviceCodes map[string]bool // device code -> already polled once
	refresh     map[string]refreshGrant
	codes       map[string]authCode // authorization codes not yet redeemed
	lifetime    time.Duration       // of access tokens; 0 is 3599 s
}

// refreshGrant is what a refresh token stands for: who, for which app, since when. The
// identity platform refuses a refresh token issued before the user's
// signInSessionsValidFromDateTime (set by revokeSignInSessions), with AADSTS50173.
type refreshGrant struct {
	user     string
	clientID string
	issued   time.Time
}

// defaultTokenLifetime is how long an access token lasts unless SetTokenLifetime says.
const defaultTokenLifetime = 3599 * time.Second

// SetTokenLifetime makes the access tokens issued from now on last d (expires_in). MSAL
// treats a token as expired 5 minutes before it is, so a lifetime under 5 minutes makes every
// later request renew it with the refresh token. 0 restores the default, 3599 s.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	s.auth.lifetime = d
}

// Grants counts the token requests the server answered with a token, by grant_type
// ("client_credentials", "refresh_token", "device_code", "authorization_code").
func (s *Server) Grants(grantType string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.Path, "/oauth2/v2.0/token") || r.Status != 200 {
			continue
		}
		form, _ := url.ParseQuery(r.Body)
		g := form.Get("grant_type")
		if g == "urn:ietf:params:oauth:grant-type:device_code" {
			g = "device_code"
		}
		if g == grantType {
			n++
		}
	}
	return n
}

// UserAccessToken issues an access token for the user upn, as another tool that signed them
// in would hold one (the Azure CLI's `az account get-access-token`).
func (s *Server) UserAccessToken(upn string) string {
	return s.issue(principal{name: upn})
}

// Tokens returns how many access tokens the server has issued.
func (s *Server) Tokens() int {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	return len(s.auth.tokens)
}

// authenticate checks the bearer token of an API request.
func (s *Server) authenticate(r *http.Request) (principal, bool) {
	h := r.Header.Get("Authorization")
	tok, found := strings.CutPrefix(h, "Bearer ")
	if !found || tok == "" {
		return principal{failure: apiResponse{status: 401, body: odataError("InvalidAuthenticationToken", "Access token is empty."),
			headers: map[string]string{"WWW-Authenticate": `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"`}}}, false
	}
	s.auth.mu.Lock()
	p, ok := s.auth.tokens[tok]
	s.auth.mu.Unlock()
	if !ok {
		return principal{failure: errorResponse(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")}, false
	}
	return p, true
}

// randomHex is n random bytes in hex: the tokens, codes and secrets the server hands out.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) issue(p principal) string {
	tok := "gt." + randomHex(24)
	s.auth.mu.Lock()
	s.auth.tokens[tok] = p
	s.auth.mu.Unlock()
	return tok
}

// serveAuth answers the token service's endpoints.
func (s *Server) serveAuth(r *http.Request, body []byte) apiResponse {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodGet && len(segs) == 3 && segs[0] == "common" && segs[1] == "discovery" && segs[2] == "instance":
		return s.instanceDiscovery(r)
	case r.Method == http.MethodGet && r.URL.Path == managedIdentityPath:
		return s.managedIdentityToken(r)
	case len(segs) < 2:
	case !s.knownTenant(segs[0]):
		return authError(400, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", segs[0]))
	case r.Method == http.MethodGet && strings.Join(segs[1:], "/") == "v2.0/.well-known/openid-configuration":
		return s.openIDConfiguration(segs[0])
	case r.Method == http.MethodGet && strings.Join(segs[1:], "/") == "oauth2/v2.0/authorize":
		return s.authorize(r.URL.Query())
	case r.Method == http.MethodPost && strings.Join(segs[1:], "/") == "oauth2/v2.0/token":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return authError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		}
		return s.token(form, segs[0])
	case r.Method == http.MethodPost && strings.Join(segs[1:], "/") == "oauth2/v2.0/devicecode":
		form, _ := url.ParseQuery(string(body))
		return s.deviceCode(form)
	}
	return apiResponse{status: 404, body: map[string]any{"error": "not_found", "error_description": "no such endpoint: " + r.URL.Path}}
}

func (s *Server) knownTenant(t string) bool {
	return strings.EqualFold(t, s.tenant.ID) || strings.EqualFold(t, s.tenant.DefaultDomain) ||
		t == "organizations" || t == "common"
}

// openIDConfiguration is the discovery document
// (learn.microsoft.com/entra/identity-platform/v2-protocols-oidc). For the multi-tenant
// authorities the issuer is a template, {tenantid}, as the identity platform publishes it:
// the tenant is known only once someone signs in.
func (s *Server) openIDConfiguration(tenant string) apiResponse {
	b := s.base + "/" + tenant
	issuer := s.base + "/" + s.tenant.ID + "/v2.0"
	if tenant == "common" || tenant == "organizations" {
		issuer = s.base + "/{tenantid}/v2.0"
	}
	return ok(map[string]any{
		"token_endpoint":                        b + "/oauth2/v2.0/token",
		"authorization_endpoint":                b + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         b + "/oauth2/v2.0/devicecode",
		"issuer":                                issuer,
		"jwks_uri":                              b + "/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"tenant_region_scope":                   nil,
	})
}

func (s *Server) instanceDiscovery(r *http.Request) apiResponse {
	tenant := "common"
	if ae, err := url.Parse(r.URL.Query().Get("authorization_endpoint")); err == nil {
		if parts := strings.Split(strings.Trim(ae.Path, "/"), "/"); parts[0] != "" {
			tenant = parts[0]
		}
	}
	host := strings.TrimPrefix(s.base, "https://")
	return ok(map[string]any{
		"tenant_discovery_endpoint": s.base + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata":                  []any{map[string]any{"preferred_network": host, "preferred_cache": host, "aliases": []string{host}}},
	})
}

// authError is the token service's error body (not Graph's OData one), with every field the
// identity platform documents: error, error_description (the AADSTS code and text, then the
// trace ID, correlation ID and time), error_codes, timestamp, trace_id and correlation_id
// (learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#error-response-1).
func authError(status int, code string, aadsts int, msg string) apiResponse {
	trace, corr := guid(), guid()
	ts := time.Now().UTC().Format("2006-01-02 15:04:05Z")
	return apiResponse{status: status, body: map[string]any{
		"error":             code,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", aadsts, msg, trace, corr, ts),
		"error_codes":       []int{aadsts},
		"timestamp":         ts,
		"trace_id":          trace,
		"correlation_id":    corr,
	}}
}

// guid is a random identifier in GUID form, as trace and correlation IDs are.
func guid() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *Server) token(form url.Values, tenant string) apiResponse {
	switch form.Get("grant_type") {
	case "client_credentials":
		if form.Get("client_id") != s.opts.ClientID {
			return authError(400, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", form.Get("client_id"), s.tenant.DefaultDomain))
		}
		if a := form.Get("client_assertion"); a != "" && s.federated(a) {
			if resp, ok := s.verifyFederated(a); !ok {
				return resp
			}
		} else if a != "" {
			if err := s.verifyAssertion(a, form.Get("client_id"), tenant); err != nil {
				return authError(401, "invalid_client", 700027, "Client assertion failed signature validation: "+err.Error())
			}
		} else if form.Get("client_secret") != s.opts.ClientSecret {
			return authError(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+s.opts.ClientID+"'.")
		}
		return s.tokenResponse(principal{name: form.Get("client_id"), app: true}, form.Get("scope"), false)
	case "urn:ietf:params:oauth:grant-type:device_code", "device_code": // MSAL sends the short form
		code := form.Get("device_code")
		s.auth.mu.Lock()
		polled, known := s.auth.deviceCodes[code]
		if known && !polled {
			s.auth.deviceCodes[code] = true
		}
		s.auth.mu.Unlock()
		switch {
		case !known:
			// learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code#expected-errors:
			// "The device_code sent to the /token endpoint wasn't recognized."
			return authError(400, "bad_verification_code", 70000, "The provided value for the input parameter 'device_code' is not valid.")
		case !polled: // the person has not finished signing in yet, the first time round
			return authError(400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
		}
		return s.userTokenResponse(s.deviceCodeUser(), form)
	case "authorization_code":
		return s.redeemCode(form)
	case "refresh_token":
		s.auth.mu.Lock()
		g, known := s.auth.refresh[form.Get("refresh_token")]
		s.auth.mu.Unlock()
		if !known || g.clientID != form.Get("client_id") {
			return authError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
		}
		if validFrom := s.sessionsValidFrom(g.user); validFrom != nil && !g.issued.After(*validFrom) {
			return authError(400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '"+
				g.issued.UTC().Format("2006-01-02T15:04:05.0000000Z")+"' and the TokensValidFrom date (before which tokens are not valid) for this user is '"+validFrom.UTC().Format("2006-01-02T15:04:05.0000000Z")+"'.")
		}
		return s.userTokenResponse(g.user, form)
	}
	return authError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '"+form.Get("grant_type")+"'.")
}

func (s *Server) deviceCodeUser() string {
	if s.opts.DeviceCodeUser != "" {
		return s.opts.DeviceCodeUser
	}
	s.tenant.mu.Lock()
	defer s.tenant.mu.Unlock()
	if len(s.tenant.users) > 0 {
		return s.tenant.users[0].UserPrincipalName
	}
	return "user@" + s.tenant.DefaultDomain
}

// userTokenResponse signs a person in: an access token, an ID token and a new refresh token
// (the identity platform rotates them; the old one stays valid until it expires).
func (s *Server) userTokenResponse(upn string, form url.Values) apiResponse {
	resp := s.tokenResponse(principal{name: upn}, form.Get("scope"), true, form.Get("client_id"))
	rt := "rt." + randomHex(24)
	s.auth.mu.Lock()
	s.auth.refresh[rt] = refreshGrant{user: upn, clientID: form.Get("client_id"), issued: s.now()}
	s.auth.mu.Unlock()
	resp.body.(map[string]any)["refresh_token"] = rt
	return resp
}

// sessionsValidFrom is the user's signInSessionsValidFromDateTime, nil when never revoked.
func (s *Server) sessionsValidFrom(upn string) *time.Time {
	s.tenant.mu.Lock()
	defer s.tenant.mu.Unlock()
	for _, u := range s.tenant.users {
		if strings.EqualFold(u.UserPrincipalName, upn) {
			return u.SessionsValidFrom
		}
	}
	return nil
}

// tokenResponse grants what was asked for: MSAL refuses a token whose scopes leave out one
// it requested.
//
// A person's ID token is addressed (aud) to the application that asked for it, as OpenID
// Connect requires: MSAL and azidentity's AuthenticationRecord take the client ID from it.
func (s *Server) tokenResponse(p principal, scope string, user bool, clientID ...string) apiResponse {
	aud := s.opts.ClientID
	if len(clientID) > 0 && clientID[0] != "" {
		aud = clientID[0]
	}
	s.auth.mu.Lock()
	lifetime := int(s.auth.lifetime.Seconds())
	s.auth.mu.Unlock()
	if lifetime <= 0 {
		lifetime = int(defaultTokenLifetime.Seconds())
	}
	body := map[string]any{
		"token_type":     "Bearer",
		"expires_in":     lifetime,
		"ext_expires_in": lifetime,
		"access_token":   s.issue(p),
	}
	if user {
		oid := StableID("user:" + p.name)
		body["scope"] = scope
		body["client_info"] = b64json(map[string]string{"uid": oid, "utid": s.tenant.ID})
		body["id_token"] = b64json(map[string]string{"alg": "none", "typ": "JWT"}) + "." + b64json(map[string]any{
			"aud": aud, "iss": s.base + "/" + s.tenant.ID + "/v2.0", "iat": time.Now().Unix(),
			"exp": time.Now().Add(time.Hour).Unix(), "oid": oid, "sub": oid, "tid": s.tenant.ID,
			"preferred_username": p.name, "name": p.name, "ver": "2.0",
		}) + "."
	}
	return ok(body)
}

func (s *Server) deviceCode(form url.Values) apiResponse {
	code := "dc." + randomHex(16)
	s.auth.mu.Lock()
	s.auth.deviceCodes[code] = false
	s.auth.mu.Unlock()
	user := strings.ToUpper(code[3:11])
	verify := s.base + "/devicelogin"
	return ok(map[string]any{
		"user_code":        user,
		"device_code":      code,
		"verification_uri": verify,
		"expires_in":       900,
		"interval":         1,
		"message":          "To sign in, use a web browser to open the page " + verify + " and enter the code " + user + " to authenticate.",
	})
}

// verifyAssertion checks a certificate sign-in's client assertion as the identity platform
// documents it (learn.microsoft.com/entra/identity-platform/certificate-credentials): a JWT
// signed (PS256, or RS256 for older clients) by the key of Options.ClientCertificate, which
// its header names by thumbprint (x5t#S256, or SHA-1 x5t with RS256); issued by and about
// the app; addressed to this tenant's token endpoint; and valid now.
func (s *Server) verifyAssertion(a, clientID, tenant string) error {
	cert := s.opts.ClientCertificate
	if cert == nil {
		return fmt.Errorf("no certificate is registered for this application")
	}
	parts := strings.Split(a, ".")
	if len(parts) != 3 {
		return fmt.Errorf("not a JWT")
	}
	var hdr struct {
		Alg     string `json:"alg"`
		X5t     string `json:"x5t"`
		X5tS256 string `json:"x5t#S256"`
	}
	if err := decodeJWTPart(parts[0], &hdr); err != nil {
		return fmt.Errorf("bad JWT header")
	}
	sha256Thumb := sha256.Sum256(cert.Raw)
	sha1Thumb := sha1.Sum(cert.Raw)
	switch {
	case hdr.X5tS256 != "":
		if !sameThumbprint(hdr.X5tS256, sha256Thumb[:]) {
			return fmt.Errorf("the certificate with thumbprint (x5t#S256) %s is not registered for this application", hdr.X5tS256)
		}
	case hdr.X5t != "":
		if !sameThumbprint(hdr.X5t, sha1Thumb[:]) {
			return fmt.Errorf("the certificate with thumbprint (x5t) %s is not registered for this application", hdr.X5t)
		}
	default:
		return fmt.Errorf("the assertion's header names no certificate (x5t#S256)")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("bad JWT signature encoding")
	}
	pub, isRSA := cert.PublicKey.(*rsa.PublicKey)
	if !isRSA {
		return fmt.Errorf("registered certificate is not RSA")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch hdr.Alg {
	case "PS256":
		err = rsa.VerifyPSS(pub, crypto.SHA256, sum[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	case "RS256":
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
	default:
		err = fmt.Errorf("unsupported alg %q", hdr.Alg)
	}
	if err != nil {
		return err
	}
	var claims struct {
		Aud, Iss, Sub, Jti string
		Exp, Nbf           int64
	}
	if err := decodeJWTPart(parts[1], &claims); err != nil {
		return fmt.Errorf("bad JWT claims")
	}
	now := s.now().Unix()
	switch want := s.base + "/" + tenant + "/oauth2/v2.0/token"; {
	case claims.Aud != want:
		return fmt.Errorf("the audience (aud) %q is not this token endpoint, %s", claims.Aud, want)
	case claims.Iss != clientID || claims.Sub != clientID:
		return fmt.Errorf("the issuer and subject (iss %q, sub %q) must both be the client ID", claims.Iss, claims.Sub)
	case claims.Jti == "":
		return fmt.Errorf("the assertion has no jti")
	case claims.Exp < now:
		return fmt.Errorf("the assertion expired at %d", claims.Exp)
	case claims.Nbf > now+300:
		return fmt.Errorf("the assertion is not valid before %d", claims.Nbf)
	}
	return nil
}

// federated reports whether a client assertion is a workload's token rather than one the
// app signed with its certificate: it names no certificate thumbprint.
func (s *Server) federated(a string) bool {
	parts := strings.Split(a, ".")
	var hdr map[string]any
	if s.opts.FederatedCredential == nil || len(parts) != 3 || decodeJWTPart(parts[0], &hdr) != nil {
		return false
	}
	_, x5t := hdr["x5t"]
	_, x5tS256 := hdr["x5t#S256"]
	return !x5t && !x5tS256
}

// verifyFederated checks a workload's token against the federated identity credential, as
// the identity platform does: issuer and subject match exactly, the audience is
// api://AzureADTokenExchange, and it has not expired. (Entra ID also checks the signature
// with the issuer's published keys; the test server trusts the issuer.)
func (s *Server) verifyFederated(a string) (apiResponse, bool) {
	var claims struct {
		Iss, Sub string
		Aud      any
		Exp      int64
	}
	if err := decodeJWTPart(strings.Split(a, ".")[1], &claims); err != nil {
		return authError(400, "invalid_client", 50027, "JWT token is invalid or malformed."), false
	}
	aud := fmt.Sprint(claims.Aud)
	if list, ok := claims.Aud.([]any); ok && len(list) > 0 {
		aud = fmt.Sprint(list[0])
	}
	fc := s.opts.FederatedCredential
	if claims.Iss != fc.Issuer || claims.Sub != fc.Subject || aud != "api://AzureADTokenExchange" {
		return authError(400, "invalid_client", 70021, fmt.Sprintf("No matching federated identity record found for presented assertion. Assertion Issuer: '%s'. Assertion Subject: '%s'. Assertion Audience: '%s'.", claims.Iss, claims.Sub, aud)), false
	}
	if claims.Exp < s.now().Unix() {
		return authError(400, "invalid_client", 700024, "Client assertion is not within its valid time range."), false
	}
	return apiResponse{}, true
}

// sameThumbprint compares a header's thumbprint with want. RFC 7515 says base64url; MSAL
// sends standard base64 with padding, and Entra ID accepts both.
func sameThumbprint(header string, want []byte) bool {
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.StdEncoding} {
		if got, err := enc.DecodeString(header); err == nil && bytes.Equal(got, want) {
			return true
		}
	}
	return false
}

func decodeJWTPart(part string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

func b64json(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}
