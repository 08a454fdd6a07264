package computer

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

type bitLockerOptions struct {
	IO             *iostreams.IOStreams
	Computers      func(context.Context) (shared.KeyReader, error)
	TicketRequired func() (bool, error)
	Format         output.Format
	Target         string
	Ticket         string
	Out            string
}

func newCmdBitLocker(f *factory.Factory, runF func(*bitLockerOptions) error) *cobra.Command {
	opts := &bitLockerOptions{IO: f.IO, TicketRequired: shared.TicketRule(f),
		Computers: factory.DirectoryFunc[shared.KeyReader](f)}
	cmd := &cobra.Command{
		Use:   "bitlocker PC",
		Short: "Show a computer's BitLocker recovery passwords, newest first",
		Long: `Show the BitLocker recovery passwords backed up to Active Directory for a computer (the
msFVE-RecoveryInformation objects below it; ADUC's BitLocker Recovery tab, or
Get-ADObject -SearchBase <computer DN> -Filter 'objectClass -eq "msFVE-RecoveryInformation"'
-Properties msFVE-RecoveryPassword), newest first. Match the Key ID the recovery screen
shows; to search by that ID alone use "adkit bitlocker find".

The passwords are shown once, on stdout, or written to --out FILE (mode 0600). The read is
recorded in the audit log (bitlocker.read, with --ticket and --reason); the passwords never
are. A profile with require_ticket_for_secrets: true refuses the read without --ticket.`,
		Example: `  adkit computer bitlocker WS-0142 --ticket INC-1234
  adkit computer bitlocker WS-0142 --ticket INC-1234 -o json --out ./keys.json`,
		Args: cmdutil.ExactArgs(1, "PC: the computer whose recovery passwords to show"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			opts.Target, opts.Ticket = args[0], f.Globals.Ticket
			return cmdutil.Run(cmd.Context(), opts, runF, bitLockerRun)
		},
	}
	cmd.Flags().StringVar(&opts.Out, "out", "", "write the recovery passwords to `FILE` (mode 0600) instead of showing them")
	return cmd
}

func bitLockerRun(ctx context.Context, opts *bitLockerOptions) error {
	return shared.ShowKeys(ctx, opts.IO, opts.Format, opts.TicketRequired, opts.Ticket, opts.Out,
		func(ctx context.Context) (directory.BitLockerKeys, error) {
			computers, err := opts.Computers(ctx)
			if err != nil {
				return directory.BitLockerKeys{}, err
			}
			return computers.ReadBitLockerKeys(ctx, opts.Target)
		})
}
