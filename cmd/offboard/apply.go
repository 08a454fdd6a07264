package offboard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/cmd/plancmd"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/progress"
	"github.com/adkit-dev/adkit/onboarding"
)

// offboarder is what apply needs from a directory.
type offboarder interface {
	onboarding.LeaverDirectory
	SnapshotLeaver(ctx context.Context, ident string) (*directory.LeaverSnapshot, error)
	Offboard(ctx context.Context, s *directory.LeaverSnapshot, opts directory.OffboardOptions) (directory.OffboardResult, error)
	Server() string
}

type applyOptions struct {
	IO  *iostreams.IOStreams
	Dir func(context.Context) (offboarder, error)
	// Mode decides AD only, hybrid or cloud-only from the template (entra.go); nil: AD only.
	Mode func(template string) (string, error)
	// Entra signs in to Entra ID alongside AD (hybrid); Cloud is the directory of a cloud-only run.
	Entra       func(context.Context) (cloudDirectory, error)
	Cloud       func(context.Context) (cloudOnlyDirectory, error)
	Trail       func() (*audit.Trail, error)
	Confirmer   cmdutil.Confirmer
	Now         func() time.Time
	Format      output.Format
	Source      sourceOptions
	ResultsOut  string
	SnapshotDir string
	Ticket      string
	Yes         bool
	DryRun      bool
	// Plan is --plan: a saved plan (offboard plan --out) to apply exactly (plansave.go).
	Plan    string
	Policy  func() (plancmd.Policy, error)
	UsePlan func(sha256, ticket string) // every audit record of the run names the plan's hash
}

func newCmdApply(f *factory.Factory, runF func(*applyOptions) error) *cobra.Command {
	opts := &applyOptions{
		IO: f.IO, Trail: f.Trail, Confirmer: f.Prompter, Now: f.Now,
		Dir:   func(ctx context.Context) (offboarder, error) { return f.AD(ctx) },
		Mode:  func(tpl string) (string, error) { return entraMode(f, tpl) },
		Entra: func(ctx context.Context) (cloudDirectory, error) { return f.EntraAlongside(ctx) },
		Cloud: func(ctx context.Context) (cloudOnlyDirectory, error) { return f.Entra(ctx) },
	}
	opts.Policy = func() (plancmd.Policy, error) { return plancmd.PolicyOf(f) }
	opts.UsePlan = func(h, ticket string) {
		f.Globals.Plan = h
		if f.Globals.Ticket == "" { // the change ticket the plan was made and approved under
			f.Globals.Ticket = ticket
		}
	}
	cmd := &cobra.Command{
		Use:   "apply (CSV | --user USER... | --plan PLAN) [--template FILE] [--results-out FILE] [--snapshot-dir DIR]",
		Short: "Offboard the leavers, saving a snapshot of each account first; safe to re-run",
		Long: `Offboard every leaver the plan says to: disable the account, set a random password nobody is
told, remove it from its groups except the kept ones (its primary group stays: AD requires
one), stamp its description, and move it to the leavers OU (as "Maria Garcia (mgarcia)"
when another "Maria Garcia" is already there). Each step is its own audit record.

Before an account is touched, a snapshot of it (DN, OU, groups, manager, flags, description)
is saved to --snapshot-dir as <username>-<time>.json, mode 0600, in a directory only you can
read. An account whose snapshot cannot be saved is not changed. A re-run for an account
whose offboarding is under way keeps the snapshot taken before any change. 'offboard restore' puts a
rehire back from that file.

Offboarding is destructive: without a terminal to ask on, --yes is required. A failed
account does not stop the others (exit 4). Safe to re-run: steps already done are skipped,
so a run that stopped half way (Ctrl-C, a lost connection) finishes the job.

With --plan PLAN (written by 'offboard plan --out'), the saved leavers and rules are used:
the leavers are looked up again and each row must come out exactly as planned (the same
account, the same groups to remove, the same state), else the rows that differ are listed
and nothing is changed (exit 2). A plan edited after it was written, older than the
profile's plan_max_age (default 7 days), or without the approvals the profile's
require_approval / min_approvers ask for, is refused the same way.`,
		Example: `  adkit offboard apply leavers.csv --template onboarding.yaml --ticket HR-2026-48 --results-out done.csv
  adkit offboard apply --user jdoe --disabled-ou OU=Leavers,DC=corp,DC=example,DC=com --ticket INC-1234
  adkit offboard apply leavers.csv --template onboarding.yaml --dry-run
  adkit offboard apply --plan leavers.plan --ticket CHG-2042 --yes`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if opts.Plan != "" {
				if len(args) > 0 || len(opts.Source.Users) > 0 || opts.Source.Template != "" || opts.Source.DisabledOU != "" || cmd.Flags().Changed("keep-group") {
					return usageErrorf("--plan applies a saved plan, which holds its leavers and rules: give no CSV file, --user, --template, --disabled-ou or --keep-group")
				}
			} else if err := opts.Source.complete(cmd, args); err != nil {
				return err
			}
			opts.Yes, opts.DryRun, opts.Ticket = f.Globals.Yes, f.Globals.DryRun, f.Globals.Ticket
			if opts.SnapshotDir == "" {
				if opts.SnapshotDir, err = defaultSnapshotDir(f.Getenv); err != nil {
					return err
				}
			}
			return cmdutil.Run(cmd.Context(), opts, runF, applyRun)
		},
	}
	opts.Source.addFlags(cmd)
	cmd.Flags().StringVar(&opts.Plan, "plan", "", "apply this saved plan (offboard plan --out) exactly, instead of a CSV file or --user")
	cmd.Flags().StringVar(&opts.ResultsOut, "results-out", "", "write one result line per leaver to FILE (CSV)")
	cmd.Flags().StringVar(&opts.SnapshotDir, "snapshot-dir", "", "save the accounts' snapshots here (default $XDG_STATE_HOME/adkit/leavers)")
	return cmd
}

