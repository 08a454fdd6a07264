package graph

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

// DefaultGraphURL is the public cloud's Graph endpoint.
const DefaultGraphURL = "https://graph.microsoft.com/v1.0"

// Config says where Graph is and how to sign in. The credential fields follow the Azure SDK's
// environment variables (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET,
// AZURE_CLIENT_CERTIFICATE_PATH, AZURE_CLIENT_CERTIFICATE_PASSWORD, AZURE_AUTHORITY_HOST); the
// caller reads them, so that tests need not touch the process environment.
type Config struct {
	// GraphURL is the endpoint, version included; default DefaultGraphURL.
	GraphURL string
	TenantID string
	ClientID string
	// ClientSecret or CertificatePath (a PEM or PKCS#12 file with the key) sign the app in.
	ClientSecret        secret.Secret
	CertificatePath     string
	CertificatePassword secret.Secret
	// AuthorityHost is the Entra ID authority, e.g. https://login.microsoftonline.us/ for a
	// sovereign cloud; default the public cloud.
	AuthorityHost string
	// DeviceCode signs a technician in interactively: DevicePrompt is shown the code to enter
	// (it must not block). ClientID may then be empty (signin.DefaultPublicClientID).
	DeviceCode   bool
	DevicePrompt func(message string)
	// CAPool, when set, replaces the system roots for TLS to Graph and the authority. Nil uses
	// the system roots, which honour SSL_CERT_FILE.
	CAPool *x509.CertPool
	// Timeout bounds each HTTP request (retries included); default 100s.
	Timeout time.Duration
	// Debug, when set, receives one line per HTTP request and retry, never a header or body.
	Debug func(format string, args ...any)
}

// timeout is Timeout or its default.
func (c Config) timeout() time.Duration {
	if c.Timeout <= 0 {
		return 100 * time.Second
	}
	return c.Timeout
}

// endpoint checks GraphURL and returns it parsed.
func (c Config) endpoint() (*url.URL, error) {
	raw := c.GraphURL
	if raw == "" {
		raw = DefaultGraphURL
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: Graph URL %q is not a URL such as %s", directory.ErrInvalidInput, raw, DefaultGraphURL)
	}
	if u.Scheme != "https" {
		// Tokens must never cross the network in clear text; the Kiota authentication
		// provider refuses too, but later and in less helpful words.
		return nil, fmt.Errorf("%w: Graph URL %q must use https", directory.ErrInvalidInput, raw)
	}
	return u, nil
}

func (c Config) validate() error {
	if c.DeviceCode {
		return nil
	}
	var missing []string
	if c.TenantID == "" {
		missing = append(missing, "AZURE_TENANT_ID")
	}
	if c.ClientID == "" {
		missing = append(missing, "AZURE_CLIENT_ID")
	}
	if c.ClientSecret.IsZero() && c.CertificatePath == "" {
		missing = append(missing, "AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: no Entra ID credentials: set %s (an app registration), or sign in as yourself with --device-code",
			directory.ErrInvalidInput, strings.Join(missing, ", "))
	}
	return nil
}
