package plancmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/planfile"
)

type showOptions struct {
	IO     *iostreams.IOStreams
	Format output.Format
	Path   string
	Policy func() (Policy, error)
	Now    func() time.Time
}

// ShowReport is `plan show -o json`: the plan file as it is, with its hash and what each
// approval is worth.
type ShowReport struct {
	Path      string            `json:"path"`
	SHA256    string            `json:"sha256"`
	Plan      *planfile.File    `json:"plan"`
	Approvals []approvalVerdict `json:"approvals"`
}

type approvalVerdict struct {
	planfile.Approval
	Counts bool   `json:"counts"`
	Why    string `json:"why,omitempty"`
}

func newCmdShow(f *factory.Factory, runF func(*showOptions) error) *cobra.Command {
	opts := &showOptions{IO: f.IO, Now: f.Now, Policy: func() (Policy, error) { return PolicyOf(f) }}
	cmd := &cobra.Command{
		Use:   "show PLAN",
		Short: "Print a saved plan: who planned it, against what, each row and its approvals",
		Long: `Print a plan file: who planned it and when, the directory, the input files' SHA-256, each
row's action and the directory facts it depends on, and each approval with whether it
counts (bound to this file's hash, by someone other than the planner, recorded in the
audit log). A plan that was edited after it was written is reported and exits 2.`,
		Example: `  adkit plan show hires.plan
  adkit plan show hires.plan -o json | jq .plan.rows`,
		Args: cmdutil.ExactArgs(1, "PLAN: a file written by onboard plan --out or offboard plan --out"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			opts.Path = args[0]
			return cmdutil.Run(cmd.Context(), opts, runF, showRun)
		},
	}
	return cmd
}

func showRun(_ context.Context, opts *showOptions) error {
	l, err := planfile.Read(opts.Path)
	if err != nil {
		return err
	}
	pol, err := opts.Policy()
	if err != nil {
		return err
	}
	// Whether each approval counts for anyone applying: the viewer's own are not excluded.
	vs, err := verdicts(l, pol, nil)
	if err != nil {
		return err
	}
	report := ShowReport{Path: l.Path, SHA256: l.SHA256, Plan: l.File, Approvals: []approvalVerdict{}}
	for _, v := range vs {
		report.Approvals = append(report.Approvals, approvalVerdict{Approval: v.Approval, Counts: v.Counted, Why: v.Why})
	}
	changes := changesByRow(l.Plan)
	t := output.Table{Header: []string{"Row", "Action", "Account", "Changes", "Depends on"}}
	for _, r := range l.Rows {
		var facts []string
		for _, fa := range r.Facts {
			facts = append(facts, fa.Key+" = "+fa.Value)
		}
		t.AddRow(strconv.Itoa(r.Row), r.Action, r.Name, changes[r.Row], strings.Join(facts, "; "))
	}
	if opts.Format == output.FormatTable || opts.Format == output.FormatAuto {
		// The header says what a table cannot: who, when, against what, approved by whom.
		w := opts.IO.ErrOut
		fmt.Fprintf(w, "%s plan %s\n  sha256:     %s\n  planned by: %s at %s (%s old)\n  directory:  %s %s (%s)\n",
			l.Kind, l.Path, l.SHA256, planfile.Who(l.PlannedBy), l.CreatedAt.UTC().Format(time.RFC3339),
			opts.Now().Sub(l.CreatedAt).Round(time.Minute), l.Directory, l.Server, l.Domain)
		for _, in := range l.Inputs {
			fmt.Fprintf(w, "  input:      %s %s sha256 %s\n", in.Role, in.Path, in.SHA256)
		}
		if l.Template != nil {
			fmt.Fprintf(w, "  template:   %s sha256 %s\n", l.Template.Path, l.Template.SHA256)
		}
		if len(vs) == 0 {
			fmt.Fprintln(w, "  approvals:  none")
		}
		for _, v := range vs {
			verdict := "counts"
			if !v.Counted {
				verdict = "does not count: " + v.Why
			}
			fmt.Fprintf(w, "  approval:   %s at %s, ticket %s — %s\n", planfile.Who(v.Approval.Approver), v.Approval.Time, v.Approval.Ticket, verdict)
		}
	}
	return output.Print(opts.IO, opts.Format, t, report)
}

// planEntry is what show reads of either kind of plan's entries: onboarding and offboarding
// entries share these JSON names (docs/plan-file.md).
type planEntry struct {
	Row            int      `json:"row"`
	Action         string   `json:"action"`
	DN             string   `json:"dn"`
	Groups         []string `json:"groups"`
	GroupsToRemove []string `json:"groups_to_remove"`
	MoveTo         string   `json:"move_to"`
	Reason         string   `json:"reason"`
}

// changesByRow says in a few words what each row will change, for the approver's table.
func changesByRow(raw json.RawMessage) map[int]string {
	var body struct {
		Entries []planEntry `json:"entries"`
	}
	out := map[int]string{}
	if json.Unmarshal(raw, &body) != nil {
		return out
	}
	for _, e := range body.Entries {
		var parts []string
		switch e.Action {
		case "create":
			parts = append(parts, "create "+e.DN)
			for _, g := range e.Groups {
				parts = append(parts, "+"+g)
			}
		case "offboard":
			parts = append(parts, "disable, new random password")
			for _, g := range e.GroupsToRemove {
				parts = append(parts, "-"+g)
			}
			if e.MoveTo != "" {
				parts = append(parts, "move to "+e.MoveTo)
			}
		case "skip":
			for _, g := range e.Groups {
				parts = append(parts, "ensure +"+g)
			}
		}
		if e.Reason != "" {
			parts = append(parts, "("+e.Reason+")")
		}
		out[e.Row] = strings.Join(parts, ", ")
	}
	return out
}
