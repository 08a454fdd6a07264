package graph

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	msalcache "github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/adkit-dev/adkit/internal/replacefile"
)

// The plaintext token cache: on a machine with no store to encrypt the cache with (a
// container whose seccomp profile blocks keyctl), and only when the technician opted in
// (ADKIT_TOKEN_CACHE=plaintext), a person's sign-in is kept in a 0600 file. azidentity's
// persistent cache cannot be given a file of one's own (azidentity.Cache is built only by
// azidentity/cache), so this path drives MSAL's public client, which azidentity wraps, with
// the same settings: instance discovery off, adkit's transport, no automatic interactive
// sign-in.

// plainCachePath is the profile's plaintext token cache, next to its record.
func (l LoginStore) plainCachePath() string {
	return filepath.Join(l.RecordDir, l.safeName()+".tokens.json")
}

// plainFile is MSAL's cache in a file only its owner can read.
type plainFile struct{ path string }

func (f plainFile) Replace(_ context.Context, u msalcache.Unmarshaler, _ msalcache.ReplaceHints) error {
	data, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the token cache: %w", err)
	}
	return u.Unmarshal(data)
}

func (f plainFile) Export(_ context.Context, m msalcache.Marshaler, _ msalcache.ExportHints) error {
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	// Owner-only in a 0700 directory, replaced whole: a concurrent adkit reads the old cache
	// or the new one, never half of one.
	return replacefile.Write(f.path, data, replacefile.Options{MakeDir: true})
}

// errPlainLoginRequired is the plaintext path's AuthenticationRequiredError (azidentity
// builds those only itself).
var errPlainLoginRequired = errors.New("the saved sign-in cannot be renewed without signing in")

// plainCredential is a person's credential over MSAL's public client and a plainFile.
type plainCredential struct {
	client  public.Client
	record  azidentity.AuthenticationRecord
	browser bool
	prompt  func(string)
}

func newPlainCredential(cfg Config, tenant, clientID string, record azidentity.AuthenticationRecord, browser bool, rec *failureRecorder) (*plainCredential, error) {
	host := firstNonEmpty(cfg.AuthorityHost, cloud.AzurePublic.ActiveDirectoryAuthorityHost)
	authority, err := url.JoinPath(host, firstNonEmpty(tenant, "organizations"))
	if err != nil {
		return nil, err
	}
	client, err := public.New(firstNonEmpty(clientID, defaultPublicClientID), public.WithAuthority(authority),
		public.WithCache(plainFile{path: cfg.Login.plainCachePath()}), public.WithHTTPClient(rec),
		public.WithInstanceDiscovery(false))
	if err != nil {
		return nil, err
	}
	return &plainCredential{client: client, record: record, browser: browser, prompt: cfg.DevicePrompt}, nil
}

func (c *plainCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if c.record.HomeAccountID == "" {
		return azcore.AccessToken{}, errPlainLoginRequired
	}
	accounts, err := c.client.Accounts(ctx)
	if err != nil {
		return azcore.AccessToken{}, fmt.Errorf("%w: %w", errPlainLoginRequired, err)
	}
	var acct public.Account
	for _, a := range accounts {
		if a.HomeAccountID == c.record.HomeAccountID {
			acct = a
		}
	}
	if acct.HomeAccountID == "" {
		return azcore.AccessToken{}, errPlainLoginRequired
	}
	ar, err := c.client.AcquireTokenSilent(ctx, opts.Scopes, public.WithSilentAccount(acct), public.WithClaims(opts.Claims))
	if err != nil {
		return azcore.AccessToken{}, fmt.Errorf("%w: %w", errPlainLoginRequired, err)
	}
	return azcore.AccessToken{Token: ar.AccessToken, ExpiresOn: ar.ExpiresOn}, nil
}

func (c *plainCredential) Authenticate(ctx context.Context, opts *policy.TokenRequestOptions) (azidentity.AuthenticationRecord, error) {
	var (
		ar  public.AuthResult
		err error
	)
	if c.browser {
		ar, err = c.client.AcquireTokenInteractive(ctx, opts.Scopes, public.WithRedirectURI("http://localhost"))
	} else {
		var dc public.DeviceCode
		if dc, err = c.client.AcquireTokenByDeviceCode(ctx, opts.Scopes); err == nil {
			if c.prompt != nil {
				c.prompt(dc.Result.Message)
			}
			ar, err = dc.AuthenticationResult(ctx)
		}
	}
	if err != nil {
		return azidentity.AuthenticationRecord{}, err
	}
	// What azidentity's AuthenticationRecord holds, from the same result.
	u, err := url.Parse(ar.IDToken.Issuer)
	if err != nil {
		u = &url.URL{}
	}
	c.record = azidentity.AuthenticationRecord{
		ClientID: ar.IDToken.Audience, HomeAccountID: ar.Account.HomeAccountID,
		TenantID: firstNonEmpty(ar.IDToken.TenantID, strings.Trim(u.Path, "/")),
		Username: firstNonEmpty(ar.IDToken.PreferredUsername, ar.IDToken.UPN), Version: "1.0",
	}
	c.record.Authority = u.Scheme + "://" + u.Host
	return c.record, nil
}
