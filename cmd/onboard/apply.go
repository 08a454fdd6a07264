package onboard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/cmd/plancmd"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/password"
	"github.com/adkit-dev/adkit/internal/progress"
	"github.com/adkit-dev/adkit/internal/secret"
	"github.com/adkit-dev/adkit/onboarding"
)

// applier is what apply needs from a directory: planning lookups and the changes.
type applier interface {
	onboarding.Directory
	onboarding.Provisioner
	Server() string
}

type applyOptions struct {
	IO             *iostreams.IOStreams
	Dir            func(context.Context) (applier, error)
	Trail          func() (*audit.Trail, error)
	Confirmer      cmdutil.Confirmer
	Format         output.Format
	CSV            string
	Template       string
	Parallel       int
	CredentialsOut string
	ResultsOut     string
	// Excel: start --credentials-out and --results-out with a UTF-8 byte-order mark so that
	// Excel shows accents; nil decides from the HR file (see excelFiles).
	Excel  *bool
	Yes    bool
	DryRun bool
	Entra  entraStep // the cloud half (entra.go)
	// Alongside signs in to Entra ID beside AD (entra.mode: hybrid), once per run: the plan
	// checks the cloud groups and licences with it, the cloud step grants them. Nil: no
	// check.
	Alongside   func(context.Context) (hybridCloud, error)
	SyncTimeout time.Duration // --sync-timeout; negative: the template's
	// Plan is --plan: apply this saved plan instead of planning (plansave.go).
	Plan   string
	Policy func() (plancmd.Policy, error)
	Now    func() time.Time
	DirFor func(context.Context, *onboarding.Template) (applier, error)
	// UsePlan makes every audit record of the run name the plan's hash.
	UsePlan func(sha256, ticket string)
}

