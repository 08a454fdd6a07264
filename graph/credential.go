package graph

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	absauth "github.com/microsoft/kiota-abstractions-go/authentication"

	"github.com/adkit-dev/adkit/graph/signin"
	"github.com/adkit-dev/adkit/internal/directory"
)

// credential builds the sign-in the Config asks for and says who it signs in as, for audit
// records.
func credential(cfg Config, hc *http.Client) (*signin.Credential, string, error) {
	opts := signin.Options{AuthorityHost: cfg.AuthorityHost, TenantID: cfg.TenantID, ClientID: cfg.ClientID, HTTPClient: hc}
	if opts.AuthorityHost != "" {
		u, err := url.Parse(opts.AuthorityHost)
		if err != nil || u.Host == "" || u.Scheme != "https" {
			return nil, "", fmt.Errorf("%w: AZURE_AUTHORITY_HOST %q is not an https URL such as %s",
				directory.ErrInvalidInput, cfg.AuthorityHost, signin.DefaultAuthorityHost)
		}
	}
	if !validTenant(cfg.TenantID) {
		return nil, "", fmt.Errorf("%w: AZURE_TENANT_ID %q is malformed: it is a GUID or a domain such as contoso.onmicrosoft.com",
			directory.ErrInvalidInput, cfg.TenantID)
	}
	switch {
	case cfg.DeviceCode:
		return signin.NewDeviceCode(opts, cfg.DevicePrompt), "device-code", nil
	case cfg.CertificatePath != "":
		data, err := os.ReadFile(cfg.CertificatePath)
		if err != nil {
			return nil, "", fmt.Errorf("%w: AZURE_CLIENT_CERTIFICATE_PATH: %v", directory.ErrInvalidInput, err)
		}
		cert, err := signin.ParseCertificate(data, []byte(cfg.CertificatePassword.Reveal()))
		if err != nil {
			return nil, "", fmt.Errorf("%w: AZURE_CLIENT_CERTIFICATE_PATH %s: %v (a PEM file with the certificate and its unencrypted key, or PKCS#12 with AZURE_CLIENT_CERTIFICATE_PASSWORD)",
				directory.ErrInvalidInput, cfg.CertificatePath, err)
		}
		return signin.NewClientCertificate(opts, cert), "app:" + cfg.ClientID, nil
	default:
		return signin.NewClientSecret(opts, cfg.ClientSecret.Reveal()), "app:" + cfg.ClientID, nil
	}
}

// validTenant is what the token service accepts in its path: a GUID, a domain, or one of
// "organizations", "common", "consumers". Empty is allowed for device-code sign-in.
func validTenant(t string) bool {
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// tokenProvider hands the Graph request adapter a bearer token for each request: what
// kiota-authentication-azure-go does, without the Azure SDK core it needs for that.
type tokenProvider struct {
	cred   *signin.Credential
	scopes []string
	hosts  *absauth.AllowedHostsValidator
}

func (p tokenProvider) GetAuthorizationToken(ctx context.Context, u *url.URL, extra map[string]any) (string, error) {
	if u == nil || !p.hosts.IsUrlHostValid(u) {
		return "", nil // not Graph's host: no token
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return "", fmt.Errorf("refusing to send the Entra ID token to %s over plain http", u.Host)
	}
	// A 401 with a claims challenge comes back here with the claims, base64-encoded as the
	// WWW-Authenticate header carried them.
	var claims string
	if raw, ok := extra["claims"].(string); ok && raw != "" {
		decoded, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return "", fmt.Errorf("Graph's claims challenge is not base64: %w", err)
		}
		claims = string(decoded)
	}
	tok, err := p.cred.Token(ctx, p.scopes, claims)
	if err != nil {
		return "", explainSignIn(err)
	}
	return tok.Token, nil
}

func (p tokenProvider) GetAllowedHostsValidator() *absauth.AllowedHostsValidator { return p.hosts }
