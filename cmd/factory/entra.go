package factory

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/secret"
)

// deviceCodeTimeout is how long a technician has to finish a device-code or browser sign-in.
const deviceCodeTimeout = 10 * time.Minute

// target is the directory user and group commands act on: --target / ADKIT_TARGET / the
// profile when set; else "ad" when an AD is configured or Entra ID is not, else "entra".
func (f *Factory) target(s *config.Settings) string {
	switch {
	case s.Target != "":
		return s.Target
	case s.LDAPURL == "" && f.entraConfigured():
		return "entra"
	}
	return "ad"
}

// entraConfigured reports whether Entra ID credentials are set, the Azure SDK's way, or the
// profile has a saved `adkit login`.
func (f *Factory) entraConfigured() bool {
	if f.Globals.DeviceCode || f.Getenv("AZURE_TENANT_ID") != "" || f.Getenv("AZURE_CLIENT_ID") != "" ||
		f.Getenv("AZURE_FEDERATED_TOKEN_FILE") != "" {
		return true
	}
	s, err := f.Settings()
	if err != nil {
		return false
	}
	if s.Auth != "" {
		return true
	}
	store, err := f.loginStore(s)
	return err == nil && store.Saved()
}

// entraAuth is the credential source: --device-code, else --auth / ADKIT_AUTH / the profile.
func (f *Factory) entraAuth(s *config.Settings) (graph.AuthSource, error) {
	if f.Globals.DeviceCode {
		if s.Auth != "" && s.Auth != string(graph.AuthDeviceCode) {
			return "", cmdutil.FlagErrorf("--device-code and --auth %s ask for two ways of signing in: give one", s.Auth)
		}
		return graph.AuthDeviceCode, nil
	}
	a, err := graph.ParseAuthSource(s.Auth)
	if err != nil {
		return "", &cmdutil.FlagError{Err: err}
	}
	return a, nil
}

// entraIdentity is who audit records written before signing in (onboard.run) say will make
// the changes on Entra ID; the Client names the signed-in person once it knows them.
func (f *Factory) entraIdentity() string {
	tenant := cmp.Or(f.Getenv("AZURE_TENANT_ID"), "organizations")
	s, err := f.Settings()
	if err != nil {
		return "app:" + f.Getenv("AZURE_CLIENT_ID")
	}
	auth, _ := f.entraAuth(s)
	switch auth {
	case graph.AuthDeviceCode, graph.AuthBrowser:
		return string(auth) + ":" + tenant
	case graph.AuthAzureCLI, graph.AuthManagedIdentity:
		return string(auth)
	case "":
		if f.Getenv("AZURE_CLIENT_SECRET") == "" && f.Getenv("AZURE_CLIENT_CERTIFICATE_PATH") == "" &&
			f.Getenv("AZURE_FEDERATED_TOKEN_FILE") == "" {
			return "login:" + cmp.Or(s.Profile, "default")
		}
	}
	return "app:" + f.Getenv("AZURE_CLIENT_ID")
}

// loginStore is where `adkit login` keeps the profile's sign-in: the record in the state
// directory, the tokens in azidentity's encrypted cache.
func (f *Factory) loginStore(s *config.Settings) (graph.LoginStore, error) {
	dir, err := config.StateDir(f.Getenv)
	if err != nil {
		return graph.LoginStore{}, err
	}
	return graph.LoginStore{Profile: s.Profile, RecordDir: filepath.Join(dir, "entra-login"), Plaintext: s.TokenCache == "plaintext"}, nil
}

// entraConfig builds the graph settings from --graph-url and the Azure SDK's variables.
// Secrets come only from the environment, never from flags.
func (f *Factory) entraConfig(s *config.Settings) (graph.Config, error) {
	auth, err := f.entraAuth(s)
	if err != nil {
		return graph.Config{}, err
	}
	store, err := f.loginStore(s)
	if err != nil {
		return graph.Config{}, err
	}
	cfg := graph.Config{
		GraphURL:            s.GraphURL,
		TenantID:            f.Getenv("AZURE_TENANT_ID"),
		ClientID:            f.Getenv("AZURE_CLIENT_ID"),
		ClientSecret:        secret.New(f.Getenv("AZURE_CLIENT_SECRET")),
		CertificatePath:     f.Getenv("AZURE_CLIENT_CERTIFICATE_PATH"),
		CertificatePassword: secret.New(f.Getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD")),
		AuthorityHost:       f.Getenv("AZURE_AUTHORITY_HOST"),
		FederatedTokenFile:  f.Getenv("AZURE_FEDERATED_TOKEN_FILE"),
		Auth:                auth,
		Login:               store,
		// Asking for a person's sign-in on the command line (--device-code, --auth browser)
		// is being there to do it; the default chain never starts one.
		Interactive:  auth == graph.AuthDeviceCode || auth == graph.AuthBrowser,
		DevicePrompt: func(msg string) { fmt.Fprintln(f.IO.ErrOut, msg) },
		Timeout:      s.Timeout,
	}
	if f.Globals.Verbose {
		cfg.Debug = func(format string, args ...any) { fmt.Fprintf(f.IO.ErrOut, format+"\n", args...) }
	}
	return cfg, nil
}

// connectTimeout bounds signing in: --timeout, or the time a person has to finish an
// interactive sign-in.
func connectTimeout(cfg graph.Config) time.Duration {
	if cfg.Interactive {
		return deviceCodeTimeout
	}
	return cfg.Timeout
}

func (f *Factory) connectEntra(ctx context.Context) (*graph.Client, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	if t := f.target(s); t != "entra" {
		return nil, cmdutil.FlagErrorf("this command works on Entra ID, but the target is %s (--target / ADKIT_TARGET)", t)
	}
	cfg, err := f.entraConfig(s)
	if err != nil {
		return nil, err
	}
	trail, err := f.Trail()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout(cfg))
	defer cancel()
	return graph.Connect(ctx, cfg, trail)
}

// Directory returns the client of the target directory as the small interface T a command
// declares. When that directory's client does not have T's methods, it says so (exit 2)
// before connecting to anything.
func Directory[T any](ctx context.Context, f *Factory) (T, error) {
	var zero T
	t, err := f.Target()
	if err != nil {
		return zero, err
	}
	if t == "entra" {
		if _, ok := any((*graph.Client)(nil)).(T); !ok {
			return zero, cmdutil.Unsupported("this command works only on Active Directory, and the target is entra (--target / ADKIT_TARGET)")
		}
		c, err := f.Entra(ctx)
		if err != nil {
			return zero, err
		}
		return any(c).(T), nil
	}
	if _, ok := any((*ad.Client)(nil)).(T); !ok {
		return zero, cmdutil.Unsupported("this command works only on Entra ID, and the target is ad (--target / ADKIT_TARGET)")
	}
	c, err := f.AD(ctx)
	if err != nil {
		return zero, err
	}
	return any(c).(T), nil
}

// memoize makes a connect function connect once: later calls get the same client, or try
// again if the first attempt failed.
func memoize[T any](connect func(context.Context) (*T, error)) func(context.Context) (*T, error) {
	var (
		mu     sync.Mutex
		client *T
	)
	return func(ctx context.Context) (*T, error) {
		mu.Lock()
		defer mu.Unlock()
		if client != nil {
			return client, nil
		}
		c, err := connect(ctx)
		if err != nil {
			return nil, err
		}
		client = c
		return client, nil
	}
}

// DirectoryFunc is Directory as the lazy dependency a command's options hold: nothing
// connects until the run function asks.
func DirectoryFunc[T any](f *Factory) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) { return Directory[T](ctx, f) }
}
