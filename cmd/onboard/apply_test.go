package onboard

import (
	"errors"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/onboarding"
)

func TestNewCmdApplyParallel(t *testing.T) {
	for _, tc := range []struct {
		cli     string
		want    int
		wantErr string
	}{
		{cli: "hires.csv --template t.yaml", want: onboarding.DefaultParallel},
		{cli: "hires.csv --template t.yaml --parallel 1", want: 1},
		{cli: "hires.csv --template t.yaml --parallel 32", want: 32},
		{cli: "hires.csv --template t.yaml --parallel 0", wantErr: "--parallel must be between 1 and 32 (got 0); the default is 8"},
		{cli: "hires.csv --template t.yaml --parallel -3", wantErr: "--parallel must be between 1 and 32 (got -3)"},
		{cli: "hires.csv --template t.yaml --parallel 33", wantErr: "--parallel must be between 1 and 32 (got 33)"},
	} {
		t.Run(tc.cli, func(t *testing.T) {
			got, err := cmdtest.Parse(cmdtest.Factory(factory.Globals{}, nil), newCmdApply, tc.cli)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Fatalf("error = %v (exit %d), want exit 2 saying %q", err, cmdutil.ExitCode(err), tc.wantErr)
				}
				if got != nil {
					t.Error("the command ran")
				}
				return
			}
			if err != nil || got.Parallel != tc.want {
				t.Fatalf("err %v, parallel %+v, want %d", err, got, tc.want)
			}
		})
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 accounts", 1: "1 account", 2: "2 accounts"} {
		if got := count(n, "account"); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestRunErrorUnreachable: rows not attempted because the DC went away make the run partial
// (exit 4) when others were done, a failure (exit 1) when none was, and the summary says how
// many were left and that the same command finishes them.
func TestRunErrorUnreachable(t *testing.T) {
	const why = "not attempted: the domain controller is unreachable (first seen on row 3: the connection to the domain controller was lost); re-run the same command to finish"
	some := []onboarding.Result{
		{Row: 2, Status: onboarding.StatusCreated},
		{Row: 3, Status: onboarding.StatusFailed, Error: "create account x: the connection to the domain controller was lost"},
		{Row: 4, Status: onboarding.StatusNotAttempted, Error: why},
		{Row: 5, Status: onboarding.StatusNotAttempted, Error: why},
	}
	err := runError(some, nil)
	var partial *cmdutil.PartialError
	if !errors.As(err, &partial) || cmdutil.ExitCode(err) != cmdutil.ExitPartial || partial.Failed != 3 {
		t.Errorf("some done: %v (exit %d), want exit 4 with 3 of 4 failed", err, cmdutil.ExitCode(err))
	}
	note := unreachableNote(some)
	if note != "stopped: 2 rows not attempted because the domain controller is unreachable (first seen on row 3: "+
		"the connection to the domain controller was lost); re-run the same command to finish once it answers again. "+
		"The re-run skips the rows already done and creates no account twice." {
		t.Errorf("note = %q", note)
	}
	none := some[1:]
	err = runError(none, nil)
	if cmdutil.ExitCode(err) != cmdutil.ExitFailed || !strings.Contains(err.Error(), "domain controller unreachable: no row was completed (1 failed, 2 rows not attempted)") ||
		!strings.Contains(err.Error(), "re-run the same command to finish") {
		t.Errorf("none done: %v (exit %d), want exit 1", err, cmdutil.ExitCode(err))
	}
	if n := unreachableNote(some[:2]); n != "" {
		t.Errorf("note without unattempted rows: %q", n)
	}
	one := []onboarding.Result{some[0], some[3]}
	if n := unreachableNote(one); !strings.HasPrefix(n, "stopped: 1 row not attempted") {
		t.Errorf("note = %q", n)
	}
}

func TestNewCmdApplyPlanFlag(t *testing.T) {
	for _, tc := range []struct {
		cli, wantErr string
	}{
		{cli: "--plan hires.plan"},
		{cli: "--plan hires.plan hires.csv", wantErr: "give no CSV file and no --template"},
		{cli: "--plan hires.plan --template t.yaml", wantErr: "give no CSV file and no --template"},
		{cli: "--template t.yaml", wantErr: "CSV"},
	} {
		t.Run(tc.cli, func(t *testing.T) {
			f := cmdtest.Factory(factory.Globals{}, nil)
			got, err := cmdtest.Parse(f, newCmdApply, tc.cli)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Fatalf("error = %v (exit %d), want exit 2 saying %q", err, cmdutil.ExitCode(err), tc.wantErr)
				}
				return
			}
			if err != nil || got.Plan != "hires.plan" || got.CSV != "" {
				t.Fatalf("err %v, opts %+v: want the plan and no CSV", err, got)
			}
		})
	}
}
