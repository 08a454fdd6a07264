package login

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
)

// Forgetter is what `adkit logout` needs from the factory.
type Forgetter interface {
	EntraLogout() (removed bool, profile string, err error)
}

type logoutOptions struct {
	IO        *iostreams.IOStreams
	Forgetter Forgetter
}

// NewCmdLogout returns `adkit logout`.
func NewCmdLogout(f *factory.Factory) *cobra.Command {
	opts := &logoutOptions{IO: f.IO, Forgetter: f}
	return &cobra.Command{
		Use:   "logout",
		Short: "Forget the profile's Entra ID sign-in",
		Long: `Logout removes the profile's saved Entra ID sign-in from this machine: the encrypted
token cache, its key, and the record of who signed in. Commands then need adkit login again.
It does not revoke the refresh token in Entra ID: to end the account's sessions everywhere,
an administrator runs adkit user revoke-sessions.`,
		Args: cmdutil.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if f.Globals.Output != "" {
				return cmdutil.FlagErrorf("adkit logout has no -o %s output: it prints a status line on stderr", f.Globals.Output)
			}
			return logoutRun(opts)
		},
	}
}

func logoutRun(opts *logoutOptions) error {
	removed, profile, err := opts.Forgetter.EntraLogout()
	if err != nil {
		return err
	}
	if removed {
		fmt.Fprintf(opts.IO.ErrOut, "Signed out of Entra ID for profile %s: the saved sign-in is removed from this machine.\n", profile)
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "No saved Entra ID sign-in for profile %s: nothing to remove.\n", profile)
	}
	return nil
}
