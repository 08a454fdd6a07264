package factory

import (
	"cmp"
	"context"

	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/internal/directory"
)

// LoginMethod is how `adkit login` signs the technician in.
type LoginMethod string

const (
	LoginDeviceCode LoginMethod = "device-code"
	LoginBrowser    LoginMethod = "browser"
)

// EntraLogin signs the technician in to Entra ID once and keeps the sign-in, encrypted, for
// the profile: later commands renew it silently.
func (f *Factory) EntraLogin(ctx context.Context, method LoginMethod) (directory.Login, error) {
	s, err := f.Settings()
	if err != nil {
		return directory.Login{}, err
	}
	// The method is login's own flag: --auth or ADKIT_AUTH (meant for other commands) does not
	// conflict with it.
	forLogin := *s
	forLogin.Auth = ""
	cfg, err := f.entraConfig(&forLogin)
	if err != nil {
		return directory.Login{}, err
	}
	cfg.Auth = graph.AuthSource(method)
	ctx, cancel := context.WithTimeout(ctx, deviceCodeTimeout)
	defer cancel()
	return graph.Login(ctx, cfg)
}

// EntraLoginStatus says who is signed in for the profile; ok is false when nobody is.
func (f *Factory) EntraLoginStatus(ctx context.Context) (st directory.Login, ok bool, err error) {
	s, err := f.Settings()
	if err != nil {
		return directory.Login{}, false, err
	}
	forStatus := *s
	forStatus.Auth = ""
	cfg, err := f.entraConfig(&forStatus)
	if err != nil {
		return directory.Login{}, false, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	return graph.LoginStatus(ctx, cfg)
}

// EntraLogout forgets the profile's sign-in; removed is false when there was none.
func (f *Factory) EntraLogout() (removed bool, profile string, err error) {
	s, err := f.Settings()
	if err != nil {
		return false, "", err
	}
	store, err := f.loginStore(s)
	if err != nil {
		return false, "", err
	}
	removed, err = graph.Logout(graph.Config{Login: store})
	return removed, cmp.Or(s.Profile, "default"), err
}
