package onboard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/progress"
	"github.com/adkit-dev/adkit/onboarding"
)

// Onboarding on Entra ID (the template's entra.mode): which directory the accounts are made
// in, and the cloud step after Apply.

// onboardDirectory connects to where the template's accounts are made: Entra ID for
// entra.mode: cloud (which needs --target entra), else Active Directory. A bad template is
// left for readInput to report.
func onboardDirectory[D any](ctx context.Context, f *factory.Factory, templatePath string) (D, error) {
	tpl, _ := onboarding.LoadTemplate(templatePath)
	return onboardDirectoryFor[D](ctx, f, tpl)
}

// onboardDirectoryFor is onboardDirectory for a template already read (nil: none valid).
func onboardDirectoryFor[D any](ctx context.Context, f *factory.Factory, tpl *onboarding.Template) (D, error) {
	var zero D
	mode := ""
	if tpl != nil {
		mode = tpl.Entra.Mode
		if w := tpl.EntraSectionIgnored(); w != "" {
			fmt.Fprintf(f.IO.ErrOut, "warning: %s\n", w)
		}
	}
	target, err := f.Target()
	if err != nil {
		return zero, err
	}
	switch {
	case target == "entra" && mode != onboarding.EntraModeCloud:
		if mode == onboarding.EntraModeHybrid {
			return zero, cmdutil.FlagErrorf("the template's entra.mode is hybrid: the accounts are made in Active Directory and synchronised, so run without --target entra")
		}
		return zero, cmdutil.FlagErrorf("to onboard cloud-only accounts in Entra ID, set entra.mode: cloud in the template (its ou: and groups: are for Active Directory)")
	case target != "entra" && mode == onboarding.EntraModeCloud:
		return zero, cmdutil.FlagErrorf("the template's entra.mode is cloud: the accounts are made in Entra ID, so run with --target entra")
	case target == "entra":
		c, err := f.Entra(ctx)
		if err != nil {
			return zero, err
		}
		d, ok := any(c).(D)
		if !ok {
			return zero, cmdutil.Unsupported("this onboarding step is not available on Entra ID")
		}
		return d, nil
	}
	c, err := f.AD(ctx)
	if err != nil {
		return zero, err
	}
	return any(c).(D), nil
}

// entraStep is the cloud half of apply: nil when the template has no entra.mode.
type entraStep func(ctx context.Context, dir applier, tpl *onboarding.Template, plan *onboarding.PlanResult,
	results []onboarding.Result, creds *credentialsFile) ([]onboarding.Result, error)

// hybridCloud is Entra ID signed in to beside AD (entra.mode: hybrid): where the plan checks
// the template's cloud groups and licences, and the cloud step grants them.
type hybridCloud interface {
	onboarding.CloudCatalogue
	onboarding.CloudDirectory
}

// onceAlongside signs in to Entra ID beside AD at most once per run, however often it is
// asked: the plan's check and the cloud step share the sign-in (a device code asked for twice
// would be once too many).
func onceAlongside(f *factory.Factory) func(context.Context) (hybridCloud, error) {
	var once sync.Once
	var c hybridCloud
	var err error
	return func(ctx context.Context) (hybridCloud, error) {
		once.Do(func() { c, err = f.EntraAlongside(ctx) })
		return c, err
	}
}

// checkCloudNames is the hybrid plan's look in Entra ID for the template's cloud groups and
// licences (onboarding.CheckCloudNames): one missing stops the run with exit 2 before any AD
// account is made or any audit record written. Cloud mode's plan does this itself.
func checkCloudNames(ctx context.Context, ios *iostreams.IOStreams, alongside func(context.Context) (hybridCloud, error),
	in *input, p *onboarding.PlanResult) error {
	e := in.Template.Entra
	if alongside == nil || !e.Hybrid() || len(e.Groups)+len(e.GroupsByDepartment)+len(e.Licenses) == 0 {
		return nil
	}
	cloud, err := alongside(ctx)
	if err != nil {
		return fmt.Errorf("no account is made yet; to check the template's cloud groups and licences first: %w", err)
	}
	if cloud == nil {
		fmt.Fprintf(ios.ErrOut, "warning: the template's entra: groups and licences are not checked in Entra ID: no Entra ID credentials are configured (apply signs in and checks them before making any account)\n")
		return nil
	}
	warnings, err := onboarding.CheckCloudNames(ctx, in.Template, p, cloud)
	var ie *onboarding.InputError
	if errors.As(err, &ie) && ie.What == "template" {
		ie.What = "template " + in.TemplatePath
	}
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(ios.ErrOut, "warning: %s\n", w)
	}
	return nil
}

