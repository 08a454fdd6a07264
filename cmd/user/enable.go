package user

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
)

type enabler interface {
	SetEnabled(ctx context.Context, ident string, enable bool) (directory.Outcome, error)
}

type enableOptions struct {
	Users func(context.Context) (enabler, error)
	cmdutil.Bulk
	Enable bool
}

func newCmdEnable(f *factory.Factory, runF func(*enableOptions) error) *cobra.Command {
	return newCmdSetEnabled(f, true, runF)
}

// newCmdSetEnabled builds `user enable` and `user disable`, which differ only in direction.
func newCmdSetEnabled(f *factory.Factory, enable bool, runF func(*enableOptions) error) *cobra.Command {
	opts := &enableOptions{
		Enable: enable,
		Users:  factory.DirectoryFunc[enabler](f),
	}
	cmd := &cobra.Command{
		Use:     "enable USER...",
		Short:   "Enable disabled accounts",
		Example: "  adkit user enable jdoe --ticket INC-1234",
		Args:    cmdutil.MinimumArgs(1, "USER: the account to enable"),
	}
	if !enable {
		cmd.Use, cmd.Short = "disable USER...", "Disable accounts (they can no longer log on)"
		cmd.Example = "  adkit user disable jdoe --ticket INC-1234 --reason 'left the company'\n  adkit user disable a b c --yes"
		cmd.Args = cmdutil.MinimumArgs(1, "USER: the account to disable")
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
	if !opts.Enable {
		if err := opts.Confirm("Disable"); err != nil {
			return err
		}
	}
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, opts.Targets, opts.Users,
		func(ctx context.Context, users enabler, t string) (cmdutil.Outcome, error) {
			return cmdutil.Result(users.SetEnabled(ctx, t, opts.Enable))
		})
}
