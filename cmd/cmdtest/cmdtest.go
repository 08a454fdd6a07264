// Package cmdtest holds what the commands' flag-parsing tests share: a Factory that connects
// to nothing, and a way to run a command line through Cobra up to the command's run
// function. Each command test used to write these out again.
package cmdtest

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/iostreams"
)

// Factory returns a Factory for flag-parsing tests: test streams, the global flag values g,
// the real clock and an environment holding env only. Nothing in it connects.
func Factory(g factory.Globals, env map[string]string) *factory.Factory {
	ios, _, _, _ := iostreams.Test()
	if g.Set == nil {
		g.Set = config.Flags{}
	}
	return &factory.Factory{IO: ios, Globals: &g, Now: time.Now, Getenv: func(k string) string { return env[k] }}
}

// Parse builds the command newCmd(f, runF) and runs the command line cli (split as a shell
// would) through Cobra: flags, argument checks and whatever the command checks before its
// run function. It returns the options the run function was given (nil if it was not
// reached) and the error. Output is discarded.
func Parse[O any](f *factory.Factory, newCmd func(*factory.Factory, func(*O) error) *cobra.Command, cli string) (*O, error) {
	var got *O
	err := Execute(newCmd(f, func(o *O) error { got = o; return nil }), cli)
	return got, err
}

// Reaches builds commands with newCmd whose run function only calls reached: for a test that
// a command line is refused before the run function (and so before any connection or read).
func Reaches[O any](newCmd func(*factory.Factory, func(*O) error) *cobra.Command) func(f *factory.Factory, reached func()) *cobra.Command {
	return func(f *factory.Factory, reached func()) *cobra.Command {
		return newCmd(f, func(*O) error { reached(); return nil })
	}
}

// Execute runs the command line cli (split as a shell would) through cmd, for a command
// built with its own runF. Output is discarded.
func Execute(cmd *cobra.Command, cli string) error {
	args, err := shlex.Split(cli)
	if err != nil {
		return err
	}
	return ExecuteArgs(cmd, args...)
}

// ExecuteArgs is Execute with the arguments already split (an empty one stays one).
func ExecuteArgs(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.Execute()
}

// WithStdin gives the commands f builds s on standard input: what "-" and @- arguments read.
func WithStdin(f *factory.Factory, s string) *factory.Factory {
	ios, in, _, _ := iostreams.Test()
	in.WriteString(s)
	f.IO = ios
	return f
}

// WantUsageError stops t unless err is a usage error (exit 2) whose message holds want: what
// a flag-parsing test expects of a command line that must be refused.
func WantUsageError(t testing.TB, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("error = %v (exit %d), want %q and exit %d", err, cmdutil.ExitCode(err), want, cmdutil.ExitUsage)
	}
}
