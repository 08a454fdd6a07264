package factory

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/audit"
)

// ErrNoSilentSignIn is why a shell completion offers nothing: the directory cannot be reached
// without asking the technician something (a password, a device code) or is not AD.
var ErrNoSilentSignIn = errors.New("no credentials usable without a prompt")

// CompletionScope names the directory a completion would read, for its cache: profile,
// server, base DN and bind identity. It holds no secret and needs no connection.
func (f *Factory) CompletionScope() (string, error) {
	s, err := f.Settings()
	if err != nil {
		return "", err
	}
	bind := s.BindUser
	if s.Kerberos {
		bind = "kerberos"
	}
	return strings.Join([]string{f.target(s), s.Profile, s.LDAPURL, s.Domain, s.Site, s.DC, s.BaseDN, bind}, "\x00"), nil
}

// CompletionAD connects to AD for a shell completion, which runs on every <TAB>: credentials
// only from where adkit finds them unasked (--bind-password-file, ADKIT_BIND_PASSWORD, the
// profile's password file, a Kerberos ticket), never a prompt, and ErrNoSilentSignIn when
// there are none. Nothing is printed. Its audit trail has no sink, so any change through this
// client fails closed and no audit record is written: completion only reads. timeout bounds
// the dial and each request.
func (f *Factory) CompletionAD(ctx context.Context, timeout time.Duration) (*ad.Client, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	if f.target(s) != "ad" || (s.LDAPURL == "" && s.Domain == "" && s.DC == "") {
		return nil, ErrNoSilentSignIn
	}
	cfg := adConfig(s)
	cfg.Timeout = timeout
	if !cfg.Kerberos {
		pw, found, err := f.storedBindPassword(s, io.Discard)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, ErrNoSilentSignIn
		}
		cfg.Password = pw
	}
	if err := locateDCs(ctx, s, &cfg); err != nil {
		return nil, err
	}
	return ad.Connect(ctx, cfg, audit.NewTrail(audit.TrailOptions{}))
}
