// Package cli is adkit's entry point: it builds the command tree, runs it, and decides the
// exit code from the error that comes back — in this one place, as the spec's table says.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/prompt"
)

// version is set at build time with -ldflags "-X github.com/adkit-dev/adkit/cmd/cli.version=v1.2.3".
var version = "dev"

// Main runs adkit with os.Args and returns the process exit code.
func Main() int {
	ctx, stop := interruptible(context.Background())
	defer stop()
	f := factory.New(version)
	return Run(ctx, f, os.Args[1:])
}

// interruptible is signal.NotifyContext(ctx, os.Interrupt, SIGTERM) set up off the start-up
// path: the first signal.Notify starts the runtime's signal loop, which blocks a thread of its
// own; waiting for that costs every run, even `adkit version`, a quarter of a millisecond
// (docs/benchmarks.md). Until the handler is in place a signal does what it always does, ends
// the process, which is also right for a command that has not started work. As with
// NotifyContext, the first signal cancels ctx and a second one ends the process.
func interruptible(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(signals)
		select {
		case <-signals:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// Run executes one command line against f and returns the exit code. Tests call it directly.
func Run(ctx context.Context, f *factory.Factory, args []string) int {
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	err := interrupted(ctx, root.ExecuteContext(ctx))
	if err == nil {
		return cmdutil.ExitOK
	}
	code := cmdutil.ExitCode(err)
	printError(f.IO.ErrOut, err, code)
	return code
}

func printError(w io.Writer, err error, code int) {
	switch {
	case errors.Is(err, cmdutil.ErrSilent):
		return
	case errors.Is(err, context.Canceled), errors.Is(err, prompt.ErrInterrupted):
		fmt.Fprintln(w, "interrupted")
		return
	}
	var partial *cmdutil.PartialError
	if errors.As(err, &partial) {
		fmt.Fprintf(w, "%s; see the messages above\n", partial.Error())
		return
	}
	var findings *cmdutil.FindingsError
	if errors.As(err, &findings) {
		fmt.Fprintln(w, findings.Error())
		return
	}
	fmt.Fprintln(w, "error: "+err.Error())
	var flagErr *cmdutil.FlagError
	if (errors.As(err, &flagErr) && flagErr.Usage) || cmdutil.IsCobraUsageError(err) {
		fmt.Fprintln(w, "Run 'adkit --help' for usage.")
	}
}

// interrupted names the interrupt as the cause of err when ctx was cancelled (Ctrl-C): the
// connection closed under a waiting request, and what the command reports is that
// consequence. The exit code still follows err (a bulk run stopped half-way is partial).
func interrupted(ctx context.Context, err error) error {
	if err == nil || !errors.Is(ctx.Err(), context.Canceled) || errors.Is(err, context.Canceled) {
		return err
	}
	return interruptError{err}
}

type interruptError struct{ err error }

func (e interruptError) Error() string   { return "interrupted: " + e.err.Error() }
func (e interruptError) Unwrap() []error { return []error{context.Canceled, e.err} }
