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

type unlocker interface {
	Unlock(ctx context.Context, ident string) (directory.Outcome, error)
	UnlockAllDCs(ctx context.Context, ident string) (directory.Outcome, error)
}

type unlockOptions struct {
	IO      *iostreams.IOStreams
	Users   func(context.Context) (unlocker, error)
	Target  func() (string, error)
	Format  output.Format
	Targets []string
	AllDCs  bool
}

func newCmdUnlock(f *factory.Factory, runF func(*unlockOptions) error) *cobra.Command {
	opts := &unlockOptions{
		IO:     f.IO,
		Target: f.Target,
		Users:  func(ctx context.Context) (unlocker, error) { return f.AD(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "unlock USER...",
		Short: "Unlock locked-out accounts",
		Long: `Clear the lockout of one or more accounts (lockoutTime=0, which also resets the bad
password count). An account that is not locked is left alone and reported as such.

With --all-dcs the unlock is made on every writable domain controller, each its own audit
record naming that DC: the user can log on now wherever they hit, without waiting for
replication, and each DC's own bad-password count is reset (see docs/domain-controllers.md).`,
		Example: `  adkit user unlock jdoe --ticket INC-1234
  adkit user search --locked -o json | jq -r '.[].sam_account_name' | xargs adkit user unlock
  adkit user unlock jdoe --all-dcs --ticket INC-1234`,
		Args: cmdutil.MinimumArgs(1, "USER: the account to unlock"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, opts.Targets, err = f.FormatAndTargets(args); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, unlockRun)
		},
	}
	cmd.Flags().BoolVar(&opts.AllDCs, "all-dcs", false, "unlock on every writable domain controller, not only the one connected to")
	return cmd
}

func unlockRun(ctx context.Context, opts *unlockOptions) error {
	if err := cmdutil.OnlyFor(opts.Target, false,
		"Entra ID has no lockout to clear: smart lockout ends by itself after its lockout period. "+
			"To let the user in now, reset the password (adkit user reset-password --target entra USER); "+
			"to end their sessions, use adkit user revoke-sessions USER"); err != nil {
		return err
	}
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, opts.Targets, opts.Users,
		func(ctx context.Context, users unlocker, t string) (cmdutil.Outcome, error) {
			if opts.AllDCs {
				return cmdutil.Result(users.UnlockAllDCs(ctx, t))
			}
			return cmdutil.Result(users.Unlock(ctx, t))
		})
}