func applyRun(ctx context.Context, opts *applyOptions) error {
	opts.Source.snapshotDir = opts.SnapshotDir // a leaver's first snapshot says when its offboarding began
	opts.Source.trail = opts.Trail             // and the audit log whether an earlier run revoked
	var prep *prepared[offboarder]
	var saved *plancmd.Opened
	var err error
	if opts.Plan != "" {
		var in *input
		var mode string
		if saved, in, mode, err = openSavedPlan(opts); err != nil {
			return err
		}
		if opts.Ticket == "" { // the description stamp names the plan's ticket, as the records do
			opts.Ticket = saved.Ticket
		}
		if prep, err = prepareFrom(ctx, opts.IO, &opts.Source, in, mode, opts.Dir, opts.Entra, opts.Cloud); err != nil {
			return err
		}
		if err := checkSavedPlan(opts, saved, prep); err != nil {
			return err
		}
	} else if prep, err = prepare(ctx, opts.IO, &opts.Source, opts.Mode, opts.Dir, opts.Entra, opts.Cloud); err != nil {
		return err
	}
	in, dir, cloud, p, cps, mode := prep.in, prep.dir, prep.cloud, prep.plan, prep.cloudPlans, prep.mode
	if err := confirm(opts, p); err != nil {
		return err
	}
	counts := p.Counts()
	a := &applier{dir: dir, dryRun: opts.DryRun, cloudDir: cloud, cloud: map[int]*cloudPlan{},
		opts: directory.OffboardOptions{DisabledOU: p.DisabledOU, KeepGroups: in.Rules.KeepGroups, Ticket: opts.Ticket, Now: opts.Now()}}
	if counts[onboarding.ActionOffboard] > 0 && !opts.DryRun {
		store, err := openSnapshotStore(opts.SnapshotDir)
		if err != nil {
			return err // nothing can be offboarded safely without a place for the snapshots
		}
		a.store = store
	}
	for i, c := range cps {
		if c != nil {
			a.cloud[p.Entries[i].Row] = c
		}
	}
	trail, err := opts.Trail()
	if err != nil {
		return err
	}
	kind := audit.DirectoryAD
	if mode == modeCloud {
		kind = audit.DirectoryEntra
	}

	bar := progress.New(opts.IO.ErrOut, opts.IO.CanRedrawStderr(), len(p.Entries), "offboard")
	var results []result
	runOp := audit.Operation{
		Action: "offboard.run", Directory: kind, Server: dir.Server(), Target: audit.Target{Name: in.Label},
		Changes: []audit.Change{
			{Attribute: "leavers", After: len(p.Entries)}, {Attribute: "offboard", After: counts[onboarding.ActionOffboard]},
			{Attribute: "skip", After: counts[onboarding.ActionSkip]}, {Attribute: "invalid", After: counts[onboarding.ActionInvalid]},
			{Attribute: "not_found", After: counts[onboarding.ActionNotFound]},
		},
	}
	if saved != nil { // the run names the plan it carried out, by hash, and who approved it
		runOp.Target.Name = saved.Path
		runOp.Changes = append(runOp.Changes, saved.RunChanges()...)
	}
	// The run record brackets the per-account records: intent before the first, outcome after
	// the last. A dry run's trail does not call the function, so its per-account (dry-run)
	// records are made by calling it outside.
	run := func(ctx context.Context) error {
		results = results[:0]
		// Rows the directory step left "skipped" with Entra ID work still to do (every row of
		// a cloud-only run) get their progress line once the cloud step has said how they
		// ended: before, a leaver offboarded or failed in Entra ID read "skipped" there.
		var waiting []int
		defer func() {
			for _, i := range waiting {
				bar.Done(results[i].Status, results[i].line())
			}
		}()
		for _, e := range p.Entries {
			if errors.Is(ctx.Err(), context.Canceled) {
				// The technician's own act: the rest are not started, and say so.
				r := result{Row: e.Row, EmployeeID: e.EmployeeID, SAMAccountName: e.SAMAccountName, DN: e.DN, Input: e.Input,
					GroupsRemoved: []string{}, Status: statusNotAttempted, Error: "not started: interrupted", err: context.Canceled}
				results = append(results, r)
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			r := a.one(ctx, e)
			if r.err != nil && errors.Is(ctx.Err(), context.Canceled) {
				r.Status = statusInterrupted
				if !errors.Is(r.err, audit.ErrNoAnswer) {
					// Stopped between two steps, not during one: nothing is in doubt.
					r.Error = "interrupted between two steps (the steps before are done, nothing is in doubt); run the same command again to finish"
				}
			}
			if r.Status == statusSkipped && a.cloud[r.Row].work() {
				waiting = append(waiting, len(results))
			} else {
				bar.Done(r.Status, r.line())
			}
			results = append(results, r)
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return interruptedRun{summary: interruptSummary(results)}
		}
		if a.cloudDir != nil {
			a.offboardCloud(ctx, results)
			if errors.Is(ctx.Err(), context.Canceled) {
				return interruptedRun{summary: interruptSummary(results)}
			}
		}
		return runError(results)
	}
	if opts.DryRun {
		if err := trail.Do(ctx, runOp, run); err != nil && !errors.Is(err, audit.ErrSkipped) {
			return err
		}
		err = run(ctx)
	} else {
		err = trail.Do(ctx, runOp, run)
	}
	bar.Finish()
	results = withUnattempted(p.Entries, results)
	if werr := writeResults(opts, results); werr != nil {
		return errors.Join(err, werr)
	}
	var ir interruptedRun
	if errors.As(err, &ir) {
		fmt.Fprintf(opts.IO.ErrOut, "interrupted (Ctrl-C): %s. Run the same command again to finish: "+
			"it skips the steps already done, keeps the snapshots taken before any change, and settles in the audit log what was under way.\n", ir.summary)
	}
	return err
}

// interruptedRun is a run the technician stopped (Ctrl-C). Its summary has been said on
// stderr already, so the error is silent; it is still an interruption (context.Canceled).
type interruptedRun struct{ summary string }

func (e interruptedRun) Error() string   { return "interrupted: " + e.summary }
func (e interruptedRun) Unwrap() []error { return []error{cmdutil.ErrSilent, context.Canceled} }

// interruptSummary counts what an interrupted run did.
func interruptSummary(results []result) string {
	var done, underWay, notStarted int
	for _, r := range results {
		switch {
		case r.Status == statusInterrupted:
			underWay++
		case r.Status == statusNotAttempted:
			notStarted++
		case r.err == nil:
			done++
		}
	}
	s := fmt.Sprintf("%d leaver(s) done, %d not started", done, notStarted)
	if underWay > 0 {
		s += fmt.Sprintf(", %d stopped under way (see their lines)", underWay)
	}
	return s
}

// confirm guards the destructive part: a question on a terminal, --yes without one.
func confirm(opts *applyOptions, p *onboarding.LeaverPlan) error {
	var names []string
	for _, e := range p.Entries {
		if e.Action == onboarding.ActionOffboard {
			names = append(names, e.SAMAccountName)
		}
	}
	if len(names) == 0 || opts.Yes || opts.DryRun {
		return nil
	}
	if !opts.IO.CanPrompt() {
		return cmdutil.FlagErrorf("offboarding %d account(s) disables them and removes their groups: pass --yes when not run from a terminal (or look first with offboard plan or --dry-run)", len(names))
	}
	shown := names
	if len(shown) > 10 {
		shown = append(shown[:10:10], fmt.Sprintf("and %d more", len(names)-10))
	}
	ok, err := opts.Confirmer.Confirm(fmt.Sprintf("Offboard %d account(s): %s (%s)?", len(names), strings.Join(shown, ", "), strings.TrimPrefix(where(p), "; ")), false)
	if err != nil {
		return err
	}
	if !ok {
		return cmdutil.ErrDeclined
	}
	return nil
}

// snapshotSaver keeps the snapshots (a *snapshotStore; a fake in tests).
type snapshotSaver interface {
	write(*directory.LeaverSnapshot) (string, error)
	// first is the account's snapshot taken before its offboarding changed anything.
	first(sam, guid, disabledOU string) (string, *directory.LeaverSnapshot)
}

// applier offboards one planned leaver at a time.
type applier struct {
	dir      offboarder
	cloudDir cloudDirectory     // nil: AD only
	cloud    map[int]*cloudPlan // by row
	store    snapshotSaver      // nil on a dry run: a dry run writes nothing
	opts     directory.OffboardOptions
	dryRun   bool
}

func (a *applier) one(ctx context.Context, e onboarding.LeaverEntry) result {
	r := result{Row: e.Row, EmployeeID: e.EmployeeID, SAMAccountName: e.SAMAccountName, DN: e.DN, Input: e.Input, GroupsRemoved: []string{}}
	switch e.Action {
	case onboarding.ActionSkip:
		r.Status, r.Note = statusSkipped, e.Reason
		return r
	case onboarding.ActionInvalid:
		return r.fail(statusInvalid, &rowError{kind: directory.ErrInvalidInput, reason: e.Reason})
	case onboarding.ActionNotFound:
		return r.fail(statusNotFound, &rowError{kind: directory.ErrNotFound, reason: e.Reason})
	}
	ident := e.DN
	if ident == "" && e.User != nil { // Entra ID
		ident = e.User.ID
	}
	snap, err := a.dir.SnapshotLeaver(ctx, ident)
	if err != nil {
		return r.fail(statusFailed, fmt.Errorf("read %s for its snapshot: %w; the account was not changed", e.SAMAccountName, err))
	}
	if c := a.cloud[e.Row]; c != nil && c.Snapshot != nil && snap.Entra == nil {
		snap.Entra = c.Snapshot // as read before anything changed
	}
	snap.Ticket = a.opts.Ticket
	if a.store != nil {
		// The snapshot taken before any change is the one that counts. An account whose
		// offboarding is under way (a run stopped half way) keeps it: saving its half-done
		// state would give a restore back no groups.
		first, firstSnap := a.store.first(snap.SAMAccountName, snap.ObjectGUID, a.opts.DisabledOU)
		switch {
		case first != "" && offboardingBegun(snap, a.opts.DisabledOU):
			r.Snapshot = first
			r.Note = "offboarding was under way: kept the snapshot taken before it changed anything"
		case first != "" && sameAccountState(firstSnap, snap):
			// A run stopped after saving its snapshot and before its first change: the
			// account is still as that snapshot shows it, and a second copy would only make
			// a restore ask which one.
			r.Snapshot = first
			r.Note = "kept the snapshot an earlier run took of the account as it still is"
		default:
			if r.Snapshot, err = a.store.write(snap); err != nil {
				return r.fail(statusFailed, fmt.Errorf("%w; the account was not changed", err))
			}
			if first != "" {
				r.Note = "an earlier snapshot exists (" + first + "); to undo that earlier offboarding, restore from that one"
			}
		}
	}
	res, err := a.dir.Offboard(ctx, snap, a.opts)
	r.Steps, r.GroupsRemoved = res.Steps, append(r.GroupsRemoved, res.GroupsRemoved...)
	if res.DN != "" {
		r.DN = res.DN
	}
	switch {
	case err != nil:
		return r.fail(statusFailed, err)
	case a.dryRun:
		r.Status = statusWouldOffboard
	case res.Changed():
		r.Status = statusOffboarded
	default:
		r.Status = statusSkipped
		r.Note = strings.TrimPrefix(r.Note+"; nothing was left to do", "; ")
	}
	return r
}
