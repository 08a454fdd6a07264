package graph

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	absauth "github.com/microsoft/kiota-abstractions-go/authentication"

	"github.com/adkit-dev/adkit/internal/directory"
)

// AuthSource is where Entra ID credentials come from (--auth). The zero value is the default
// chain (Config.source).
type AuthSource string

const (
	AuthEnv             AuthSource = "env"              // AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH
	AuthBrowser         AuthSource = "browser"          // a person, in the system browser (auth code + PKCE)
	AuthDeviceCode      AuthSource = "device-code"      // a person, with a code entered on another device
	AuthAzureCLI        AuthSource = "azure-cli"        // whoever `az login` signed in
	AuthWorkload        AuthSource = "workload"         // workload identity federation (AZURE_FEDERATED_TOKEN_FILE)
	AuthManagedIdentity AuthSource = "managed-identity" // the Azure VM's or service's own identity
	// authLogin is the saved sign-in of `adkit login`, which the default chain picks; it is
	// not a value of --auth: --auth device-code or browser use it too when it is there.
	authLogin AuthSource = "login"
)

// AuthSources are the values --auth accepts, in the order the help lists them.
func AuthSources() []string {
	return []string{string(AuthEnv), string(AuthBrowser), string(AuthDeviceCode), string(AuthAzureCLI), string(AuthWorkload), string(AuthManagedIdentity)}
}

// ParseAuthSource checks an --auth value; "" is the default chain.
func ParseAuthSource(s string) (AuthSource, error) {
	if s == "" {
		return "", nil
	}
	for _, v := range AuthSources() {
		if s == v {
			return AuthSource(s), nil
		}
	}
	return "", fmt.Errorf("%w: --auth %q is not one of %s", directory.ErrInvalidInput, s, strings.Join(AuthSources(), ", "))
}

// person reports whether the source signs a person in (audit records then name them).
func (a AuthSource) person() bool {
	return a == AuthBrowser || a == AuthDeviceCode || a == AuthAzureCLI || a == authLogin
}

// source is the credential source this Config signs in with: --auth when given, else the
// first of the default chain that is configured (docs/entra-sign-in.md):
//  1. an app registration's secret or certificate (AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH);
//  2. workload identity (AZURE_FEDERATED_TOKEN_FILE);
//  3. this profile's `adkit login`;
//  4. the Azure CLI, when `az` is on PATH.
//
// Managed identity is never guessed: probing the instance metadata service from a laptop
// costs seconds; automation on Azure says --auth managed-identity.
func (c Config) source() (AuthSource, error) {
	switch {
	case c.Auth != "":
		return c.Auth, nil
	case !c.ClientSecret.IsZero() || c.CertificatePath != "":
		return AuthEnv, nil
	case c.FederatedTokenFile != "":
		return AuthWorkload, nil
	case c.Login.saved():
		return authLogin, nil
	}
	if _, err := exec.LookPath("az"); err == nil {
		return AuthAzureCLI, nil
	}
	return "", &noCredentialsError{msg: "no Entra ID credentials" + c.Login.forProfile() +
		": sign in as yourself with adkit login" + c.Login.profileFlag() +
		", or set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH (with AZURE_TENANT_ID and AZURE_CLIENT_ID: an app registration), or use --auth azure-cli after az login"}
}

// noCredentialsError is the default chain finding nothing: a setup to complete (exit 2), and
// a sign-in required.
type noCredentialsError struct{ msg string }

func (e *noCredentialsError) Error() string { return e.msg }
func (e *noCredentialsError) Unwrap() []error {
	return []error{directory.ErrInvalidInput, ErrLoginRequired}
}

// ErrLoginRequired is wrapped when a person's saved sign-in is missing or can no longer be
// renewed without them: the fix is `adkit login`, never a sign-in in the middle of a script.
var ErrLoginRequired = errors.New("sign-in required")

