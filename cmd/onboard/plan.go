package onboard

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/cmd/plancmd"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/planfile"
	"github.com/adkit-dev/adkit/onboarding"
)

type planOptions struct {
	IO       *iostreams.IOStreams
	Dir      func(context.Context) (onboarding.Directory, error)
	Format   output.Format
	CSV      string
	Template string
	// Out saves the plan to a file for apply --plan (plansave.go); NewFile starts it.
	Out     string
	NewFile func(kind, directory, server, domain string) (*planfile.File, error)
	// Alongside: as apply's; it gives nil when no Entra ID credentials are configured, and
	// the hybrid template's cloud names are then not checked (a warning says so).
	Alongside func(context.Context) (hybridCloud, error)
}

func newCmdPlan(f *factory.Factory, runF func(*planOptions) error) *cobra.Command {
	opts := &planOptions{IO: f.IO, NewFile: func(kind, directory, server, domain string) (*planfile.File, error) {
		return plancmd.NewFile(f, kind, directory, server, domain)
	}}
	opts.Alongside = func(ctx context.Context) (hybridCloud, error) {
		if !f.EntraConfigured() {
			return nil, nil
		}
		return f.EntraAlongside(ctx)
	}
	opts.Dir = func(ctx context.Context) (onboarding.Directory, error) {
		return onboardDirectory[onboarding.Directory](ctx, f, opts.Template)
	}
	cmd := &cobra.Command{
		Use:   "plan CSV --template FILE",
		Short: "Show what onboarding would do for each row; change nothing",
		Example: `  adkit onboard plan new-hires.csv --template onboarding.yaml
  adkit onboard plan new-hires.csv --template onboarding.yaml -o json | jq '.[] | select(.action=="invalid")'
  adkit onboard plan new-hires.csv --template onboarding.yaml --out hires.plan --ticket CHG-2041`,
		Args: cmdutil.ExactArgs(1, "CSV: the HR file (or - for standard input)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			opts.CSV = args[0]
			return cmdutil.Run(cmd.Context(), opts, runF, planRun)
		},
	}
	cmd.Flags().StringVar(&opts.Template, "template", "", "onboarding template (YAML; every key: docs/onboarding-template.md)")
	cmd.Flags().StringVar(&opts.Out, "out", "", "also save the plan to PLAN, for approval (adkit plan approve) and onboard apply --plan")
	return cmd
}

func planRun(ctx context.Context, opts *planOptions) error {
	in, err := readInput(opts.IO.In, opts.CSV, opts.Template)
	if err != nil {
		return err
	}
	dir, p, err := planInput(ctx, opts.IO, opts.Dir, in)
	if err == nil {
		err = checkCloudNames(ctx, opts.IO, opts.Alongside, in, p)
	}
	if err != nil {
		return err
	}
	t := output.Table{Header: []string{"Row", "Action", "Employee ID", "Username", "DN or reason", "Groups"}}
	cloud := planHasCloud(p)
	if cloud {
		t.Header = append(t.Header, "Entra ID")
	}
	for _, e := range p.Entries {
		detail := e.DN
		if e.Action != onboarding.ActionCreate || e.Reason != "" {
			detail = strings.TrimSpace(e.DN + " " + bracket(e.Reason))
		}
		row := []string{strconv.Itoa(e.Row), e.Action, e.EmployeeID, e.SAMAccountName, detail, strings.Join(e.Groups, ", ")}
		if cloud {
			row = append(row, cloudColumn(e))
		}
		t.AddRow(row...)
	}
	if err := output.Print(opts.IO, opts.Format, t, p.Entries); err != nil {
		return err
	}
	c := p.Counts()
	fmt.Fprintf(opts.IO.ErrOut, "%d to create, %d to skip, %d invalid\n", c[onboarding.ActionCreate], c[onboarding.ActionSkip], c[onboarding.ActionInvalid])
	if opts.Out != "" {
		return savePlan(ctx, opts, in, dir, p)
	}
	return nil
}

func bracket(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}
