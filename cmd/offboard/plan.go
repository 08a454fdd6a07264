package offboard

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/cmd/plancmd"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/planfile"
	"github.com/adkit-dev/adkit/onboarding"
)

type planOptions struct {
	IO     *iostreams.IOStreams
	Dir    func(context.Context) (onboarding.LeaverDirectory, error)
	Mode   func(template string) (string, error) // nil: AD only
	Entra  func(context.Context) (cloudDirectory, error)
	Cloud  func(context.Context) (cloudOnlyDirectory, error)
	Format output.Format
	Source sourceOptions
	// Out saves the plan for offboard apply --plan (plansave.go); NewFile starts the file.
	Out     string
	NewFile func(kind, directory, server, domain string) (*planfile.File, error)
}

func newCmdPlan(f *factory.Factory, runF func(*planOptions) error) *cobra.Command {
	opts := &planOptions{IO: f.IO, Dir: func(ctx context.Context) (onboarding.LeaverDirectory, error) { return f.AD(ctx) },
		Mode:  func(tpl string) (string, error) { return entraMode(f, tpl) },
		Entra: func(ctx context.Context) (cloudDirectory, error) { return f.EntraAlongside(ctx) },
		Cloud: func(ctx context.Context) (cloudOnlyDirectory, error) { return f.Entra(ctx) },
		NewFile: func(kind, directory, server, domain string) (*planfile.File, error) {
			return plancmd.NewFile(f, kind, directory, server, domain)
		},
	}
	opts.Source.trail = f.Trail // whether an earlier run revoked a leaver's sessions
	cmd := &cobra.Command{
		Use:   "plan (CSV | --user USER...) [--template FILE] [--out PLAN]",
		Short: "Show what offboarding would do to each leaver; change nothing",
		Example: `  adkit offboard plan leavers.csv --template onboarding.yaml
  adkit offboard plan --user jdoe --user asmith --disabled-ou OU=Leavers,DC=corp,DC=example,DC=com
  adkit offboard plan leavers.csv --template onboarding.yaml -o json | jq '.[] | select(.action!="offboard")'
  adkit offboard plan leavers.csv --template onboarding.yaml --out leavers.plan --ticket CHG-2042`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if err := opts.Source.complete(cmd, args); err != nil {
				return err
			}
			// The snapshots apply keeps say when a leaver's offboarding began (whether its
			// sessions were revoked since); without a state directory the plan just assumes
			// sessions still need revoking.
			if opts.Source.snapshotDir == "" {
				opts.Source.snapshotDir, _ = defaultSnapshotDir(f.Getenv)
			}
			return cmdutil.Run(cmd.Context(), opts, runF, planRun)
		},
	}
	opts.Source.addFlags(cmd)
	cmd.Flags().StringVar(&opts.Out, "out", "", "also save the plan to PLAN, for approval (adkit plan approve) and offboard apply --plan")
	cmd.Flags().StringVar(&opts.Source.snapshotDir, "snapshot-dir", "", "where apply keeps the leavers' snapshots, to tell whether sessions were revoked (default $XDG_STATE_HOME/adkit/leavers)")
	return cmd
}

func planRun(ctx context.Context, opts *planOptions) error {
	prep, err := prepare(ctx, opts.IO, &opts.Source, opts.Mode, opts.Dir, opts.Entra, opts.Cloud)
	if err != nil {
		return err
	}
	cloud, p, cps := prep.cloud, prep.plan, prep.cloudPlans
	header := []string{"Row", "Action", "Employee ID", "Username", "DN or reason", "Groups to remove"}
	if cloud != nil {
		header = append(header, "Entra ID")
	}
	t := output.Table{Header: header}
	entries := make([]planEntry, len(p.Entries))
	for i, e := range p.Entries {
		detail := e.DN
		if e.Reason != "" {
			detail = strings.TrimSpace(e.DN + " (" + e.Reason + ")")
		}
		row := []string{strconv.Itoa(e.Row), e.Action, e.EmployeeID, e.SAMAccountName, detail, groupNames(e.GroupsToRemove)}
		if cloud != nil {
			row = append(row, cps[i].words())
		}
		t.AddRow(row...)
		entries[i] = planEntry{LeaverEntry: e, Entra: cps[i].json()}
	}
	if err := output.Print(opts.IO, opts.Format, t, entries); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.ErrOut, summary(p)+where(p))
	if opts.Out != "" {
		return savePlan(opts, prep, entries)
	}
	return nil
}

// where says what happens besides the groups: the move and the kept groups.
func where(p *onboarding.LeaverPlan) string {
	s := "; leavers stay in their OU"
	if p.DisabledOU != "" {
		s = "; leavers move to " + p.DisabledOU
	}
	if len(p.KeepGroups) > 0 {
		s += " and keep " + groupNames(p.KeepGroups)
	}
	return s
}

func groupNames(dns []string) string { return strings.Join(dn.CommonNames(dns), ", ") }

// planEntry is a plan -o json entry: the leaver's, and with Entra ID what is taken there.
type planEntry struct {
	onboarding.LeaverEntry
	Entra *cloudPlanJSON `json:"entra,omitempty"`
}
