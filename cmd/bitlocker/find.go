package bitlocker

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/computer/shared"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type findOptions struct {
	IO             *iostreams.IOStreams
	Keys           func(context.Context) (shared.KeyFinder, error)
	TicketRequired func() (bool, error)
	Format         output.Format
	KeyID          string
	Ticket         string
	Out            string
}

func newCmdFind(f *factory.Factory, runF func(*findOptions) error) *cobra.Command {
	opts := &findOptions{IO: f.IO, TicketRequired: shared.TicketRule(f),
		Keys: factory.DirectoryFunc[shared.KeyFinder](f)}
	cmd := &cobra.Command{
		Use:   "find KEY-ID",
		Short: "Find a BitLocker recovery password by the key ID on the recovery screen",
		Long: `Find BitLocker recovery passwords by the start of their key ID: the "Recovery key ID" the
BitLocker recovery screen shows (its first 8 characters are enough), anywhere in the domain
(ADUC's "Find BitLocker recovery password"). Shows the computer each key belongs to, newest
first.

The passwords are shown once, on stdout, or written to --out FILE (mode 0600). Each read is
recorded in the audit log (bitlocker.read, on the computer, with --ticket and --reason); the
passwords never are. A profile with require_ticket_for_secrets: true refuses the read
without --ticket.`,
		Example: `  adkit bitlocker find 4B1F0C2E --ticket INC-1234`,
		Args:    cmdutil.ExactArgs(1, "KEY-ID: the first 8 or more characters of the Recovery key ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			opts.KeyID, opts.Ticket = args[0], f.Globals.Ticket
			return cmdutil.Run(cmd.Context(), opts, runF, findRun)
		},
	}
	cmd.Flags().StringVar(&opts.Out, "out", "", "write the recovery passwords to `FILE` (mode 0600) instead of showing them")
	return cmd
}

func findRun(ctx context.Context, opts *findOptions) error {
	return shared.ShowKeys(ctx, opts.IO, opts.Format, opts.TicketRequired, opts.Ticket, opts.Out,
		func(ctx context.Context) (directory.BitLockerKeys, error) {
			finder, err := opts.Keys(ctx)
			if err != nil {
				return directory.BitLockerKeys{}, err
			}
			return finder.FindBitLockerKeys(ctx, opts.KeyID)
		})
}