// signIn is a credential and what the Client needs to know about it.
type signIn struct {
	source AuthSource
	cred   azcore.TokenCredential
	// user can sign a person in interactively (device code, browser); nil for the others.
	user interface {
		Authenticate(context.Context, *policy.TokenRequestOptions) (azidentity.AuthenticationRecord, error)
	}
	// identity is who audit records name: "app:CLIENT_ID", or for a person their UPN when
	// already known (a saved sign-in), else "" (read from the token or /me after signing in).
	identity string
	// interactive allows a sign-in in the browser or with a device code when the cached
	// one cannot be renewed: `adkit login`, or --device-code/--auth browser on a command.
	interactive bool
	login       LoginStore
	failures    *failureRecorder
}

// credential builds the sign-in the Config asks for. Every credential that talks to an
// authority has instance discovery off: with it on, MSAL asks the public cloud about any
// other authority (AZURE_AUTHORITY_HOST), which a sovereign or air-gapped tenant must not.
func credential(cfg Config, hc *http.Client) (*signIn, error) {
	if cfg.AuthorityHost != "" {
		u, err := url.Parse(cfg.AuthorityHost)
		if err != nil || u.Host == "" || u.Scheme != "https" {
			return nil, fmt.Errorf("%w: AZURE_AUTHORITY_HOST %q is not an https URL such as %s",
				directory.ErrInvalidInput, cfg.AuthorityHost, cloud.AzurePublic.ActiveDirectoryAuthorityHost)
		}
	}
	if !validTenant(cfg.TenantID) {
		return nil, fmt.Errorf("%w: AZURE_TENANT_ID %q is malformed: it is a GUID or a domain such as contoso.onmicrosoft.com",
			directory.ErrInvalidInput, cfg.TenantID)
	}
	source, err := cfg.source()
	if err != nil {
		return nil, err
	}
	if err := cfg.validate(source); err != nil {
		return nil, err
	}
	rec := &failureRecorder{next: hc}
	opts := clientOptions(cfg, rec)
	s := &signIn{source: source, failures: rec, login: cfg.Login, interactive: cfg.Interactive, identity: "app:" + cfg.ClientID}
	switch source {
	case AuthEnv:
		if cfg.CertificatePath != "" {
			s.cred, err = certificateCredential(cfg, opts)
		} else {
			s.cred, err = azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret.Reveal(),
				&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: true})
		}
	case AuthWorkload:
		s.cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: opts, ClientID: cfg.ClientID, TenantID: cfg.TenantID, TokenFilePath: cfg.FederatedTokenFile,
			DisableInstanceDiscovery: true})
	case AuthManagedIdentity:
		// azidentity wants an *http.Client here (on Service Fabric it pins the endpoint's
		// certificate on that client's transport): adkit's, without the failure recorder.
		miOpts := opts
		miOpts.Transport = hc
		mi := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: miOpts}
		s.identity = "managed-identity"
		if cfg.ClientID != "" {
			mi.ID = azidentity.ClientID(cfg.ClientID)
			s.identity += ":" + cfg.ClientID
		}
		s.cred, err = azidentity.NewManagedIdentityCredential(mi)
	case AuthAzureCLI:
		s.identity = ""
		var cli *azidentity.AzureCLICredential
		cli, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: cfg.TenantID})
		// `az account get-access-token` starts a Python process for every token request;
		// a run asks once per scope.
		s.cred = &runCache{next: cli}
	case AuthDeviceCode, AuthBrowser, authLogin:
		err = s.personCredential(cfg, source, opts)
	default:
		return nil, fmt.Errorf("%w: unknown credential source %q", directory.ErrInvalidInput, source)
	}
	var ce *ConnectError
	if err != nil && !errors.As(err, &ce) {
		return nil, fmt.Errorf("%w: %v", directory.ErrInvalidInput, err)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// personCredential signs a person in with MSAL's public client: the token cache is the
// profile's encrypted one when there is a LoginStore, and silent renewal never falls back to
// an interactive sign-in on its own (DisableAutomaticAuthentication): token asks for one
// only when s.interactive says a person is there to answer.
func (s *signIn) personCredential(cfg Config, source AuthSource, opts azcore.ClientOptions) error {
	tenant, client := cfg.TenantID, cfg.ClientID
	var (
		cache  azidentity.Cache
		record azidentity.AuthenticationRecord
	)
	// A person: audit records name them once known (the saved record, else the token or /me).
	s.identity = ""
	if cfg.Login.enabled() {
		saved, err := cfg.Login.record()
		if err != nil {
			return err
		}
		if saved != nil {
			record = *saved
			if source == authLogin {
				// Renew as what signed in: the record's application and tenant.
				tenant, client = saved.TenantID, saved.ClientID
			} else if saved.ClientID != firstNonEmpty(client, defaultPublicClientID) {
				record = azidentity.AuthenticationRecord{} // another app: its tokens are not ours
			}
			s.identity = record.Username
		}
		if cache, err = cfg.Login.openCache(); err != nil {
			if errors.Is(err, ErrNoCredentialStore) && !cfg.Login.Plaintext && !cfg.saving && source != authLogin {
				// --device-code or --auth browser on a command, on a machine with no store:
				// sign in for this command only, as adkit always did, and keep nothing.
				s.login = LoginStore{}
				return s.memoryCredential(cfg, source, opts, tenant, client)
			}
			if !cfg.Login.Plaintext || !errors.Is(err, ErrNoCredentialStore) {
				return err
			}
			// No store, and the technician opted in to a plaintext file.
			plain, err := newPlainCredential(cfg, tenant, client, record, source == AuthBrowser, s.failures)
			s.cred, s.user = plain, plain
			return err
		}
	}
	return s.azidentityCredential(cfg, source, opts, tenant, client, cache, record)
}

// memoryCredential is a person's credential whose tokens live in this process only.
func (s *signIn) memoryCredential(cfg Config, source AuthSource, opts azcore.ClientOptions, tenant, client string) error {
	s.identity = ""
	return s.azidentityCredential(cfg, source, opts, tenant, client, azidentity.Cache{}, azidentity.AuthenticationRecord{})
}

func (s *signIn) azidentityCredential(cfg Config, source AuthSource, opts azcore.ClientOptions, tenant, client string,
	cache azidentity.Cache, record azidentity.AuthenticationRecord) error {
	if source == AuthBrowser {
		cred, err := azidentity.NewInteractiveBrowserCredential(&azidentity.InteractiveBrowserCredentialOptions{
			ClientOptions: opts, TenantID: tenant, ClientID: client, Cache: cache, AuthenticationRecord: record,
			DisableAutomaticAuthentication: true, DisableInstanceDiscovery: true, LoginHint: record.Username})
		s.cred, s.user = cred, cred
		return err
	}
	prompt := cfg.DevicePrompt
	cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		ClientOptions: opts, TenantID: tenant, ClientID: client, Cache: cache, AuthenticationRecord: record,
		DisableAutomaticAuthentication: true, DisableInstanceDiscovery: true,
		UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
			if prompt != nil {
				prompt(m.Message)
			}
			return nil
		}})
	s.cred, s.user = cred, cred
	return err
}

