package onboard

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/cmd/plancmd"
	"github.com/adkit-dev/adkit/internal/planfile"
	"github.com/adkit-dev/adkit/onboarding"
)

// Saved plans: onboard plan --out writes one; onboard apply --plan re-checks it against the
// directory and feeds its entries to the same Apply as a fresh plan would be.

// savePlan writes the plan with the facts each row depends on, asked of the directory now.
func savePlan(ctx context.Context, opts *planOptions, in *input, dir onboarding.Directory, p *onboarding.PlanResult) error {
	rows, err := onboarding.Fingerprint(ctx, p, dir)
	if err != nil {
		return err
	}
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	file, err := opts.NewFile(planfile.KindOnboard, kindOf(dir), serverOf(dir), domainOf(dir))
	if err != nil {
		return err
	}
	file.Inputs = []planfile.Input{{Role: "csv", Path: in.CSVPath, SHA256: in.CSVSHA256}}
	file.Template = &planfile.Template{Path: in.TemplatePath, SHA256: in.TemplateSHA256, Text: in.TemplateText}
	file.Rows, file.Plan = rows, body
	return plancmd.Save(opts.IO.ErrOut, opts.Out, file)
}

func serverOf(dir any) string {
	if s, ok := dir.(interface{ Server() string }); ok {
		return s.Server()
	}
	return ""
}

func domainOf(dir any) string {
	if s, ok := dir.(interface{ BaseDN() string }); ok {
		return s.BaseDN()
	}
	return ""
}

// openSavedPlan reads --plan for apply: refused if edited, too old or not approved as the
// profile requires. The template is the one saved in the plan, not the file on disk now.
func openSavedPlan(opts *applyOptions) (*plancmd.Opened, *input, error) {
	pol, err := opts.Policy()
	if err != nil {
		return nil, nil, err
	}
	o, err := plancmd.Open(opts.Plan, planfile.KindOnboard, pol, opts.Now())
	if err != nil {
		return nil, nil, err
	}
	if o.Template == nil {
		return nil, nil, &planfile.RefusedError{Path: o.Path, Reason: "it has no template"}
	}
	tpl, err := onboarding.ParseTemplate(strings.NewReader(o.Template.Text))
	if err != nil {
		return nil, nil, &planfile.RefusedError{Path: o.Path, Reason: fmt.Sprintf("its template does not parse (%v)", err)}
	}
	if opts.UsePlan != nil {
		opts.UsePlan(o.SHA256, o.Ticket)
	}
	return o, &input{Template: tpl, TemplatePath: o.Template.Path}, nil
}

// checkSavedPlan connects, and asks the directory again about every fact the plan's rows
// depend on. Rows whose facts changed are listed and nothing is done: the plan is never
// re-made silently. It returns the plan's own entries, to be applied exactly.
func checkSavedPlan(ctx context.Context, opts *applyOptions, o *plancmd.Opened, in *input) (applier, *onboarding.PlanResult, error) {
	dir, err := opts.DirFor(ctx, in.Template)
	if err != nil {
		return nil, nil, err
	}
	if err := o.CheckTarget(kindOf(dir), dir.Server()); err != nil {
		return nil, nil, err
	}
	var p onboarding.PlanResult
	if err := json.Unmarshal(o.Plan, &p); err != nil {
		return nil, nil, &planfile.RefusedError{Path: o.Path, Reason: fmt.Sprintf("its plan does not read (%v)", err)}
	}
	if len(p.Entries) != len(o.Rows) {
		return nil, nil, &planfile.RefusedError{Path: o.Path, Reason: "its rows and its fingerprints do not match"}
	}
	now, err := onboarding.Fingerprint(ctx, &p, dir)
	if err != nil {
		return nil, nil, err
	}
	if drifts := planfile.Compare(o.Rows, now); len(drifts) > 0 {
		return nil, nil, &planfile.DriftError{Path: o.Path, Drifts: drifts}
	}
	who := "no approvals"
	if len(o.Approvals) > 0 {
		var names []string
		for _, a := range o.Approvals {
			names = append(names, planfile.Who(a.Approver))
		}
		who = "approved by " + strings.Join(names, ", ")
	}
	fmt.Fprintf(opts.IO.ErrOut, "plan %s (sha256 %s, made %s by %s; %s): all %d rows checked against the directory, unchanged\n",
		o.Path, o.SHA256, o.CreatedAt.UTC().Format(time.RFC3339), planfile.Who(o.PlannedBy), who, len(o.Rows))
	return dir, &p, nil
}
