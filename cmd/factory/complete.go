package factory

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/directory"
)

// ErrNoSilentSignIn is why a shell completion offers nothing: the directory cannot be reached
// without asking the technician something (a password, a device code) or is not AD.
var ErrNoSilentSignIn = errors.New("no credentials usable without a prompt")

// CompletionScope names the directory a completion would read, for its cache: profile,
// server, base DN and bind identity (on Entra ID, the Graph endpoint, tenant and app). It holds no secret and needs no connection.
func (f *Factory) CompletionScope() (string, error) {
	s, err := f.Settings()
	if err != nil {
		return "", err
	}
	bind := s.BindUser
	if s.Kerberos {
		bind = "kerberos"
	}
	return strings.Join([]string{f.target(s), s.Profile, s.LDAPURL, s.Domain, s.Site, s.DC, s.BaseDN, bind,
		s.GraphURL, f.Getenv("AZURE_TENANT_ID"), f.Getenv("AZURE_CLIENT_ID")}, "\x00"), nil
}

// CompleteNames reads, for a shell completion, at most limit names of kind starting with
// prefix from AD; more says the directory holds more. It runs on every <TAB>, so:
// credentials only from where adkit finds them unasked (--bind-password-file,
// ADKIT_BIND_PASSWORD, the profile's password file, a Kerberos ticket), never a prompt, and
// ErrNoSilentSignIn when there are none; nothing printed; timeout bounds the dial and each
// request. On Entra ID, users' UPNs, with a sign-in that needs nobody: a saved adkit login,
// an app's secret or certificate, a workload or managed identity, the Azure CLI's — never
// --device-code or --auth browser. The client's audit trail has no sink, so a change through it would fail closed and
// no audit record is written: completion only reads.
func (f *Factory) CompleteNames(ctx context.Context, timeout time.Duration, kind directory.NameKind, prefix string, limit int) (hints []directory.NameHint, more bool, err error) {
	s, err := f.Settings()
	if err != nil {
		return nil, false, err
	}
	if f.target(s) == "entra" {
		return f.completeEntraNames(ctx, s, timeout, kind, prefix, limit)
	}
	if s.LDAPURL == "" && s.Domain == "" && s.DC == "" {
		return nil, false, ErrNoSilentSignIn
	}
	cfg := adConfig(s)
	cfg.Timeout = timeout
	if !cfg.Kerberos {
		pw, found, err := f.storedBindPassword(s, io.Discard)
		if err != nil {
			return nil, false, err
		}
		if !found {
			return nil, false, ErrNoSilentSignIn
		}
		cfg.Password = pw
	}
	if err := locateDCs(ctx, s, &cfg); err != nil {
		return nil, false, err
	}
	c, err := ad.Connect(ctx, cfg, audit.NewTrail(audit.TrailOptions{}))
	if err != nil {
		return nil, false, err
	}
	defer c.Close()
	return c.CompleteNames(ctx, kind, prefix, limit)
}

func (f *Factory) completeEntraNames(ctx context.Context, s *config.Settings, timeout time.Duration, kind directory.NameKind, prefix string, limit int) ([]directory.NameHint, bool, error) {
	cfg, err := f.entraConfig(s)
	if err != nil {
		return nil, false, err
	}
	if cfg.Interactive {
		return nil, false, ErrNoSilentSignIn
	}
	cfg.Timeout, cfg.Debug, cfg.DevicePrompt = timeout, nil, nil
	c, err := graph.Connect(ctx, cfg, audit.NewTrail(audit.TrailOptions{}))
	if err != nil {
		return nil, false, err
	}
	return c.CompleteNames(ctx, kind, prefix, limit)
}