// defaultPublicClientID is the application a person signs in with when AZURE_CLIENT_ID is
// not set: the Azure CLI's public client, azidentity's default.
const defaultPublicClientID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

// token gets a token; for a person whose cached sign-in cannot be renewed, it signs them in
// again when one is there to do it, and keeps the new sign-in for the profile.
func (s *signIn) token(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := s.silentToken(ctx, opts)
	if err == nil || !loginRequired(err) || !s.interactive || s.user == nil {
		return tok, err
	}
	if _, err := s.authenticate(ctx, opts); err != nil {
		return azcore.AccessToken{}, err
	}
	return s.silentToken(ctx, opts)
}

// silentToken is the credential's token from its cache, renewed if it must be, by one adkit
// at a time for a person's saved sign-in (tokenlock.go). It never signs in interactively:
// every credential a person uses has DisableAutomaticAuthentication.
func (s *signIn) silentToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	lock := LoginStore{}
	if s.user != nil {
		lock = s.login // an app's tokens are in this process only
	}
	release, err := lock.lockTokens(ctx)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	defer release()
	return s.cred.GetToken(ctx, opts)
}

// loginRequired reports a person's sign-in that cannot be renewed silently.
func loginRequired(err error) bool {
	var required *azidentity.AuthenticationRequiredError
	return errors.As(err, &required) || errors.Is(err, errPlainLoginRequired)
}

