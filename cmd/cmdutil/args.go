package cmdutil

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// MinimumArgs is cobra.MinimumNArgs with a message that says what is missing, as a FlagError.
func MinimumArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usageErrorf("%s: missing %s", cmd.CommandPath(), what)
		}
		return nil
	}
}

// ExactArgs is cobra.ExactArgs with a message that says what is expected, as a FlagError.
func ExactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < n:
			return usageErrorf("%s: missing %s", cmd.CommandPath(), what)
		case len(args) > n:
			return usageErrorf("%s: expects %s, got %d arguments", cmd.CommandPath(), what, len(args))
		}
		return nil
	}
}

// NoArgs rejects positional arguments as a FlagError.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

func usageErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...), Usage: true}
}

// Run ends a command's RunE once its options are filled: a flag-parsing test's runF gets
// them when there is one, else the command's run function does the work.
func Run[O any](ctx context.Context, opts *O, runF func(*O) error, run func(context.Context, *O) error) error {
	if runF != nil {
		return runF(opts)
	}
	return run(ctx, opts)
}
