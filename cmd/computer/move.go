package computer

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/computer/shared"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
)

type computerMover interface {
	MoveComputer(ctx context.Context, ident, ou string) (directory.ComputerOutcome, error)
}

type moveOptions struct {
	Computers func(context.Context) (computerMover, error)
	cmdutil.Bulk
	OU string
}

func newCmdMove(f *factory.Factory, runF func(*moveOptions) error) *cobra.Command {
	opts := &moveOptions{Computers: factory.DirectoryFunc[computerMover](f)}
	cmd := &cobra.Command{
		Use:   "move PC... --ou DN",
		Short: "Move computer accounts to another OU",
		Long: `Move computer accounts to another OU (Move-ADObject). Group Policy linked to the new OU
applies at each computer's next policy refresh (gpupdate, or within about 90 minutes).`,
		Example: `  adkit computer move WS-0142 --ou "OU=Workstations,DC=corp,DC=example,DC=com"`,
		Args:    cmdutil.MinimumArgs(1, "PC: the computer to move"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Bulk, err = f.Bulk(args, func() error {
				if opts.OU == "" {
					return cmdutil.FlagErrorf("--ou is required: the distinguished name of the OU to move %s to", cmdutil.NameList(args))
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
	if len(opts.Targets) > 1 {
		if err := shared.Confirm(&opts.Bulk, "Move", "to "+opts.OU); err != nil {
			return err
		}
	}
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, opts.Targets, opts.Computers,
		func(ctx context.Context, computers computerMover, t string) (cmdutil.Outcome, error) {
			return shared.ComputerResult(computers.MoveComputer(ctx, t, opts.OU))
		})
}