// authenticate signs the person in interactively and saves who signed in for the profile.
func (s *signIn) authenticate(ctx context.Context, opts policy.TokenRequestOptions) (azidentity.AuthenticationRecord, error) {
	rec, err := s.user.Authenticate(ctx, &opts)
	if err != nil {
		return rec, err
	}
	s.identity = rec.Username
	if s.login.enabled() {
		if err := s.login.saveRecord(rec); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

// clientOptions is the HTTP pipeline of every credential: adkit's transport (TLS roots,
// timeout per request, proxy), no telemetry header, and retries of what the token service
// could not answer, but not of a request that already waited the whole --timeout.
func clientOptions(cfg Config, rec *failureRecorder) azcore.ClientOptions {
	o := azcore.ClientOptions{Transport: rec}
	o.Telemetry.Disabled = true
	if cfg.AuthorityHost != "" {
		o.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: cfg.AuthorityHost}
	}
	o.Retry.ShouldRetry = func(resp *http.Response, err error) bool {
		if err != nil {
			return !timedOut(err)
		}
		switch resp.StatusCode {
		case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	return o
}

// certificateCredential reads AZURE_CLIENT_CERTIFICATE_PATH (PEM, or PKCS#12 with
// AZURE_CLIENT_CERTIFICATE_PASSWORD) and checks, before anything is sent, what the token
// service would otherwise refuse in less helpful words.
func certificateCredential(cfg Config, opts azcore.ClientOptions) (azcore.TokenCredential, error) {
	data, err := os.ReadFile(cfg.CertificatePath)
	if err != nil {
		return nil, fmt.Errorf("AZURE_CLIENT_CERTIFICATE_PATH: %w", err)
	}
	certs, key, err := azidentity.ParseCertificates(data, []byte(cfg.CertificatePassword.Reveal()))
	if err != nil {
		return nil, fmt.Errorf("AZURE_CLIENT_CERTIFICATE_PATH %s: %v (a PEM file with the certificate and its unencrypted key, or PKCS#12 with AZURE_CLIENT_CERTIFICATE_PASSWORD)",
			cfg.CertificatePath, err)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("AZURE_CLIENT_CERTIFICATE_PATH %s: the private key is %T: Entra ID signs apps in with RSA certificates only", cfg.CertificatePath, key)
	}
	if pub, ok := certs[0].PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&rk.PublicKey) {
		return nil, fmt.Errorf("AZURE_CLIENT_CERTIFICATE_PATH %s: the private key does not belong to the certificate", cfg.CertificatePath)
	}
	return azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: true})
}

// validTenant is what the token service accepts in its path: a GUID, a domain, or one of
// "organizations", "common", "consumers". Empty is allowed for a person's sign-in.
func validTenant(t string) bool {
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// runCache keeps a credential's tokens for the run, for credentials that have no cache of
// their own (the Azure CLI's). Like MSAL, it replaces a token 5 minutes before it expires.
type runCache struct {
	next   azcore.TokenCredential
	mu     sync.Mutex
	tokens map[string]azcore.AccessToken
}

func (c *runCache) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if opts.Claims != "" { // a claims challenge wants a new token
		return c.next.GetToken(ctx, opts)
	}
	key := strings.Join(opts.Scopes, " ") + "\x00" + opts.TenantID
	c.mu.Lock()
	defer c.mu.Unlock()
	if tok, ok := c.tokens[key]; ok && time.Now().Add(5*time.Minute).Before(tok.ExpiresOn) {
		return tok, nil
	}
	tok, err := c.next.GetToken(ctx, opts)
	if err != nil {
		return tok, err
	}
	if c.tokens == nil {
		c.tokens = map[string]azcore.AccessToken{}
	}
	c.tokens[key] = tok
	return tok, nil
}

// tokenProvider hands the Graph request adapter a bearer token for each request: what
// kiota-authentication-azure-go does, with adkit's explanations of sign-in failures.
type tokenProvider struct {
	sign   *signIn
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
	tok, err := p.sign.token(ctx, policy.TokenRequestOptions{Scopes: p.scopes, Claims: claims})
	if err != nil {
		return "", p.sign.explain(err)
	}
	return tok.Token, nil
}

func (p tokenProvider) GetAllowedHostsValidator() *absauth.AllowedHostsValidator { return p.hosts }

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
