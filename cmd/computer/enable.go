package computer

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/computer/shared"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
)

type computerEnabler interface {
	SetComputerEnabled(ctx context.Context, ident string, enable bool) (directory.ComputerOutcome, error)
}

type enableOptions struct {
	Computers func(context.Context) (computerEnabler, error)
	cmdutil.Bulk
	Enable bool
}

func newCmdEnable(f *factory.Factory, runF func(*enableOptions) error) *cobra.Command {
	return newCmdSetEnabled(f, true, runF)
}

// newCmdSetEnabled builds `computer enable` and `computer disable` (disable.go).
func newCmdSetEnabled(f *factory.Factory, enable bool, runF func(*enableOptions) error) *cobra.Command {
	opts := &enableOptions{Enable: enable, Computers: factory.DirectoryFunc[computerEnabler](f)}
	cmd := &cobra.Command{
		Use:     "enable PC...",
		Short:   "Enable disabled computer accounts",
		Example: "  adkit computer enable WS-0142 --ticket INC-1234",
		Args:    cmdutil.MinimumArgs(1, "PC: the computer to enable"),
	}
	if !enable {
		cmd.Use, cmd.Short = "disable PC...", "Disable computer accounts (they can no longer authenticate to the domain)"
		cmd.Example = "  adkit computer disable WS-0142 --ticket INC-1234 --reason 'reported stolen'\n  adkit computer disable WS-0142 WS-0177 --yes"
		cmd.Args = cmdutil.MinimumArgs(1, "PC: the computer to disable")
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var err error
		if opts.Bulk, err = f.Bulk(args); err != nil {
			return err
		}
		return cmdutil.Run(cmd.Context(), opts, runF, setEnabledRun)
	}
	return cmd
}

func setEnabledRun(ctx context.Context, opts *enableOptions) error {
	if !opts.Enable && len(opts.Targets) > 1 {
		if err := shared.Confirm(&opts.Bulk, "Disable", ""); err != nil {
			return err
		}
	}
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, opts.Targets, opts.Computers,
		func(ctx context.Context, computers computerEnabler, t string) (cmdutil.Outcome, error) {
			return shared.ComputerResult(computers.SetComputerEnabled(ctx, t, opts.Enable))
		})
}