func newCmdApply(f *factory.Factory, runF func(*applyOptions) error) *cobra.Command {
	opts := &applyOptions{
		IO: f.IO, Trail: f.Trail, Confirmer: f.Prompter,
	}
	opts.Now, opts.Policy = f.Now, func() (plancmd.Policy, error) { return plancmd.PolicyOf(f) }
	opts.UsePlan = func(h, ticket string) {
		f.Globals.Plan = h
		if f.Globals.Ticket == "" { // the change ticket the plan was made and approved under
			f.Globals.Ticket = ticket
		}
	}
	opts.Dir = func(ctx context.Context) (applier, error) { return onboardDirectory[applier](ctx, f, opts.Template) }
	opts.DirFor = func(ctx context.Context, tpl *onboarding.Template) (applier, error) {
		return onboardDirectoryFor[applier](ctx, f, tpl)
	}
	opts.Alongside = onceAlongside(f)
	opts.Entra = newEntraStep(f, f.IO, &opts.SyncTimeout, opts.Alongside)
	var excel bool
	cmd := &cobra.Command{
		Use:   "apply CSV --template FILE --credentials-out FILE",
		Short: "Create the accounts, set their groups and managers; safe to re-run",
		Long: `Create an account for every new hire in the file, with a generated password that the
domain's policy accepts, must-change at first logon, its groups, manager and (for
contractors) expiry. Rows run --parallel at a time; a failed row does not stop the others
(exit 4).

Initial passwords go to --credentials-out (mode 0600, appended to, each written before its
account is created so that none is ever lost), never to the audit log; '-' prints them on
stdout. Lines carry the HR file's row, employee ID and run, in row order once the run ends;
the last line for an account holds its password (a re-run takes back the lines of
interrupted runs that made nothing). --results-out: one line per row.

When the HR file came from Excel or Windows (a byte-order mark, UTF-16 or Windows-1252), both
files start with a UTF-8 byte-order mark too, so Excel shows "Siobhán" (not "SiobhÃ¡n").

Safe to re-run: rows whose employee ID already has an account are not created again, and
their missing group memberships are added, so a run that was interrupted finishes the job.
If the domain controller becomes unreachable, no new row is started and the rest are
reported as not attempted: run the same command again once it answers.

With --plan PLAN (written by 'onboard plan --out'), no CSV or template is read: the saved
plan is applied exactly, or refused (exit 2, nothing changed, the rows listed) when it was
edited, is too old, lacks approvals or the directory changed under a row (docs/plan-file.md).`,
		Example: `  adkit onboard apply new-hires.csv --template onboarding.yaml \
      --credentials-out creds.csv --results-out results.csv --ticket HR-2026-47
  adkit onboard apply --plan hires.plan --credentials-out creds.csv --ticket CHG-2041`,
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.Plan != "" {
				if len(args) > 0 || opts.Template != "" {
					return cmdutil.FlagErrorf("--plan applies a saved plan, which holds its CSV rows and template: give no CSV file and no --template")
				}
				return nil
			}
			return cmdutil.ExactArgs(1, "CSV: the HR file (or - for standard input)")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if opts.Parallel < 1 || opts.Parallel > onboarding.MaxParallel {
				return cmdutil.FlagErrorf("--parallel must be between 1 and %d (got %d); the default is %d",
					onboarding.MaxParallel, opts.Parallel, onboarding.DefaultParallel)
			}
			opts.Yes, opts.DryRun = f.Globals.Yes, f.Globals.DryRun
			if cmd.Flags().Changed("excel") {
				opts.Excel = &excel
			}
			if len(args) > 0 {
				opts.CSV = args[0]
			}
			return cmdutil.Run(cmd.Context(), opts, runF, applyRun)
		},
	}
	cmd.Flags().StringVar(&opts.Template, "template", "", "onboarding template (YAML; every key: docs/onboarding-template.md)")
	cmd.Flags().IntVar(&opts.Parallel, "parallel", onboarding.DefaultParallel, "rows worked on at once")
	cmd.Flags().StringVar(&opts.CredentialsOut, "credentials-out", "", "append new accounts' initial passwords to FILE (mode 0600); '-' for stdout")
	cmd.Flags().StringVar(&opts.ResultsOut, "results-out", "", "write one result line per input row to FILE (CSV)")
	cmd.Flags().StringVar(&opts.Plan, "plan", "", "apply this saved plan (onboard plan --out) exactly, instead of a CSV file")
	cmd.Flags().BoolVar(&excel, "excel", false, "start --credentials-out and --results-out with a UTF-8 byte-order mark, for Excel (default: when the HR file came from Excel)")
	cmd.Flags().DurationVar(&opts.SyncTimeout, "sync-timeout", -1, "entra.mode hybrid: how long to wait for Entra Connect (default: the template's entra.sync_timeout, else 10m)")
	// -1 stands for "not given"; help shows the default in words above, not as "-1ns".
	cmd.Flags().Lookup("sync-timeout").DefValue = "0s"
	return cmd
}

