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

type mover interface {
	MoveUser(ctx context.Context, ident, ou string) (directory.Outcome, error)
}

type moveOptions struct {
	IO     *iostreams.IOStreams
	Users  func(context.Context) (mover, error)
	Format output.Format
	Target string
	OU     string
}

func newCmdMove(f *factory.Factory, runF func(*moveOptions) error) *cobra.Command {
	opts := &moveOptions{IO: f.IO, Users: func(ctx context.Context) (mover, error) { return factory.Directory[mover](ctx, f) }}
	cmd := &cobra.Command{
		Use:     "move USER --ou DN",
		Short:   "Move an account to another OU",
		Example: `  adkit user move jdoe --ou "OU=Sales,OU=Staff,DC=corp,DC=example,DC=com"`,
		Args:    cmdutil.ExactArgs(1, "USER: the account to move"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if opts.OU == "" {
				return cmdutil.FlagErrorf("--ou is required: the distinguished name of the OU to move %s to", args[0])
			}
			opts.Target = args[0]
			if runF != nil {
				return runF(opts)
			}
			return moveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.OU, "ou", "", "distinguished name of the destination OU")
	return cmd
}

func moveRun(ctx context.Context, opts *moveOptions) error {
	users, err := opts.Users(ctx)
	if err != nil {
		return err
	}
	return cmdutil.RunChanges(ctx, opts.IO, opts.Format, []string{opts.Target}, func(ctx context.Context, t string) (cmdutil.Outcome, error) {
		o, err := users.MoveUser(ctx, t, opts.OU)
		return cmdutil.FromAD(o), err
	})
}
