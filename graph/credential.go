package graph

import (
	"fmt"
	"net/http"
	"net/url"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/adkit-dev/adkit/graph/signin"
	"github.com/adkit-dev/adkit/internal/directory"
)

// credential builds the sign-in the Config asks for and says who it signs in as, for audit
// records.
func credential(cfg Config, hc *http.Client) (azcore.TokenCredential, string, error) {
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
