// Package login signs a technician in to Entra ID once for the day: `adkit login`,
// `adkit login status`, `adkit logout`.
package login

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
)

// Signer is what login needs from the factory: a declared interface, so that tests can run
// the command without a token service.
type Signer interface {
	EntraLogin(ctx context.Context, method factory.LoginMethod) (directory.Login, error)
}

type loginOptions struct {
	IO     *iostreams.IOStreams
	Signer Signer
	Method factory.LoginMethod
}

// NewCmdLogin returns `adkit login` and its `status` subcommand.
func NewCmdLogin(f *factory.Factory) *cobra.Command { return newCmdLogin(f, nil) }

// newCmdLogin takes runF for tests: it receives the options instead of signing in.
func newCmdLogin(f *factory.Factory, runF func(*loginOptions) error) *cobra.Command {
	opts := &loginOptions{IO: f.IO, Signer: f}
	var browser bool
	cmd := &cobra.Command{
		Use:   "login [--device-code|--browser]",
		Short: "Sign in to Entra ID once; later commands stay signed in",
		Long: `Login signs you in to Entra ID as yourself and keeps the sign-in for the profile
(ADKIT_PROFILE, or the profile flag), encrypted: every later command of that profile uses it without
asking, and renews it with its refresh token. When it can no longer be renewed (revoked,
expired after 90 days without use, password changed), commands stop with "run adkit login"
(exit 1); they never start a sign-in in the middle of a script.

With --browser, the system browser opens (needs a desktop); with --device-code, adkit prints
a code to enter at a web page on any device (works over SSH). Without either, adkit uses the browser when
there is a display, else the device code. AZURE_TENANT_ID and AZURE_CLIENT_ID pick the tenant
and the application, as for the other sign-ins; both are optional.

Where the sign-in is kept and how it is protected: docs/entra-sign-in.md.`,
		Example: `  adkit login
  adkit login --browser
  ADKIT_PROFILE=contoso adkit login
  adkit login status
  adkit logout`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.Globals.Output != "" {
				return cmdutil.FlagErrorf("adkit login has no -o %s output: it prints status lines on stderr; adkit login status -o json does", f.Globals.Output)
			}
			switch {
			case browser && f.Globals.DeviceCode:
				return cmdutil.FlagErrorf("--browser and --device-code are two ways of signing in: give one")
			case browser:
				opts.Method = factory.LoginBrowser
			case f.Globals.DeviceCode:
				opts.Method = factory.LoginDeviceCode
			case hasDisplay(f.Getenv):
				opts.Method = factory.LoginBrowser
			default:
				opts.Method = factory.LoginDeviceCode
			}
			return cmdutil.Run(cmd.Context(), opts, runF, loginRun)
		},
	}
	cmd.Flags().BoolVar(&browser, "browser", false, "sign in in the system browser")
	cmd.AddCommand(newCmdStatus(f, nil))
	return cmd
}

// hasDisplay reports whether a browser can be opened here: always on macOS and Windows, on
// Linux when there is an X11 or Wayland display (not over plain SSH).
func hasDisplay(getenv func(string) string) bool {
	if runtime.GOOS != "linux" {
		return true
	}
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}

func loginRun(ctx context.Context, opts *loginOptions) error {
	if opts.Method == factory.LoginBrowser {
		fmt.Fprintln(opts.IO.ErrOut, "Opening the browser to sign in to Entra ID (or use adkit login --device-code)…")
	}
	st, err := opts.Signer.EntraLogin(ctx, opts.Method)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Signed in to Entra ID as %s (tenant %s) for profile %s.\n", st.User, st.TenantID, st.Profile)
	if !st.ExpiresOn.IsZero() {
		fmt.Fprintf(opts.IO.ErrOut, "Access token valid until %s; adkit renews it by itself.\n", st.ExpiresOn.Local().Format(time.DateTime))
	}
	fmt.Fprintf(opts.IO.ErrOut, "The sign-in is kept in %s.\n", st.Store)
	return nil
}
