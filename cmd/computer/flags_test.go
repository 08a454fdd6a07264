package computer

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
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
		{"search --stale 0", cmdtest.Reaches(newCmdSearch), "--stale 0"},
		{"search --enabled --disabled", cmdtest.Reaches(newCmdSearch), "--enabled --disabled"},
		{"search with an argument", cmdtest.Reaches(newCmdSearch), "WS-1"},
		{"move without --ou", cmdtest.Reaches(newCmdMove), "WS-1"},
		{"laps with two computers", cmdtest.Reaches(newCmdLAPS), "WS-1 WS-2"},
		{"laps --expire-now --password-out", cmdtest.Reaches(newCmdLAPS), "WS-1 --expire-now --password-out x"},
		{"bitlocker without a computer", cmdtest.Reaches(newCmdBitLocker), ""},
		{"show without a computer", cmdtest.Reaches(newCmdShow), ""},
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
	laps, err := cmdtest.Parse(f, newCmdLAPS, "WS-1 --password-out pw.txt")
	if err != nil {
		t.Fatal(err)
	}
	if laps.Target != "WS-1" || laps.PasswordOut != "pw.txt" || laps.Ticket != "INC-9" || laps.ExpireNow {
		t.Errorf("laps options = %+v", laps)
	}
	f = testFactory()
	f.Getenv = func(k string) string { return map[string]string{"XDG_STATE_HOME": "/state"}[k] }
	del, err := cmdtest.Parse(f, newCmdDelete, "WS-1 WS-2 --force")
	if err != nil {
		t.Fatal(err)
	}
	if len(del.Targets) != 2 || !del.Force || del.SnapshotDir != "/state/adkit/computers" {
		t.Errorf("delete options = %+v", del)
	}
	search, err := cmdtest.Parse(testFactory(), newCmdSearch, "--stale 90 --os 'Windows 10*' --name 'WS-*' --disabled")
	if err != nil {
		t.Fatal(err)
	}
	if q := search.Query; q.StaleDays != 90 || q.OSGlob != "Windows 10*" || q.NameGlob != "WS-*" || !q.Disabled {
		t.Errorf("search query = %+v", q)
	}
}

// parsedTargets is the targets a command line built by newCmd gives its run function.
func parsedTargets[O any](newCmd func(*factory.Factory, func(*O) error) *cobra.Command, targets func(*O) []string) func(*factory.Factory, string) ([]string, error) {
	return func(f *factory.Factory, cli string) ([]string, error) {
		o, err := cmdtest.Parse(f, newCmd, cli)
		if err != nil {
			return nil, err
		}
		return targets(o), nil
	}
}

// Every verb that takes several computers reads them from stdin ("-") too, so a search can be
// piped into a change: adkit computer search --stale 180 | adkit computer disable - --yes.
func TestVerbsReadComputersFromStdin(t *testing.T) {
	const list = "WS-1\n# retired last week\n\nWS-2\tCN=WS-2,OU=Workstations,DC=x\n"
	for _, tt := range []struct {
		name    string
		targets func(f *factory.Factory, cli string) ([]string, error)
		cli     string
	}{
		{"show", parsedTargets(newCmdShow, func(o *showOptions) []string { return o.Targets }), "-"},
		{"disable", parsedTargets(newCmdDisable, func(o *enableOptions) []string { return o.Targets }), "-"},
		{"move", parsedTargets(newCmdMove, func(o *moveOptions) []string { return o.Targets }), "- --ou OU=Old,DC=x"},
		{"reset", parsedTargets(newCmdReset, func(o *resetOptions) []string { return o.Targets }), "-"},
		{"delete", parsedTargets(newCmdDelete, func(o *deleteOptions) []string { return o.Targets }), "- --snapshot-dir ."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.targets(cmdtest.WithStdin(testFactory(), list), tt.cli)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != "WS-1,WS-2" {
				t.Errorf("targets = %q, want WS-1 and WS-2 from stdin", got)
			}
		})
	}
}
