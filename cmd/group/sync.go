package group

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type groupSyncer interface {
	PlanGroupSync(ctx context.Context, group string, names []string) (directory.GroupSyncPlan, error)
	ApplySyncStep(ctx context.Context, g directory.GroupRef, s directory.SyncStep) (directory.Outcome, error)
}

type syncOptions struct {
	IO        *iostreams.IOStreams
	Groups    func(context.Context) (groupSyncer, error)
	Confirmer cmdutil.Confirmer
	Format    output.Format
	Yes       bool
	DryRun    bool
	Group     string
	Names     []string
}

func newCmdSync(f *factory.Factory, runF func(*syncOptions) error) *cobra.Command {
	opts := &syncOptions{IO: f.IO, Confirmer: f.Prompter,
		Groups: factory.DirectoryFunc[groupSyncer](f)}
	cmd := &cobra.Command{
		Use:   "sync GROUP FILE",
		Short: "Make a group's members exactly the accounts in a list",
		Long: `Make a group's direct membership equal to a list ("this is the team now"): FILE (or "-" for
stdin) names users, groups or computers, one per line, # comments and blank lines ignored
(CSV with a sam_account_name or dn column works too). adkit first shows the plan — who is
added, who is removed, how many stay — then asks (a terminal) or needs --yes (no terminal)
before removing anyone, and applies it, each change audited as group add/remove.
--dry-run shows the plan and changes nothing. Every name must resolve: an unknown or
ambiguous name stops the sync before any change, so a typo never removes someone.
Members through the primary group (Domain Users) are not in the member list and stay.`,
		Example: `  adkit group sync "Project Falcon" team.txt --dry-run
  adkit group sync "Project Falcon" team.txt --ticket INC-1234`,
		Args: cmdutil.ExactArgs(2, "GROUP and FILE (the list of members; - for stdin)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			opts.Group = args[0]
			list := args[1]
			if list != "-" {
				list = "@" + list
			}
			if opts.Names, err = cmdutil.ReadTargets(f.IO.In, []string{list}); err != nil {
				return err
			}
			opts.Yes, opts.DryRun = f.Globals.Yes, f.Globals.DryRun
			return cmdutil.Run(cmd.Context(), opts, runF, syncRun)
		},
	}
	return cmd
}

func syncRun(ctx context.Context, opts *syncOptions) error {
	groups, err := opts.Groups(ctx)
	if err != nil {
		return err
	}
	plan, err := groups.PlanGroupSync(ctx, opts.Group, opts.Names)
	if err != nil {
		return &cmdutil.TargetError{Target: opts.Group, Err: err}
	}
	// The plan is for people; with -o json/csv stdout carries the per-change results only.
	planOut := opts.IO.Out
	if opts.Format == output.FormatJSON || opts.Format == output.FormatCSV {
		planOut = opts.IO.ErrOut
	}
	printPlan(planOut, plan)
	if len(plan.Add)+len(plan.Remove) == 0 {
		// No change to report: scripts still get an empty list (JSON) or the header (CSV).
		return cmdutil.RunChanges(ctx, opts.IO, opts.Format, nil, nil)
	}
	if len(plan.Remove) > 0 && !opts.Yes && !opts.DryRun {
		var names []string
		for _, s := range plan.Remove {
			names = append(names, s.Name)
		}
		if !opts.IO.CanPrompt() {
			return cmdutil.FlagErrorf("the sync of %s removes %d member(s) (%s): pass --yes when not run from a terminal (or look first with --dry-run)",
				plan.Group.SAMAccountName, len(names), cmdutil.NameList(names))
		}
		ok, err := opts.Confirmer.Confirm(fmt.Sprintf("Add %d and remove %d member(s) of %s (removing %s)?",
			len(plan.Add), len(plan.Remove), plan.Group.SAMAccountName, cmdutil.NameList(names)), false)
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.ErrDeclined
		}
	}
	steps := append(append([]directory.SyncStep(nil), plan.Add...), plan.Remove...)
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.DN
	}
	next := 0
	return cmdutil.RunChanges(ctx, opts.IO, opts.Format, names, func(ctx context.Context, _ string) (cmdutil.Outcome, error) {
		s := steps[next]
		next++
		o, err := groups.ApplySyncStep(ctx, plan.Group, s)
		return cmdutil.FromAD(o), err
	})
}

func printPlan(w io.Writer, p directory.GroupSyncPlan) {
	fmt.Fprintf(w, "Plan for %s: add %d, remove %d, keep %d\n", p.Group.SAMAccountName, len(p.Add), len(p.Remove), p.Keep)
	for _, s := range p.Add {
		fmt.Fprintf(w, "  + %s (%s)  %s\n", s.Name, s.Class, s.DN)
	}
	for _, s := range p.Remove {
		fmt.Fprintf(w, "  - %s (%s)  %s\n", s.Name, s.Class, s.DN)
	}
	if len(p.Add)+len(p.Remove) == 0 {
		fmt.Fprintf(w, "  already in sync: nothing to change\n")
	}
}
