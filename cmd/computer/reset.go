package computer

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/computer/shared"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
)

type computerResetter interface {
	ResetComputerPassword(ctx context.Context, ident string) (directory.ComputerOutcome, error)
}

type resetOptions struct {
	Computers func(context.Context) (computerResetter, error)
	cmdutil.Bulk
}

func newCmdReset(f *factory.Factory, runF func(*resetOptions) error) *cobra.Command {
	opts := &resetOptions{Computers: factory.DirectoryFunc[computerResetter](f)}
	return &cobra.Command{
		Use:   "reset PC...",
		Short: "Reset computer account passwords (for a broken trust relationship)",
		Long: `Reset a computer account's password to a random one nobody is shown, as ADUC's "Reset
Account" does. Use it when a computer says "The trust relationship between this workstation
and the primary domain failed": after the reset, on the computer run
Test-ComputerSecureChannel -Repair -Credential DOMAIN\admin (or Reset-ComputerMachinePassword),
or rejoin it to the domain. The account keeps its SID, groups, LAPS and BitLocker data.

A computer whose trust still works loses it until it is repaired, so adkit asks first.`,
		Example: `  adkit computer reset WS-0142 --ticket INC-1234`,
		Args:    cmdutil.MinimumArgs(1, "PC: the computer whose account to reset"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Bulk, err = f.Bulk(args); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, resetRun)
		},
	}
}

func resetRun(ctx context.Context, opts *resetOptions) error {
	if err := shared.Confirm(&opts.Bulk, "Reset the account password of",
		"They lose their trust with the domain until repaired or rejoined."); err != nil {
		return err
	}
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, opts.Targets, opts.Computers,
		func(ctx context.Context, computers computerResetter, t string) (cmdutil.Outcome, error) {
			return shared.ComputerResult(computers.ResetComputerPassword(ctx, t))
		})
}
