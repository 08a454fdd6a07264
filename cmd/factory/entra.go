package factory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/secret"
)

// deviceCodeTimeout is how long a technician has to finish a device-code sign-in.
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

// entraConfigured reports whether Entra ID credentials are set, the Azure SDK's way.
func (f *Factory) entraConfigured() bool {
	return f.Globals.DeviceCode || f.Getenv("AZURE_TENANT_ID") != "" || f.Getenv("AZURE_CLIENT_ID") != ""
}

// entraIdentity is who audit records say made the change on Entra ID.
func (f *Factory) entraIdentity() string {
	if f.Globals.DeviceCode {
		return "device-code:" + firstNonEmpty(f.Getenv("AZURE_TENANT_ID"), "organizations")
	}
	return "app:" + f.Getenv("AZURE_CLIENT_ID")
}

// entraConfig builds the graph settings from --graph-url and the Azure SDK's variables.
// Secrets come only from the environment, never from flags.
func (f *Factory) entraConfig(s *config.Settings) graph.Config {
	cfg := graph.Config{
		GraphURL:            s.GraphURL,
		TenantID:            f.Getenv("AZURE_TENANT_ID"),
		ClientID:            f.Getenv("AZURE_CLIENT_ID"),
		ClientSecret:        secret.New(f.Getenv("AZURE_CLIENT_SECRET")),
		CertificatePath:     f.Getenv("AZURE_CLIENT_CERTIFICATE_PATH"),
		CertificatePassword: secret.New(f.Getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD")),
		AuthorityHost:       f.Getenv("AZURE_AUTHORITY_HOST"),
		DeviceCode:          f.Globals.DeviceCode,
		DevicePrompt:        func(msg string) { fmt.Fprintln(f.IO.ErrOut, msg) },
		Timeout:             s.Timeout,
	}
	if f.Globals.Verbose {
		cfg.Debug = func(format string, args ...any) { fmt.Fprintf(f.IO.ErrOut, format+"\n", args...) }
	}
	return cfg
}

func (f *Factory) connectEntra(ctx context.Context) (*graph.Client, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	if t := f.target(s); t != "entra" {
		return nil, cmdutil.FlagErrorf("this command works on Entra ID, but the target is %s (--target / ADKIT_TARGET)", t)
	}
	trail, err := f.Trail()
	if err != nil {
		return nil, err
	}
	timeout := s.Timeout
	if f.Globals.DeviceCode {
		timeout = deviceCodeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return graph.Connect(ctx, f.entraConfig(s), trail)
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
