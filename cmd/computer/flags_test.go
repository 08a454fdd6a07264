package computer

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
)

func testFactory() *factory.Factory { return cmdtest.Factory(factory.Globals{}, nil) }

// Usage mistakes exit 2 before the run function (and so before any connection or read).
func TestFlagMistakesAreUsageErrors(t *testing.T) {
	never := func(t *testing.T) func() { return func() { t.Error("the run function was reached") } }
	for _, tt := range []struct {
		name string
		cmd  func(f *factory.Factory, reached func()) *cobra.Command
		cli  string
	}{
		{"search --stale 0", func(f *factory.Factory, r func()) *cobra.Command {
			return newCmdSearch(f, func(*searchOptions) error { r(); return nil })
		}, "--stale 0"},
		{"search --enabled --disabled", func(f *factory.Factory, r func()) *cobra.Command {
			return newCmdSearch(f, func(*searchOptions) error { r(); return nil })
		}, "--enabled --disabled"},
		{"search with an argument", func(f *factory.Factory, r func()) *cobra.Command {
			return newCmdSearch(f, func(*searchOptions) error { r(); return nil })
		}, "WS-1"},
		{"move without --ou", func(f *factory.Factory, r func()) *cobra.Command {
			return newCmdMove(f, func(*moveOptions) error { r(); return nil })
		}, "WS-1"},
		{"laps with two computers", func(f *factory.Factory, r func()) *cobra.Command {
			return newCmdLAPS(f, func(*lapsOptions) error { r(); return nil })
		}, "WS-1 WS-2"},
		{"laps --expire-now --password-out", func(f *factory.Factory, r func()) *cobra.Command {
			return newCmdLAPS(f, func(*lapsOptions) error { r(); return nil })
		}, "WS-1 --expire-now --password-out x"},
		{"bitlocker without a computer", func(f *factory.Factory, r func()) *cobra.Command {
			return newCmdBitLocker(f, func(*bitLockerOptions) error { r(); return nil })
		}, ""},
		{"show without a computer", func(f *factory.Factory, r func()) *cobra.Command {
			return newCmdShow(f, func(*showOptions) error { r(); return nil })
		}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := cmdtest.Execute(tt.cmd(testFactory(), never(t)), tt.cli)
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("exit %d (%v), want 2", cmdutil.ExitCode(err), err)
			}
		})
	}
}

func TestFlagsReachTheOptions(t *testing.T) {
	f := testFactory()
	f.Globals.Ticket = "INC-9"
	var laps *lapsOptions
	if err := cmdtest.Execute(newCmdLAPS(f, func(o *lapsOptions) error { laps = o; return nil }), "WS-1 --password-out pw.txt"); err != nil {
		t.Fatal(err)
	}
	if laps.Target != "WS-1" || laps.PasswordOut != "pw.txt" || laps.Ticket != "INC-9" || laps.ExpireNow {
		t.Errorf("laps options = %+v", laps)
	}
	var del *deleteOptions
	f = testFactory()
	f.Getenv = func(k string) string { return map[string]string{"XDG_STATE_HOME": "/state"}[k] }
	if err := cmdtest.Execute(newCmdDelete(f, func(o *deleteOptions) error { del = o; return nil }), "WS-1 WS-2 --force"); err != nil {
		t.Fatal(err)
	}
	if len(del.Targets) != 2 || !del.Force || del.SnapshotDir != "/state/adkit/computers" {
		t.Errorf("delete options = %+v", del)
	}
	var search *searchOptions
	if err := cmdtest.Execute(newCmdSearch(testFactory(), func(o *searchOptions) error { search = o; return nil }),
		"--stale 90 --os 'Windows 10*' --name 'WS-*' --disabled"); err != nil {
		t.Fatal(err)
	}
	if q := search.Query; q.StaleDays != 90 || q.OSGlob != "Windows 10*" || q.NameGlob != "WS-*" || !q.Disabled {
		t.Errorf("search query = %+v", q)
	}
}

// Every verb that takes several computers reads them from stdin ("-") too, so a search can be
// piped into a change: adkit computer search --stale 180 | adkit computer disable - --yes.
func TestVerbsReadComputersFromStdin(t *testing.T) {
	const list = "WS-1\n# retired last week\n\nWS-2\tCN=WS-2,OU=Workstations,DC=x\n"
	for _, tt := range []struct {
		name string
		cmd  func(f *factory.Factory, got *[]string) *cobra.Command
		cli  string
	}{
		{"show", func(f *factory.Factory, got *[]string) *cobra.Command {
			return newCmdShow(f, func(o *showOptions) error { *got = o.Targets; return nil })
		}, "-"},
		{"disable", func(f *factory.Factory, got *[]string) *cobra.Command {
			return newCmdDisable(f, func(o *enableOptions) error { *got = o.Targets; return nil })
		}, "-"},
		{"move", func(f *factory.Factory, got *[]string) *cobra.Command {
			return newCmdMove(f, func(o *moveOptions) error { *got = o.Targets; return nil })
		}, "- --ou OU=Old,DC=x"},
		{"reset", func(f *factory.Factory, got *[]string) *cobra.Command {
			return newCmdReset(f, func(o *resetOptions) error { *got = o.Targets; return nil })
		}, "-"},
		{"delete", func(f *factory.Factory, got *[]string) *cobra.Command {
			return newCmdDelete(f, func(o *deleteOptions) error { *got = o.Targets; return nil })
		}, "- --snapshot-dir ."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := testFactory()
			ios, stdin, _, _ := iostreams.Test()
			stdin.WriteString(list)
			f.IO = ios
			var got []string
			if err := cmdtest.Execute(tt.cmd(f, &got), tt.cli); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != "WS-1,WS-2" {
				t.Errorf("targets = %q, want WS-1 and WS-2 from stdin", got)
			}
		})
	}
}
