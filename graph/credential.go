package graph

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/adkit-dev/adkit/internal/directory"
)

// publicAuthorities are the Microsoft clouds' authorities, which MSAL's instance discovery
// (a request to login.microsoftonline.com) knows. Any other authority (Azure Stack, ADFS, a
// test server) needs discovery off, as azidentity's DisableInstanceDiscovery documents.
var publicAuthorities = []string{
	"login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn",
	"login.partner.microsoftonline.cn", "login.microsoftonline.de",
}

// credential builds the azidentity credential the Config asks for and says who it signs in
// as, for audit records.
func credential(cfg Config, hc *http.Client) (azcore.TokenCredential, string, error) {
	opts := azcore.ClientOptions{Transport: hc, Retry: policy.RetryOptions{ShouldRetry: shouldRetrySignIn}}
	disableDiscovery := false
	if cfg.AuthorityHost != "" {
		host := cfg.AuthorityHost
		if !strings.HasSuffix(host, "/") {
			host += "/"
		}
		opts.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: host}
		disableDiscovery = !knownAuthority(host)
	}
	switch {
	case cfg.DeviceCode:
		prompt := cfg.DevicePrompt
		cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions:            opts,
			TenantID:                 cfg.TenantID,
			ClientID:                 cfg.ClientID,
			DisableInstanceDiscovery: disableDiscovery,
			UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
				if prompt != nil {
					prompt(m.Message)
				}
				return nil
			},
		})
		return cred, "device-code", wrapCredErr(err)
	case cfg.CertificatePath != "":
		data, err := os.ReadFile(cfg.CertificatePath)
		if err != nil {
			return nil, "", fmt.Errorf("%w: AZURE_CLIENT_CERTIFICATE_PATH: %v", directory.ErrInvalidInput, err)
		}
		certs, key, err := azidentity.ParseCertificates(data, []byte(cfg.CertificatePassword.Reveal()))
		if err != nil {
			return nil, "", fmt.Errorf("%w: AZURE_CLIENT_CERTIFICATE_PATH %s: %v (a PEM file with the certificate and its unencrypted key, or PKCS#12 with AZURE_CLIENT_CERTIFICATE_PASSWORD)",
				directory.ErrInvalidInput, cfg.CertificatePath, err)
		}
		cred, err := azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: disableDiscovery})
		return cred, "app:" + cfg.ClientID, wrapCredErr(err)
	default:
		cred, err := azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret.Reveal(),
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: disableDiscovery})
		return cred, "app:" + cfg.ClientID, wrapCredErr(err)
	}
}

// shouldRetrySignIn is azcore's retry rule for the token service, except that a certificate
// the machine does not trust fails at once: trying again cannot help, and the technician
// would wait ten seconds for the same message.
func shouldRetrySignIn(resp *http.Response, err error) bool {
	if err != nil {
		var unknownCA x509.UnknownAuthorityError
		var hostErr x509.HostnameError
		var invalid x509.CertificateInvalidError
		return !errors.As(err, &unknownCA) && !errors.As(err, &hostErr) && !errors.As(err, &invalid)
	}
	switch resp.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func knownAuthority(host string) bool {
	for _, a := range publicAuthorities {
		if strings.Contains(strings.ToLower(host), "://"+a) {
			return true
		}
	}
	return false
}

// wrapCredErr marks azidentity's constructor errors (a malformed tenant ID, say) as input
// errors: nothing was sent yet, the settings are wrong.
func wrapCredErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: Entra ID credentials: %v", directory.ErrInvalidInput, err)
}
