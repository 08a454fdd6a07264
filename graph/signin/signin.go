// Package signin gets access tokens from the Microsoft identity platform (Entra ID's token
// service) for the three ways adkit signs in: an app registration with a client secret, an
// app registration with a certificate, and a technician with the device-code flow.
//
// It speaks the OAuth 2.0 protocol the identity platform documents, and nothing more:
// adkit used azidentity (and through it MSAL) for this, which added half a millisecond of
// package initialisation and about 2 MB to every run of every command, Active Directory ones
// included, for three form posts.
package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/adkit-dev/adkit/internal/ctxsleep"
)

// DefaultAuthorityHost is the public cloud's authority.
const DefaultAuthorityHost = "https://login.microsoftonline.com/"

// Options say where the token service is and who signs in.
type Options struct {
	// AuthorityHost is the authority, e.g. https://login.microsoftonline.us/ for a sovereign
	// cloud; default DefaultAuthorityHost.
	AuthorityHost string
	TenantID      string
	ClientID      string
	// HTTPClient sends the requests; it decides TLS trust and the timeout of each.
	// Default http.DefaultClient.
	HTTPClient *http.Client
}

// maxRetries is how often a request the service could not answer (429, 5xx, a network error
// other than an untrusted certificate or a timeout) is sent again.
const maxRetries = 3

// refreshMargin is how long before it expires a cached token is replaced, as azidentity
// does: a request signed just before expiry could reach Graph after it.
const refreshMargin = 5 * time.Minute

// Credential signs in on demand and caches the token until shortly before it expires. It is
// safe for concurrent use: parallel requests wait for one sign-in rather than each starting
// their own.
type Credential struct {
	opts  Options
	grant grant
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu    sync.Mutex
	cache map[string]token // by scopes
}

// grant is one way of getting a token: it fills in the token request's form, or, for the
// device-code flow, runs the whole exchange.
type grant interface {
	token(ctx context.Context, c *Credential, scopes []string, claims string) (token, error)
}

type token struct {
	access  string
	refresh string
	expires time.Time
}

func newCredential(opts Options, g grant) *Credential {
	if opts.AuthorityHost == "" {
		opts.AuthorityHost = DefaultAuthorityHost
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	return &Credential{opts: opts, grant: g, now: time.Now, sleep: ctxsleep.Sleep, cache: map[string]token{}}
}

// AccessToken is a bearer token and when it expires.
type AccessToken struct {
	Token     string
	ExpiresOn time.Time
}

// Token returns an access token for scopes, from the cache while it is fresh. claims is a
// claims challenge (from a 401 that asks for a stronger token); it always signs in again.
// CAE is not announced to the service (no xms_cc claim), so tokens are ordinary one-hour
// tokens and Graph sends no CAE challenges.
func (c *Credential) Token(ctx context.Context, scopes []string, claims string) (AccessToken, error) {
	if len(scopes) == 0 {
		return AccessToken{}, errors.New("sign in: no scope requested")
	}
	key := strings.Join(scopes, " ")
	c.mu.Lock()
	defer c.mu.Unlock()
	cached, ok := c.cache[key]
	if ok && claims == "" && c.now().Add(refreshMargin).Before(cached.expires) {
		return cached.accessToken(), nil
	}
	var (
		t   token
		err error
	)
	if ok && cached.refresh != "" && claims == "" {
		t, err = c.refresh(ctx, scopes, cached.refresh)
	} else {
		t, err = c.grant.token(ctx, c, scopes, claims)
	}
	if err != nil {
		return AccessToken{}, err
	}
	c.cache[key] = t
	return t.accessToken(), nil
}

func (t token) accessToken() AccessToken {
	return AccessToken{Token: t.access, ExpiresOn: t.expires}
}

// refresh redeems a refresh token (device-code sign-in) for a new access token, so that a
// run longer than the token's hour does not ask the technician to sign in again.
func (c *Credential) refresh(ctx context.Context, scopes []string, refreshToken string) (token, error) {
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {c.opts.ClientID},
		"refresh_token": {refreshToken},
		"scope":         {strings.Join(withUserScopes(scopes), " ")},
	}
	return c.requestToken(ctx, form)
}

func (c *Credential) endpoint(name string) string {
	host := c.opts.AuthorityHost
	if !strings.HasSuffix(host, "/") {
		host += "/"
	}
	return host + url.PathEscape(c.opts.TenantID) + "/oauth2/v2.0/" + name
}

// requestToken posts form to the token endpoint and reads the token from the answer.
func (c *Credential) requestToken(ctx context.Context, form url.Values) (token, error) {
	var body struct {
		AccessToken  string      `json:"access_token"`
		RefreshToken string      `json:"refresh_token"`
		ExpiresIn    json.Number `json:"expires_in"` // a number from v2.0, a string from older endpoints
	}
	if err := c.post(ctx, c.endpoint("token"), form, &body); err != nil {
		return token{}, err
	}
	if body.AccessToken == "" {
		return token{}, errors.New("sign in: the token service answered without an access token")
	}
	secs, err := strconv.ParseInt(strings.Trim(body.ExpiresIn.String(), `"`), 10, 64)
	if err != nil || secs <= 0 {
		secs = 3600 // the service's documented lifetime when it does not say
	}
	return token{access: body.AccessToken, refresh: body.RefreshToken, expires: c.now().Add(time.Duration(secs) * time.Second)}, nil
}

// post sends form to endpoint, retrying what the service could not answer, and decodes a 200
// answer into out. A refusal comes back as *Error.
func (c *Credential) post(ctx context.Context, endpoint string, form url.Values, out any) error {
	encoded := form.Encode()
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(encoded))
		if err != nil {
			return fmt.Errorf("sign in: %w", err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		resp, err := c.opts.HTTPClient.Do(req)
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil || !retryableNetError(err) || attempt >= maxRetries {
				return fmt.Errorf("sign in: %w", err)
			}
			wait = backoff(attempt)
		case retryableStatus(resp.StatusCode) && attempt < maxRetries:
			wait = retryAfter(resp.Header.Get("Retry-After"), attempt)
			drain(resp)
		default:
			return decode(resp, out)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("sign in: %w", err)
		}
	}
}

// decode reads a token service answer: out on 200, *Error otherwise.
func decode(resp *http.Response, out any) error {
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("sign in: reading the answer: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("sign in: the token service's answer is not JSON: %w", err)
		}
		return nil
	}
	e := &Error{Status: resp.StatusCode}
	if json.Unmarshal(data, e) != nil || e.Code == "" {
		e.Code = strconv.Itoa(resp.StatusCode)
		e.Description = http.StatusText(resp.StatusCode)
	}
	return e
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
}
