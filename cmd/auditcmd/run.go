package auditcmd

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/audit/check"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type runOptions struct {
	IO        *iostreams.IOStreams
	Load      inventoryLoader
	LoadEntra entraLoader
	Now       func() time.Time
	Verbose   bool
	// Target is the directory audited: "ad" or "entra".
	Target string
	// Named: the checks were named with --check, so one that cannot run is an error.
	Named bool

	Format    output.Format
	Checks    []check.Check
	StaleDays int
	Baseline  *check.Snapshot
	// FailOn is the --fail-on threshold; zero when not given (never fail on findings).
	FailOn check.Severity
}

// runFlags are the flag values before they are checked and turned into runOptions.
type runFlags struct {
	checks   []string
	baseline string
	failOn   string
}

func newCmdRun(f *factory.Factory, runF func(*runOptions) error) *cobra.Command {
	opts := &runOptions{IO: f.IO, Load: loadFromAD(f), LoadEntra: loadFromEntra(f), Now: f.Now}
	var fl runFlags
	cmd := &cobra.Command{
		Use:   "run [flags]",
		Short: "Run the checks and report the findings",
		Long: `Run the checks (all of them, or those named with --check) against the domain and report
each finding with its severity, why it matters, how to fix it and the accounts involved;
members of privileged groups come with the chain of groups they hold them through.

With --target entra the Entra ID checks run against the tenant (see 'adkit audit checks
--target entra'), in one paged read per collection. Checks whose data the app may not read
(sign-in activity and the MFA registration report need AuditLog.Read.All) are skipped with a
warning naming the permission; with --check or --fail-on that is an error (exit 1).

The audit only reads. It makes a handful of paged searches for the whole domain and
resolves group nesting in memory, so its cost does not grow with round trips per account.

Formats: a table (on a terminal; plain tab-separated rows when piped), json, csv,
markdown (for a ticket) and html (one self-contained file with a chart and expandable
findings). With --fail-on, exit code 5 says that there are findings at or above that
severity, for CI and scheduled jobs.`,
		Example: `  adkit audit run
  adkit audit run -o html > audit.html
  adkit audit run --check kerberoastable --check asrep-roastable -o json
  adkit audit run --baseline baseline.json --fail-on high
  adkit audit run --target entra --fail-on high -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.complete(f, fl); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, auditRun)
		},
	}
	flags := cmd.Flags()
	flags.StringSliceVar(&fl.checks, "check", nil, "run only this check `ID` (repeatable; see 'adkit audit checks')")
	flags.IntVar(&opts.StaleDays, "stale-days", check.DefaultStaleDays, "accounts without a logon for more than `N` days are stale")
	flags.StringVar(&fl.baseline, "baseline", "", "compare privileged memberships and flags with this snapshot `FILE` (from 'adkit audit snapshot')")
	flags.StringVar(&fl.failOn, "fail-on", "", "exit with code 5 when a finding is at or above `SEVERITY`: low, medium, high or critical")
	return cmd
}

// complete checks the flags and reads the baseline, so that bad input fails before the
// directory is touched.
func (o *runOptions) complete(f *factory.Factory, fl runFlags) error {
	var err error
	if o.Format, err = f.Globals.Format(output.FormatTable, output.FormatJSON, output.FormatCSV, output.FormatMarkdown, output.FormatHTML); err != nil {
		return err
	}
	o.Verbose = f.Globals.Verbose
	if o.Target, err = f.Target(); err != nil {
		return err
	}
	o.Named = len(fl.checks) > 0
	selectChecks := check.Select
	if o.Target == "entra" {
		selectChecks = check.SelectEntra
	}
	if o.Checks, err = selectChecks(fl.checks); err != nil {
		return &cmdutil.FlagError{Err: fmt.Errorf("--check: %w", err)}
	}
	if o.StaleDays < 0 {
		return cmdutil.FlagErrorf("--stale-days takes a number of days, 0 or more")
	}
	if fl.failOn != "" {
		if o.FailOn, err = check.ParseSeverity(fl.failOn); err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("--fail-on: %w", err)}
		}
	}
	if fl.baseline != "" {
		if o.Baseline, err = readSnapshotFile(fl.baseline); err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("--baseline: %w", err)}
		}
		if err := checkSnapshotTarget(o.Baseline, o.Target); err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("--baseline %s: %w", fl.baseline, err)}
		}
	}
	for _, c := range o.Checks {
		// Asked for by name, a check that cannot run must not pass silently.
		if c.NeedsBaseline && o.Baseline == nil && len(fl.checks) > 0 {
			return cmdutil.FlagErrorf("--check %s compares with a snapshot: give one with --baseline FILE", c.ID)
		}
	}
	return nil
}

func auditRun(ctx context.Context, opts *runOptions) error {
	if opts.Target == "entra" {
		return entraAuditRun(ctx, opts)
	}
	inv, err := opts.Load(ctx, check.LoadOptions{ACLs: check.NeedACLs(opts.Checks)})
	if err != nil {
		return err
	}
	for _, w := range inv.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", w)
	}
	if opts.Verbose {
		fmt.Fprintln(opts.IO.ErrOut, describeLoad(inv))
	}
	report := check.Run(inv, opts.Checks, check.Options{StaleDays: opts.StaleDays, Now: opts.Now(), Baseline: opts.Baseline})
	if err := writeReport(opts, report); err != nil {
		return err
	}
	return finishRun(opts, report)
}

// entraAuditRun reads the tenant and runs the Entra ID checks. Checks whose data the app may
// not read are skipped with a warning; when the checks were named or --fail-on decides the
// exit code, a check that could not run is an error instead, after the report is written.
func entraAuditRun(ctx context.Context, opts *runOptions) error {
	inv, err := opts.LoadEntra(ctx, check.EntraLoadOptionsFor(opts.Checks))
	if err != nil {
		return err
	}
	for _, w := range inv.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", w)
	}
	if opts.Verbose {
		fmt.Fprintln(opts.IO.ErrOut, describeEntraLoad(inv))
	}
	report, skipped := check.RunEntra(inv, opts.Checks, check.Options{StaleDays: opts.StaleDays, Now: opts.Now(), Baseline: opts.Baseline})
	strict := opts.Named || opts.FailOn > 0
	var reasons []string
	for _, sk := range skipped {
		if !strict {
			fmt.Fprintf(opts.IO.ErrOut, "warning: check %s did not run: %s\n", sk.Check, sk.Reason)
		}
		if !slices.Contains(reasons, sk.Reason) {
			reasons = append(reasons, sk.Reason)
		}
	}
	if err := writeReport(opts, report); err != nil {
		return err
	}
	if strict && len(skipped) > 0 {
		ids := make([]string, len(skipped))
		for i, sk := range skipped {
			ids[i] = sk.Check
		}
		return fmt.Errorf("%d check(s) could not run (%s): %s", len(skipped), strings.Join(ids, ", "), strings.Join(reasons, "; "))
	}
	return finishRun(opts, report)
}

// finishRun applies --fail-on to a written report.
func finishRun(opts *runOptions, report *check.Report) error {
	if opts.FailOn > 0 {
		if n := report.AtLeast(opts.FailOn); n > 0 {
			return &cmdutil.FindingsError{Count: n, Threshold: opts.FailOn.String()}
		}
	}
	return nil
}

func writeReport(opts *runOptions, r *check.Report) error {
	out := opts.IO.Out
	switch opts.Format {
	case output.FormatJSON:
		return output.WriteJSON(out, r)
	case output.FormatCSV:
		return output.WriteCSV(out, r.CSV())
	case output.FormatMarkdown:
		return check.WriteMarkdown(out, r)
	case output.FormatHTML:
		return check.WriteHTML(out, r)
	}
	human := opts.Format == output.FormatTable || opts.IO.IsStdoutTTY()
	if human && len(r.Findings) == 0 {
		_, err := fmt.Fprintf(out, "No findings in %s.\n", r.Directory)
		return err
	}
	if err := output.Print(opts.IO, opts.Format, r.Table(), nil); err != nil {
		return err
	}
	if human {
		_, err := fmt.Fprintf(out, "\n%s: %s. Details: -o html or -o markdown; 'adkit audit checks' explains each check.\n", r.Directory, r.Summary)
		return err
	}
	return nil
}

func readSnapshotFile(path string) (*check.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	defer f.Close()
	snap, err := check.ReadSnapshot(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return snap, nil
}