// newEntraStep grants the cloud groups and licences: through the same client in cloud mode,
// through a second sign-in (Entra ID credentials alongside the AD ones, shared with the
// plan's check: alongside) in hybrid mode, after waiting for the accounts to be synchronised.
func newEntraStep(f *factory.Factory, ios *iostreams.IOStreams, syncTimeout *time.Duration,
	alongside func(context.Context) (hybridCloud, error)) entraStep {
	return func(ctx context.Context, dir applier, tpl *onboarding.Template, plan *onboarding.PlanResult,
		results []onboarding.Result, creds *credentialsFile) ([]onboarding.Result, error) {
		if tpl.Entra.Mode == "" {
			return results, nil
		}
		opts := onboarding.CloudOptions{Hybrid: tpl.Entra.Hybrid(), Timeout: tpl.Entra.Timeout(), DryRun: f.Globals.DryRun,
			Waiting: func(missing int, next time.Duration) {
				fmt.Fprintf(ios.ErrOut, "waiting for Entra Connect: %d account(s) not synchronised yet; looking again in %s\n", missing, next.Round(time.Second))
			}}
		if *syncTimeout >= 0 {
			opts.Timeout = *syncTimeout
		}
		if s, ok := dir.(createSettler); ok && tpl.Entra.CloudOnly() {
			// The plan found these accounts made: by an earlier run killed, or left without an
			// answer, after it sent the create? Its open intent is settled (AD does this per
			// row, by DN; an Entra plan has none).
			if err := s.SettleCreates(ctx, skippedEmployeeIDs(results)); err != nil {
				fmt.Fprintf(ios.ErrOut, "warning: %v; the accounts are fine, 'adkit log verify' lists what is left open\n", err)
			}
		}
		var cloud onboarding.CloudDirectory
		if c, ok := dir.(onboarding.CloudDirectory); ok && tpl.Entra.CloudOnly() {
			cloud = c
		} else {
			c, err := alongside(ctx)
			if err != nil {
				return results, fmt.Errorf("the AD accounts are made; to give them their cloud groups and licences: %w", err)
			}
			cloud = c
		}
		if tpl.Entra.WantsTAP() {
			issuer, ok := cloud.(tapCreator)
			if !ok {
				return results, cmdutil.Unsupported("entra.first_sign_in: tap needs Entra ID")
			}
			opts.Passes, opts.PassLifetime = passIssuer{issuer}, tpl.Entra.PassLifetime()
			if creds != nil {
				opts.DeliverPass = creds.writeTAP
			}
		}
		return onboarding.ApplyCloud(ctx, plan, results, cloud, opts)
	}
}

// cloudWork returns, for the rows of p, whether the cloud step may still change how the row
// ends once its account is made or found (see heldForCloud): rows with cloud groups or
// licences, and every row when each account made gets a pass. Nil without an entra.mode.
func cloudWork(tpl *onboarding.Template, p *onboarding.PlanResult) map[int]bool {
	if tpl.Entra.Mode == "" || tpl.Entra.Mode == onboarding.EntraModeNone {
		return nil
	}
	rows := map[int]bool{}
	for _, e := range p.Entries {
		if len(e.CloudGroups)+len(e.Licenses) > 0 || tpl.Entra.WantsTAP() && e.Action == onboarding.ActionCreate {
			rows[e.Row] = true
		}
	}
	return rows
}

// heldForCloud reports whether row r's progress line waits for the cloud step (cloudWork):
// its account is made or found, and the cloud step decides whether the row failed.
func heldForCloud(work map[int]bool, r onboarding.Result) bool {
	switch r.Status {
	case onboarding.StatusCreated, onboarding.StatusCompleted, onboarding.StatusSkipped:
		return work[r.Row]
	}
	return false
}

// lineAfterCloud prints the progress lines held back for the cloud step, each with the
// status its row ended with.
func lineAfterCloud(bar progress.Reporter, rows []int, results []onboarding.Result) {
	at := make(map[int]int, len(results))
	for i, r := range results {
		at[r.Row] = i
	}
	for _, row := range rows {
		if i, ok := at[row]; ok {
			bar.Done(results[i].Status, describe(results[i]))
		}
	}
}

// createSettler is the graph client's settling of earlier runs' open account creations.
type createSettler interface {
	SettleCreates(ctx context.Context, employeeIDs []string) error
}

// skippedEmployeeIDs are the employee IDs of the rows whose account the plan found made.
func skippedEmployeeIDs(results []onboarding.Result) []string {
	var ids []string
	for _, r := range results {
		if r.Status == onboarding.StatusSkipped && r.EmployeeID != "" {
			ids = append(ids, r.EmployeeID)
		}
	}
	return ids
}

// tapCreator is the graph client's Temporary Access Pass.
type tapCreator interface {
	CreateTAP(ctx context.Context, ident string, opts directory.TAPOptions) (directory.TAP, error)
}

// passIssuer adapts the graph client to onboarding's PassIssuer.
type passIssuer struct{ c tapCreator }

func (p passIssuer) IssueFirstSignInPass(ctx context.Context, userID string, lifetime time.Duration) (onboarding.FirstPass, error) {
	t, err := p.c.CreateTAP(ctx, userID, directory.TAPOptions{Lifetime: lifetime})
	if err != nil {
		return onboarding.FirstPass{}, err
	}
	return onboarding.FirstPass{Pass: t.Pass, Start: t.Start, End: t.End, OneTime: t.OneTime}, nil
}

// kindOf names the directory for the run's audit record.
func kindOf(dir any) string {
	if k, ok := dir.(interface{ Kind() string }); ok {
		return k.Kind()
	}
	return "ad"
}

// rowDetail is the table's last column: the error, else what this run added.
func rowDetail(r onboarding.Result) string {
	if r.Error != "" {
		return r.Error
	}
	added := append([]string(nil), r.GroupsAdded...)
	if c := r.Entra; c != nil {
		for _, g := range c.GroupsAdded {
			added = append(added, "cloud:"+g)
		}
		for _, l := range c.LicensesAdded {
			added = append(added, "licence:"+l)
		}
	}
	if r.Note != "" {
		return strings.Join(append([]string{r.Note}, added...), "; ")
	}
	return strings.Join(added, ", ")
}

// cloudColumn is the plan table's Entra ID column for one entry.
func cloudColumn(e onboarding.Entry) string {
	parts := append([]string(nil), e.CloudGroups...)
	for _, l := range e.Licenses {
		parts = append(parts, "licence:"+l)
	}
	return strings.Join(parts, ", ")
}

// planHasCloud reports whether any entry has cloud work, to show the column at all.
func planHasCloud(p *onboarding.PlanResult) bool {
	for _, e := range p.Entries {
		if len(e.CloudGroups)+len(e.Licenses) > 0 {
			return true
		}
	}
	return false
}
