package graphtest

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The authorization code flow with PKCE, as a public client (a person in the system browser)
// uses it: learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow. The browser
// GETs /{tenant}/oauth2/v2.0/authorize; the person signs in (here: at once, as the device-code
// user) and the identity platform redirects the browser to the app's redirect_uri with a
// code and the app's state. The app then redeems the code at the token endpoint with the
// code_verifier whose SHA-256 is the code_challenge it sent (RFC 7636). With
// response_mode=form_post (what MSAL asks for: its loopback listener takes only POST) the
// code comes back as a page whose form the browser posts to the redirect_uri.

// authCode is what an authorization code was issued for. A code is redeemed once.
type authCode struct {
	user, clientID, redirectURI, challenge, method string
}

// authorize answers the browser: a redirect to the app with a code, or an error page when
// the request cannot be sent back to the app at all (no usable redirect_uri).
func (s *Server) authorize(q url.Values) apiResponse {
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !loopbackRedirect(redirect) {
		// Entra shows this in the browser; it never redirects to an unregistered address.
		return authError(400, "invalid_request", 50011, "The redirect URI '"+q.Get("redirect_uri")+"' specified in the request does not match the redirect URIs configured for the application.")
	}
	back := func(params url.Values) apiResponse {
		if st := q.Get("state"); st != "" {
			params.Set("state", st)
		}
		if q.Get("response_mode") == "form_post" {
			return formPost(redirect.String(), params)
		}
		u := *redirect
		u.RawQuery = params.Encode()
		return apiResponse{status: http.StatusFound, headers: map[string]string{"Location": u.String()}}
	}
	switch {
	case q.Get("response_type") != "code":
		return back(url.Values{"error": {"unsupported_response_type"}, "error_description": {"AADSTS700054: response_type 'id_token' is not enabled for the application."}})
	case q.Get("client_id") == "":
		return back(url.Values{"error": {"invalid_request"}, "error_description": {"AADSTS900144: The request body must contain the following parameter: 'client_id'."}})
	case q.Get("code_challenge") == "" || (q.Get("code_challenge_method") != "S256" && q.Get("code_challenge_method") != "plain" && q.Get("code_challenge_method") != ""):
		// A public client must use PKCE.
		return back(url.Values{"error": {"invalid_request"}, "error_description": {"AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption."}})
	}
	code := "ac." + randomHex(24)
	s.auth.mu.Lock()
	s.auth.codes[code] = authCode{user: s.deviceCodeUser(), clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"),
		challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method")}
	s.auth.mu.Unlock()
	return back(url.Values{"code": {code}})
}

// formPost is the page of response_mode=form_post: a form of hidden fields that posts
// itself to the app as soon as the browser loads it.
func formPost(action string, params url.Values) apiResponse {
	var b strings.Builder
	b.WriteString(`<html><head><title>Working...</title></head><body onload="document.forms[0].submit()">`)
	b.WriteString(`<form method="POST" name="hiddenform" action="` + html.EscapeString(action) + `">`)
	for _, k := range slices.Sorted(maps.Keys(params)) {
		b.WriteString(`<input type="hidden" name="` + html.EscapeString(k) + `" value="` + html.EscapeString(params.Get(k)) + `" />`)
	}
	b.WriteString(`<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript></form></body></html>`)
	return apiResponse{status: http.StatusOK, body: htmlPage(b.String())}
}

// loopbackRedirect accepts what a native app registers for the system browser: http on
// localhost or a loopback address, any port (RFC 8252 section 7.3).
func loopbackRedirect(u *url.URL) bool {
	if u.Scheme != "http" {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// redeemCode is the authorization_code grant: the code once, from the app it was issued to,
// with the same redirect_uri and the verifier of its challenge.
func (s *Server) redeemCode(form url.Values) apiResponse {
	s.auth.mu.Lock()
	c, known := s.auth.codes[form.Get("code")]
	delete(s.auth.codes, form.Get("code"))
	s.auth.mu.Unlock()
	switch {
	case !known:
		return authError(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
	case c.clientID != form.Get("client_id"):
		return authError(400, "invalid_grant", 70000, "Provided grant is invalid or malformed: the code was issued to another application.")
	case c.redirectURI != form.Get("redirect_uri"):
		return authError(400, "invalid_grant", 50011, "The redirect URI '"+form.Get("redirect_uri")+"' does not match the one of the authorization request.")
	case !pkceMatches(c, form.Get("code_verifier")):
		return authError(400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
	}
	return s.userTokenResponse(c.user, form)
}

func pkceMatches(c authCode, verifier string) bool {
	if verifier == "" {
		return false
	}
	// The auth code flow page: "If excluded, code_challenge is assumed to be plaintext".
	if c.method == "plain" || c.method == "" {
		return verifier == c.challenge
	}
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:]) == c.challenge
}