func applyRun(ctx context.Context, opts *applyOptions) error {
	var in *input
	var saved *plancmd.Opened
	var err error
	if opts.Plan != "" {
		saved, in, err = openSavedPlan(opts)
	} else {
		in, err = readInput(opts.IO.In, opts.CSV, opts.Template)
	}
	if err != nil {
		return err // bad input or a refused plan: exit 2, nothing written
	}
	// Lock the credentials file before planning: a second run of the same file then waits
	// and plans against the accounts the first one made, instead of a stale picture.
	excel := excelFiles(opts.Excel, in.Sheet)
	var creds *credentialsFile
	if opts.CredentialsOut != "" && !opts.DryRun {
		if creds, err = openCredentials(opts.CredentialsOut, opts.IO.Out, in.Template.Entra.WantsTAP(), excel, func(s string) {
			fmt.Fprintln(opts.IO.ErrOut, s)
		}); err != nil {
			return err
		}
		defer func() {
			// Every password is in the file already; only its order is at stake here.
			if err := creds.Close(); err != nil {
				fmt.Fprintf(opts.IO.ErrOut, "warning: %s keeps its lines in the order the accounts were made (its row column gives the HR file's order): %v\n", opts.CredentialsOut, err)
			}
		}()
	}
	var dir applier
	var p *onboarding.PlanResult
	if saved != nil {
		dir, p, err = checkSavedPlan(ctx, opts, saved, in)
	} else {
		dir, p, err = planInput(ctx, opts.IO, opts.Dir, in)
	}
	if err == nil {
		err = checkCloudNames(ctx, opts.IO, opts.Alongside, in, p)
	}
	if err != nil {
		return err
	}
	counts := p.Counts()
	toCreate := counts[onboarding.ActionCreate]
	if len(p.Entries) > 0 && counts[onboarding.ActionInvalid] == len(p.Entries) {
		// Nothing can change, so nothing is audited (no intent without a change): show
		// each row's reason and exit 2. Apply touches the directory for no invalid row.
		results, err := onboarding.Apply(ctx, p, dir, onboarding.ApplyOptions{Parallel: 1})
		if err != nil {
			return err
		}
		if err := writeResults(opts, excel, results); err != nil {
			return err
		}
		return cmdutil.FlagErrorf("every row is invalid; nothing was created or changed: fix the rows (see the messages above, or run onboard plan) and run apply again")
	}
	if toCreate > 0 && creds == nil && !opts.DryRun {
		return cmdutil.FlagErrorf("%s will be created: say where their initial passwords go with --credentials-out FILE (or '-' for stdout)", count(toCreate, "account"))
	}
	if toCreate > 0 && !opts.Yes && !opts.DryRun && opts.IO.CanPrompt() {
		ok, err := opts.Confirmer.Confirm(fmt.Sprintf("Create %s (%s skipped, %d invalid)?", count(toCreate, "account"),
			count(counts[onboarding.ActionSkip], "row"), counts[onboarding.ActionInvalid]), true)
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.ErrDeclined
		}
	}
	var prov onboarding.Provisioner = dir
	if creds != nil {
		rows := map[string]int{}
		for _, e := range p.Entries {
			if e.Action == onboarding.ActionCreate {
				rows[e.EmployeeID] = e.Row
			}
		}
		prov = recording(dir, creds, rows)
	}
	trail, err := opts.Trail()
	if err != nil {
		return err
	}
	// The run record names whom the directory signed in as. With --device-code that is the
	// technician's UPN, known only after sign-in; the trail from before names the tenant.
	if b, ok := dir.(interface{ BindIdentity() string }); ok && b.BindIdentity() != "" {
		trail = trail.WithBindIdentity(b.BindIdentity())
	}
	if creds != nil {
		// An interrupted earlier run may have left, as an existing account's last line, a
		// password that was never set: the audit log tells, and the line is taken back.
		existing := map[string]bool{}
		for _, e := range p.Entries {
			if e.Action == onboarding.ActionSkip && e.EmployeeID != "" {
				existing[strings.ToLower(e.EmployeeID)] = true
			}
		}
		if err := creds.reconcile(ctx, trail, existing, func(s string) { fmt.Fprintln(opts.IO.ErrOut, s) }); err != nil {
			return err
		}
	}

	bar := progress.New(opts.IO.ErrOut, opts.IO.CanRedrawStderr(), len(p.Entries), "onboard")
	var results []onboarding.Result
	runOp := audit.Operation{
		Action: "onboard.run", Directory: kindOf(dir), Server: dir.Server(), Target: audit.Target{Name: opts.CSV},
		Changes: []audit.Change{
			{Attribute: "rows", After: len(p.Entries)}, {Attribute: "create", After: toCreate},
			{Attribute: "skip", After: counts[onboarding.ActionSkip]}, {Attribute: "invalid", After: counts[onboarding.ActionInvalid]},
		},
	}
	if saved != nil { // the run names the plan it carried out, by hash, and who approved it
		runOp.Target.Name = saved.Path
		runOp.Changes = append(runOp.Changes, saved.RunChanges()...)
	}
	// The run record brackets the per-account records: intent before the first, outcome after
	// the last, with the tally. In a dry run the trail does not call the function, so the
	// dry run's per-account records are made by calling Apply outside it.
	apply := func(ctx context.Context) error {
		if creds != nil { // its lines name this run's record, for a later run's reconcile
			creds.setRun(audit.OperationID(ctx))
		}
		// Rows with cloud work (groups, licences, a pass) get their progress line once the
		// cloud step has said how they ended: before, a row whose account was made and whose
		// membership, licence or pass then failed read "created" there, "failed" in the
		// table and the results.
		var waiting []int // rows
		var work map[int]bool
		if opts.Entra != nil {
			work = cloudWork(in.Template, p)
			defer func() { lineAfterCloud(bar, waiting, results) }()
		}
		var err error
		results, err = onboarding.Apply(ctx, p, prov, onboarding.ApplyOptions{
			Parallel: opts.Parallel,
			Passwords: func(n int) (secret.Secret, error) {
				s, err := password.GenerateAs(in.Template.Password.Format, n)
				return secret.New(s), err
			},
			Progress: func(r onboarding.Result) {
				if r.Status == onboarding.StatusNotAttempted && r.Error == "not started: interrupted" {
					return // the interrupt is said once, at the end, with the count
				}
				if heldForCloud(work, r) {
					waiting = append(waiting, r.Row)
					return
				}
				bar.Done(r.Status, describe(r))
			},
		})
		if err == nil && opts.Entra != nil {
			results, err = opts.Entra(ctx, dir, in.Template, p, results, creds)
		}
		if err != nil && errors.Is(ctx.Err(), context.Canceled) && results != nil {
			return interruptedRun{summary: interruptSummary(results)}
		}
		return runError(results, err)
	}
	if opts.DryRun {
		if err := trail.Do(ctx, runOp, apply); err != nil && !errors.Is(err, audit.ErrSkipped) {
			return err
		}
		err = apply(ctx)
	} else {
		err = trail.Do(ctx, runOp, apply)
	}
	bar.Finish()
	if results != nil {
		if werr := writeResults(opts, excel, results); werr != nil {
			return werr
		}
		var ir interruptedRun
		if errors.As(err, &ir) {
			// Said once, here, with what to do; the rows' lines do not repeat it.
			fmt.Fprintf(opts.IO.ErrOut, "interrupted (Ctrl-C): %s. Run the same command again to finish: "+
				"it skips what is done, creates no account twice and settles in the audit log what was under way.\n", ir.summary)
			return ir
		}
		if note := unreachableNote(results); note != "" {
			fmt.Fprintln(opts.IO.ErrOut, note)
		}
	}
	return err
}

