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
	// Auth picks the credential source; "" is the default chain (credential.go, source).
	Auth AuthSource
	// FederatedTokenFile is AZURE_FEDERATED_TOKEN_FILE: the workload identity's token.
	FederatedTokenFile string
	// Login is where a technician's sign-in is kept between runs (adkit login); the zero
	// value keeps it for this run only.
	Login LoginStore
	// Interactive lets a command sign a person in (device code, browser) when the saved
	// sign-in is missing or cannot be renewed; without it the command says "run adkit login".
	Interactive bool
	// saving is set by Login: the sign-in must be kept, so a machine with no credential
	// store is an error rather than a sign-in for this run only.
	saving bool
	// DevicePrompt is shown the device-code message ("To sign in, use a web browser to open
	// the page … and enter the code …"); it must not block.
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

// validate checks that the chosen source has what it needs, before anything is sent.
func (c Config) validate(source AuthSource) error {
	var missing []string
	need := func(v, name string) {
		if v == "" {
			missing = append(missing, name)
		}
	}
	switch source {
	case AuthEnv:
		need(c.TenantID, "AZURE_TENANT_ID")
		need(c.ClientID, "AZURE_CLIENT_ID")
		if c.ClientSecret.IsZero() && c.CertificatePath == "" {
			missing = append(missing, "AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH")
		}
	case AuthWorkload:
		need(c.TenantID, "AZURE_TENANT_ID")
		need(c.ClientID, "AZURE_CLIENT_ID")
		need(c.FederatedTokenFile, "AZURE_FEDERATED_TOKEN_FILE")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: no Entra ID credentials for --auth %s: set %s (an app registration), or sign in as yourself with adkit login",
			directory.ErrInvalidInput, source, strings.Join(missing, ", "))
	}
	return nil
}
