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
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/prompt"
)

// version, commit and date are set by scripts/release.sh with -ldflags
// "-X github.com/adkit-dev/adkit/cmd/cli.version=v1.2.3" (and .commit, .date); a plain build
// leaves them so, and `adkit version` falls back on what Go recorded (internal/buildinfo).
var (
	version = "dev"
	commit  = ""
	date    = ""
)

// Main runs adkit with os.Args and returns the process exit code.
func Main() int {
	ctx, stop := interruptible(context.Background())
	defer stop()
	f := factory.New(version)
	f.Commit, f.BuildDate = commit, date
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
	root := newCmdRootFor(f, args)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	// failed is the command the error belongs to, for "Run 'adkit user show --help'".
	failed, err := unknownVerb(root, args)
	if err == nil {
		failed, err = root.ExecuteContextC(ctx)
		err = interrupted(ctx, err)
		// Sign the log's new end, whatever the command's result: failed and interrupted runs
		// wrote records too. Not signing is worth a warning, not a failure: the changes are
		// recorded, only the checkpoint over them is missing.
		if serr := f.SealLog(context.WithoutCancel(ctx)); serr != nil {
			fmt.Fprintf(f.IO.ErrOut, "warning: the audit log's checkpoint was not signed (the changes are recorded): %v\n", serr)
		}
	}
	if err == nil {
		return cmdutil.ExitOK
	}
	code := cmdutil.ExitCode(err)
	printError(f.IO.ErrOut, err, failed)
	return code
}

// notFoundHint says what to try next when the one account, group or OU a command was given
// does not exist: the technician has a ticket open and wants the next step, not only the
// verdict.
func notFoundHint(err error) string {
	var nf *directory.NotFoundError
	var amb *directory.AmbiguousError
	if !errors.As(err, &nf) || errors.As(err, &amb) {
		return ""
	}
	switch nf.Kind {
	case "user":
		// A part of the name to search for, quoted for the shell when that is simple.
		part := nf.Ident
		if i := strings.LastIndexByte(part, '\\'); i >= 0 {
			part = part[i+1:] // DOMAIN\user
		}
		if i := strings.IndexByte(part, '@'); i > 0 {
			part = part[:i] // user@domain
		}
		if part == "" || strings.ContainsAny(part, "'=*,") {
			return "Check the spelling, or look for the account with adkit user search --name 'PART*'."
		}
		return fmt.Sprintf("Check the spelling, or look for the account with: adkit user search --name '%s*'", part)
	case "group":
		return "Check the spelling: a group is found by its name, sAMAccountName, mail or DN."
	case "OU":
		return "Give the DN of an existing OU, e.g. OU=Staff,DC=example,DC=com."
	}
	return ""
}

// unknownVerb refuses a word that is no command of a command that only groups others:
// `adkit user unlcok jdoe`. Cobra shows such a command's help and exits 0 for any argument,
// so `adkit user unlcok jdoe && echo unlocked` would say unlocked. The noun with no verb, or
// only flags such as --help, still shows the help.
func unknownVerb(root *cobra.Command, args []string) (*cobra.Command, error) {
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root || cmd.Runnable() || !cmd.HasSubCommands() {
		return nil, nil
	}
	if cmd.ParseFlags(rest) != nil || cmd.Flags().NArg() == 0 {
		return nil, nil // cobra reports a bad flag in its own words
	}
	verb := cmd.Flags().Arg(0)
	msg := fmt.Sprintf("unknown command %q for %q", verb, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, which it sets on the root only
	}
	if s := cmd.SuggestionsFor(verb); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return cmd, &cmdutil.FlagError{Err: errors.New(msg), Usage: true}
}

// printError writes err for the technician; cmd, when known, is the command it came from.
func printError(w io.Writer, err error, cmd *cobra.Command) {
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
	if hint := notFoundHint(err); hint != "" {
		fmt.Fprintln(w, hint)
	}
	var flagErr *cmdutil.FlagError
	if (errors.As(err, &flagErr) && flagErr.Usage) || cmdutil.IsCobraUsageError(err) {
		path := "adkit"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", path)
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