// interruptedRun is a bulk run the technician stopped (Ctrl-C). Its summary has been said on
// stderr already, so the error is silent; it is still an interruption (context.Canceled).
type interruptedRun struct{ summary string }

func (e interruptedRun) Error() string   { return "interrupted: " + e.summary }
func (e interruptedRun) Unwrap() []error { return []error{cmdutil.ErrSilent, context.Canceled} }

// interruptSummary counts what an interrupted run did: rows finished, rows under way when
// it was interrupted, rows not started.
func interruptSummary(results []onboarding.Result) string {
	var done, underWay, notStarted int
	for _, r := range results {
		switch r.Status {
		case onboarding.StatusInterrupted:
			underWay++
		case onboarding.StatusNotAttempted:
			notStarted++
		case onboarding.StatusInvalid, onboarding.StatusFailed:
		default:
			done++
		}
	}
	s := fmt.Sprintf("%s done, %s not started", count(done, "row"), count(notStarted, "row"))
	if underWay > 0 {
		s += fmt.Sprintf(", %s stopped under way (see their lines)", count(underWay, "row"))
	}
	return s
}

// runError turns row failures into the spec's exit codes: 4 when some rows failed, 2 when
// every row was invalid input, 1 when none succeeded. Rows not attempted because the domain
// controller became unreachable count as failed, and the message says to re-run.
func runError(results []onboarding.Result, err error) error {
	if err != nil {
		return err
	}
	var failed, invalid, notAttempted, pending, ok int
	for _, r := range results {
		switch r.Status {
		case onboarding.StatusPending:
			pending++
		case onboarding.StatusFailed:
			failed++
		case onboarding.StatusInvalid:
			invalid++
		case onboarding.StatusNotAttempted, onboarding.StatusInterrupted:
			notAttempted++
		default:
			ok++
		}
	}
	switch {
	case pending > 0 && notAttempted == 0: // made in AD, waiting for Entra Connect: a re-run finishes them
		return &cmdutil.PartialError{Failed: failed + invalid + pending, Total: len(results)}
	case failed+invalid+notAttempted == 0:
		return nil
	case ok == 0 && failed+notAttempted == 0:
		return cmdutil.FlagErrorf("every row is invalid; nothing was created (see the messages above, or run onboard plan)")
	case notAttempted > 0 && ok == 0:
		return fmt.Errorf("domain controller unreachable: no row was completed (%d failed, %s not attempted); "+
			"once it answers again, re-run the same command to finish", failed, count(notAttempted, "row"))
	case ok == 0:
		// Exit 4 means some rows succeeded; when none did, the run failed.
		return fmt.Errorf("every row failed (%d failed, %d invalid); fix the cause above and run apply again", failed, invalid)
	default:
		return &cmdutil.PartialError{Failed: failed + invalid + notAttempted + pending, Total: len(results)}
	}
}

