package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
)

func TestInterruptedNamesTheInterruptAndKeepsTheExitCode(t *testing.T) {
	lost := errors.New("ldap: connection closed")
	partial := &cmdutil.PartialError{Failed: 2, Total: 5}

	live := context.Background()
	if got := interrupted(live, lost); got != lost {
		t.Errorf("without an interrupt the error is changed: %v", got)
	}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	got := interrupted(cancelled, lost)
	if !errors.Is(got, context.Canceled) || !errors.Is(got, lost) {
		t.Errorf("interrupted(%v) = %v; want it to be both the interrupt and the cause", lost, got)
	}
	if code := cmdutil.ExitCode(got); code != cmdutil.ExitFailed {
		t.Errorf("exit code %d, want %d", code, cmdutil.ExitFailed)
	}
	if code := cmdutil.ExitCode(interrupted(cancelled, partial)); code != cmdutil.ExitPartial {
		t.Errorf("an interrupted bulk run: exit code %d, want %d (partial)", code, cmdutil.ExitPartial)
	}
	if got := interrupted(cancelled, nil); got != nil {
		t.Errorf("no error stays no error, got %v", got)
	}

	timedOut, cancelTimeout := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancelTimeout()
	<-timedOut.Done()
	if got := interrupted(timedOut, lost); got != lost {
		t.Errorf("a timeout is not an interrupt: got %v", got)
	}
}

// A mistyped verb is a usage error (exit 2), not the noun's help with exit 0: a script
// running `adkit user unlcok jdoe && echo unlocked` must not think it worked.
func TestUnknownVerbIsAUsageError(t *testing.T) {
	run := func(args ...string) (int, string, string) {
		ios, _, out, errOut := iostreams.Test()
		f := &factory.Factory{IO: ios, Globals: &factory.Globals{}, Now: time.Now}
		code := Run(context.Background(), f, args)
		return code, out.String(), errOut.String()
	}
	code, _, errOut := run("user", "unlcok", "jdoe")
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, `unknown command "unlcok" for "adkit user"; did you mean unlock?`) {
		t.Errorf("adkit user unlcok jdoe: exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(errOut, "Run 'adkit user --help' for usage.") {
		t.Errorf("adkit user unlcok jdoe: stderr %q does not point at the noun's help", errOut)
	}
	if code, _, errOut := run("user", "show", "--frob"); code != cmdutil.ExitUsage || !strings.Contains(errOut, "Run 'adkit user show --help' for usage.") {
		t.Errorf("adkit user show --frob: exit %d, stderr %q; want the command's own help named", code, errOut)
	}
	for _, noun := range []string{"user", "group", "log", "audit", "onboard", "offboard"} {
		if code, _, errOut := run(noun, "--output", "json", "frob"); code != cmdutil.ExitUsage || !strings.Contains(errOut, `unknown command "frob"`) {
			t.Errorf("adkit %s -o json frob: exit %d, stderr %q", noun, code, errOut)
		}
		for _, args := range [][]string{{noun}, {noun, "--help"}} {
			if code, out, _ := run(args...); code != cmdutil.ExitOK || !strings.Contains(out, "Available Commands") {
				t.Errorf("adkit %s: exit %d, want its help with exit 0; got %q", strings.Join(args, " "), code, out)
			}
		}
	}
}

func TestNotFoundHintSaysWhatToTryNext(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&directory.NotFoundError{Kind: "user", Ident: "jdoe"}, "adkit user search --name 'jdoe*'"},
		{&cmdutil.TargetError{Target: "ADKITLAB\\jdoe", Err: &directory.NotFoundError{Kind: "user", Ident: "ADKITLAB\\jdoe"}}, "--name 'jdoe*'"},
		{&directory.NotFoundError{Kind: "user", Ident: "j.doe@corp.example.com"}, "--name 'j.doe*'"},
		{&directory.NotFoundError{Kind: "user", Ident: "o'brien"}, "--name 'PART*'"},
		{&directory.NotFoundError{Kind: "user", Ident: "CN=John Doe,OU=Staff,DC=x"}, "--name 'PART*'"},
		{&directory.NotFoundError{Kind: "group", Ident: "Sales"}, "a group is found by its name"},
		{&directory.NotFoundError{Kind: "OU", Ident: "OU=Nope"}, "DN of an existing OU"},
		{&directory.AmbiguousError{Kind: "user", Ident: "John", Candidates: []string{"a", "b"}}, ""},
		{errors.New("something else"), ""},
	}
	for _, tc := range cases {
		got := notFoundHint(tc.err)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("notFoundHint(%v) = %q, want it to contain %q", tc.err, got, tc.want)
		}
	}
}

// The tree Run builds for a command line finds the same command, with the same flags, as the
// whole tree does, for every command adkit has.
func TestTreeForACommandLineMatchesTheWholeTree(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &factory.Factory{IO: ios, Globals: &factory.Globals{}, Now: time.Now}
	whole := newCmdRoot(f, "")
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c == whole || !c.Runnable() {
			return
		}
		n++
		args := strings.Fields(c.CommandPath())[1:]
		got, _, err := newCmdRootFor(f, args).Find(args)
		if err != nil || got.CommandPath() != c.CommandPath() {
			t.Errorf("%s: the tree for this command line finds %v (err %v)", c.CommandPath(), got, err)
			return
		}
		var want, have []string
		c.Flags().VisitAll(func(fl *pflag.Flag) { want = append(want, fl.Name) })
		got.Flags().VisitAll(func(fl *pflag.Flag) { have = append(have, fl.Name) })
		if strings.Join(want, " ") != strings.Join(have, " ") {
			t.Errorf("%s: flags %v, want %v", c.CommandPath(), have, want)
		}
	}
	walk(whole)
	if n < 20 {
		t.Fatalf("walked %d commands; the tree looks empty", n)
	}
	if got := len(newCmdRootFor(f, []string{"user", "show"}).Commands()); got != 1 {
		t.Errorf("adkit user show built %d nouns, want 1", got)
	}
	for _, args := range [][]string{nil, {"--help"}, {"help", "user"}, {"completion", "bash"}, {"usr"}} {
		if got := len(newCmdRootFor(f, args).Commands()); got != len(nouns()) {
			t.Errorf("adkit %v built %d nouns, want all %d", args, got, len(nouns()))
		}
	}
}
