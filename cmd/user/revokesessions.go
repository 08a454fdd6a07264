package user

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type sessionRevoker interface {
	RevokeSessions(ctx context.Context, ident string) (directory.Outcome, error)
}

type revokeOptions struct {
	IO      *iostreams.IOStreams
	Users   func(context.Context) (sessionRevoker, error)
	Target  func() (string, error)
	Format  output.Format
	Targets []string
}

func newCmdRevokeSessions(f *factory.Factory, runF func(*revokeOptions) error) *cobra.Command {
	opts := &revokeOptions{
		IO:     f.IO,
		Target: f.Target,
		Users:  factory.DirectoryFunc[sessionRevoker](f),
	}
	return &cobra.Command{
		Use:   "revoke-sessions USER...",
		Short: "Sign users out everywhere (Entra ID)",
		Long: `Invalidate the refresh tokens and session cookies of one or more Entra ID accounts, so that
they must sign in again on every device and app. Access tokens already issued stay valid until
they expire, up to about an hour. Pair it with a password reset or a disable for a leaver or a
compromised account.`,
		Example: `  adkit user revoke-sessions jdoe@corp.example.com --ticket INC-1234
  adkit user disable jdoe@corp.example.com && adkit user revoke-sessions jdoe@corp.example.com`,
		Args: cmdutil.MinimumArgs(1, "USER: the account to sign out"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, opts.Targets, err = f.FormatAndTargets(args); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, revokeRun)
		},
	}
}

func revokeRun(ctx context.Context, opts *revokeOptions) error {
	if err := cmdutil.OnlyFor(opts.Target, true,
		"AD has no sessions to revoke: disable the account (adkit user disable USER) or reset the password "+
			"(adkit user reset-password USER); Kerberos tickets already issued expire by themselves (10 hours by default)"); err != nil {
		return err
	}
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, opts.Targets, opts.Users,
		func(ctx context.Context, users sessionRevoker, t string) (cmdutil.Outcome, error) {
			return cmdutil.Result(users.RevokeSessions(ctx, t))
		})
}