// unreachableNote is the summary a stressed admin needs when the DC went away mid-run: how
// many rows were left, why, and that the same command finishes them.
func unreachableNote(results []onboarding.Result) string {
	n, first := 0, ""
	for _, r := range results {
		if r.Status == onboarding.StatusNotAttempted {
			if n++; first == "" {
				first = strings.TrimPrefix(r.Error, "not attempted: ")
			}
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("stopped: %s not attempted because %s once it answers again. The re-run skips the rows already done and creates no account twice.",
		count(n, "row"), first)
}

// count says "1 account", "2 accounts".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func describe(r onboarding.Result) string {
	s := fmt.Sprintf("row %d %s", r.Row, r.SAMAccountName)
	if r.SAMAccountName == "" {
		s = fmt.Sprintf("row %d (employee ID %s)", r.Row, r.EmployeeID)
	}
	if r.Status == onboarding.StatusNotAttempted && r.Error == "not started: interrupted" {
		s += ": not started (interrupted)" // what to do is said once, at the end
	} else if r.Status == onboarding.StatusNotAttempted {
		s += ": not attempted" // the reason is said once, at the end
	} else if r.Error != "" {
		s += ": " + r.Error
	} else if len(r.GroupsAdded) > 0 {
		s += " +" + strings.Join(r.GroupsAdded, ", +")
	}
	return s
}

// excelFiles says whether the files written for people start with a UTF-8 byte-order mark:
// as --excel says, else when the HR file came from Excel or Windows — a byte-order mark
// (Excel's "CSV UTF-8", "Unicode Text") or the Windows code page (Excel's plain "CSV") —
// because the people who sent it will open the credentials and results in Excel too.
func excelFiles(flag *bool, sheet *onboarding.Sheet) bool {
	if flag != nil {
		return *flag
	}
	if sheet == nil { // a saved plan: the HR file is not read again, only its rows
		return false
	}
	return sheet.BOM || sheet.Encoding != onboarding.EncodingUTF8
}

func writeResults(opts *applyOptions, excel bool, results []onboarding.Result) error {
	if opts.ResultsOut != "" {
		file, err := os.Create(opts.ResultsOut)
		if err != nil {
			return fmt.Errorf("results file: %w", err)
		}
		if excel {
			if _, err := file.Write(utf8BOM); err != nil {
				file.Close()
				return fmt.Errorf("results file: %w", err)
			}
		}
		if err := onboarding.WriteResultsCSV(file, results); err != nil {
			file.Close()
			return err
		}
		if err := file.Close(); err != nil {
			return fmt.Errorf("results file: %w", err)
		}
	}
	if opts.CredentialsOut == "-" {
		return nil // stdout holds the credentials the person asked for; keep it clean
	}
	t := output.Table{Header: []string{"Row", "Status", "Username", "DN", "Detail"}}
	for _, r := range results {
		detail := rowDetail(r)
		t.AddRow(strconv.Itoa(r.Row), r.Status, r.SAMAccountName, r.DN, detail)
	}
	return output.Print(opts.IO, opts.Format, t, results)
}
