package user

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
)

type mover interface {
	MoveUser(ctx context.Context, ident, ou string) (directory.Outcome, error)
}

type moveOptions struct {
	Users func(context.Context) (mover, error)
	cmdutil.Bulk
	OU string
}

func newCmdMove(f *factory.Factory, runF func(*moveOptions) error) *cobra.Command {
	opts := &moveOptions{Users: factory.DirectoryFunc[mover](f)}
	cmd := &cobra.Command{
		Use:   "move USER... --ou DN",
		Short: "Move accounts to another OU",
		Long: `Move one or more accounts to another OU, keeping their names. USER may be "-" to read the
accounts from stdin, or @FILE to read them from a file, one per line (# comments and blank
lines are ignored; CSV with a sam_account_name or dn column works too). Several accounts are
confirmed first on a terminal, and need --yes without one.`,
		Example: `  adkit user move jdoe --ou "OU=Sales,OU=Staff,DC=corp,DC=example,DC=com"
  adkit user search --disabled -o csv | adkit user move - --ou "OU=Leavers,DC=corp,DC=example,DC=com" --yes`,
		Args: cmdutil.MinimumArgs(1, "USER: the account to move"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Bulk, err = f.Bulk(args, func() error {
				if opts.OU == "" {
					return cmdutil.FlagErrorf("--ou is required: the distinguished name of the OU to move the accounts to")
				}
				return nil
			}); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, moveRun)
		},
	}
	cmd.Flags().StringVar(&opts.OU, "ou", "", "distinguished name of the destination OU")
	return cmd
}

func moveRun(ctx context.Context, opts *moveOptions) error {
	if err := opts.Confirm("Move to " + opts.OU); err != nil {
		return err
	}
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, opts.Targets, opts.Users,
		func(ctx context.Context, users mover, t string) (cmdutil.Outcome, error) {
			return cmdutil.Result(users.MoveUser(ctx, t, opts.OU))
		})
}
