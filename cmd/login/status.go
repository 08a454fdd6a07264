package login

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

// StatusReader is what `login status` needs from the factory.
type StatusReader interface {
	EntraLoginStatus(ctx context.Context) (directory.Login, bool, error)
}

type statusOptions struct {
	IO     *iostreams.IOStreams
	Reader StatusReader
	Format output.Format
}

func newCmdStatus(f *factory.Factory, runF func(*statusOptions) error) *cobra.Command {
	opts := &statusOptions{IO: f.IO, Reader: f}
	return &cobra.Command{
		Use:   "status",
		Short: "Show who is signed in to Entra ID for the profile, and until when",
		Long: `Status shows the profile's saved sign-in: the account, the tenant, until when the
access token is valid, and where the sign-in is kept. It renews the access token if it must,
never interactively. Exit 0: signed in. Exit 1: not signed in, or the sign-in can no longer be
renewed (run adkit login).`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(output.FormatTable, output.FormatJSON); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, statusRun)
		},
	}
}

func statusRun(ctx context.Context, opts *statusOptions) error {
	st, ok, err := opts.Reader.EntraLoginStatus(ctx)
	if err != nil {
		return err
	}
	if !ok {
		st.Problem = "not signed in: run adkit login"
	}
	if opts.Format == output.FormatJSON {
		if err := output.WriteJSON(opts.IO.Out, st); err != nil {
			return err
		}
	} else {
		t := output.Table{Header: []string{"field", "value"}}
		t.AddRow("profile", st.Profile)
		if ok {
			t.AddRow("user", st.User)
			t.AddRow("tenant", st.TenantID)
			t.AddRow("client_id", st.ClientID)
			t.AddRow("authority", st.Authority)
			if !st.ExpiresOn.IsZero() {
				t.AddRow("access_token_until", st.ExpiresOn.Local().Format(time.DateTime))
			}
			t.AddRow("store", st.Store)
		}
		t.AddRow("valid", fmt.Sprint(st.Valid))
		if st.Problem != "" {
			t.AddRow("problem", st.Problem)
		}
		if err := output.WriteTable(opts.IO.Out, t); err != nil {
			return err
		}
	}
	if !st.Valid {
		// Exit 1, so that a script can test it; the table or JSON has said why.
		return cmdutil.ErrSilent
	}
	return nil
}
