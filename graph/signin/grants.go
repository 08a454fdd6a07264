package signin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// DefaultPublicClientID is the application a device-code sign-in uses when no client ID is
// configured: the Azure CLI's public client, as azidentity and the Azure tools default to.
const DefaultPublicClientID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

// NewClientSecret signs an app registration in with its client secret (client credentials
// grant). The secret goes into the request body only.
func NewClientSecret(opts Options, secret string) *Credential {
	return newCredential(opts, clientSecret(secret))
}

type clientSecret string

func (s clientSecret) token(ctx context.Context, c *Credential, scopes []string, claims string) (token, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.opts.ClientID},
		"client_secret": {string(s)},
		"scope":         {strings.Join(scopes, " ")},
	}
	addClaims(form, claims)
	return c.requestToken(ctx, form)
}

// NewClientCertificate signs an app registration in with a certificate: each sign-in sends a
// short-lived assertion signed with the key (client credentials grant, private_key_jwt).
func NewClientCertificate(opts Options, cert Certificate) *Credential {
	return newCredential(opts, cert)
}

func (cert Certificate) token(ctx context.Context, c *Credential, scopes []string, claims string) (token, error) {
	assertion, err := cert.assertion(c.opts.ClientID, c.endpoint("token"), c.now())
	if err != nil {
		return token{}, fmt.Errorf("sign in: signing the client assertion: %w", err)
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_id":             {c.opts.ClientID},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
		"scope":                 {strings.Join(scopes, " ")},
	}
	addClaims(form, claims)
	return c.requestToken(ctx, form)
}

// NewDeviceCode signs a person in with the device-code flow: prompt is given the service's
// message ("To sign in, use a web browser to open the page … and enter the code …"), must
// not block, and the sign-in then waits until the person has finished in the browser, the
// code expires, or ctx ends. An empty TenantID means any work or school account
// ("organizations"), an empty ClientID DefaultPublicClientID.
func NewDeviceCode(opts Options, prompt func(message string)) *Credential {
	if opts.TenantID == "" {
		opts.TenantID = "organizations"
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultPublicClientID
	}
	return newCredential(opts, deviceCode{prompt: prompt})
}

type deviceCode struct {
	prompt func(message string)
}

// withUserScopes adds what a person's sign-in asks for besides the resource: a refresh
// token (offline_access) and who signed in (openid profile), as MSAL does.
func withUserScopes(scopes []string) []string {
	out := append([]string(nil), scopes...)
	for _, s := range []string{"offline_access", "openid", "profile"} {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (d deviceCode) token(ctx context.Context, c *Credential, scopes []string, claims string) (token, error) {
	form := url.Values{"client_id": {c.opts.ClientID}, "scope": {strings.Join(withUserScopes(scopes), " ")}}
	addClaims(form, claims)
	var code struct {
		DeviceCode      string `json:"device_code"`
		UserCode        string `json:"user_code"`
		VerificationURI string `json:"verification_uri"`
		ExpiresIn       int    `json:"expires_in"`
		Interval        int    `json:"interval"`
		Message         string `json:"message"`
	}
	if err := c.post(ctx, c.endpoint("devicecode"), form, &code); err != nil {
		return token{}, err
	}
	if code.DeviceCode == "" {
		return token{}, errors.New("sign in: the token service answered without a device code")
	}
	msg := code.Message
	if msg == "" {
		msg = "To sign in, use a web browser to open the page " + code.VerificationURI + " and enter the code " + code.UserCode + " to authenticate."
	}
	if d.prompt != nil {
		d.prompt(msg)
	}
	interval := time.Duration(max(code.Interval, 1)) * time.Second
	deadline := c.now().Add(time.Duration(max(code.ExpiresIn, 60)) * time.Second)
	poll := url.Values{
		"grant_type":  {"urn:ietf:params:oauth:grant-type:device_code"},
		"client_id":   {c.opts.ClientID},
		"device_code": {code.DeviceCode},
	}
	for {
		if err := c.sleep(ctx, interval); err != nil {
			return token{}, fmt.Errorf("sign in: %w", err)
		}
		t, err := c.requestToken(ctx, poll)
		var refused *Error
		if !errors.As(err, &refused) {
			return t, err
		}
		switch refused.Code {
		case "authorization_pending":
		case "slow_down":
			interval += 5 * time.Second // RFC 8628, section 3.5
		default: // authorization_declined, expired_token, bad_verification_code, …
			return token{}, err
		}
		if c.now().After(deadline) {
			return token{}, &Error{Status: 400, Code: "expired_token", Description: "the device code expired before the sign-in was finished in the browser"}
		}
	}
}

// addClaims passes on a claims challenge from a resource (a 401 asking for a token that
// satisfies, say, a Conditional Access policy).
func addClaims(form url.Values, claims string) {
	if claims != "" {
		form.Set("claims", claims)
	}
}
