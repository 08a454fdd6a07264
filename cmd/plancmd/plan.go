// Package plancmd holds `adkit plan` (show and approve a saved plan) and what onboard and
// offboard share to write a plan file and to open one for apply --plan.
package plancmd

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/planfile"
)

// NewCmdPlan returns `adkit plan`.
func NewCmdPlan(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan <command>",
		Short: "Show and approve saved plans (onboard/offboard plan --out)",
		Long: `A saved plan is what 'onboard plan --out PLAN' or 'offboard plan --out PLAN' wrote: every
row's changes and the directory facts they depend on. 'plan show' prints it; 'plan approve'
records a second technician's approval, bound to the plan file's SHA-256; 'onboard apply
--plan PLAN' and 'offboard apply --plan PLAN' carry out exactly that plan (docs/plan-file.md).`,
	}
	cmd.AddCommand(newCmdShow(f, nil), newCmdApprove(f, nil))
	return cmd
}

// Policy is what the profile says about applying plans.
type Policy struct {
	MinApprovers int
	MaxAge       time.Duration
	AuditLog     string
	Approvers    map[string]string // OS user → public key file (profile key approvers)
	// Me is who is running this command: at apply, their own approvals do not count.
	Me audit.Actor
}

// PolicyOf reads the policy from the settings.
func PolicyOf(f *factory.Factory) (Policy, error) {
	s, err := f.Settings()
	if err != nil {
		return Policy{}, err
	}
	return Policy{MinApprovers: s.MinApprovers, MaxAge: s.PlanMaxAge, AuditLog: s.AuditLog, Approvers: s.Approvers, Me: f.Actor(s)}, nil
}

// Opened is a plan file that passed every check apply makes before it looks at the
// directory: not edited, not too old, of the right kind, approved as the profile requires.
type Opened struct {
	*planfile.Loaded
	Approvals []planfile.Approval // those that count
}

// Open reads a plan for apply and refuses it (an error wrapping planfile.ErrRefused, exit 2)
// if it was edited, is too old, is of another kind, or lacks the approvals the policy needs.
func Open(path, kind string, pol Policy, now time.Time) (*Opened, error) {
	l, err := planfile.Read(path)
	if err != nil {
		return nil, err
	}
	if err := l.CheckKind(kind); err != nil {
		return nil, err
	}
	if err := l.CheckAge(now, pol.MaxAge); err != nil {
		return nil, err
	}
	me := pol.Me
	vs, err := verdicts(l, pol, &me)
	if err != nil {
		return nil, err
	}
	if pol.MinApprovers > 0 {
		if err := planfile.RequireApprovals(l, vs, pol.MinApprovers); err != nil {
			return nil, err
		}
	}
	return &Opened{Loaded: l, Approvals: planfile.Counted(vs)}, nil
}

// verdicts checks the plan's approvals against the audit log and the approvers' keys;
// applier, if set, is who would apply it.
func verdicts(l *planfile.Loaded, pol Policy, applier *audit.Actor) ([]planfile.Verdict, error) {
	approvals, err := planfile.ReadApprovals(l.Path)
	if err != nil || len(approvals) == 0 {
		return nil, err
	}
	keys, err := approverKeys(pol.Approvers)
	if err != nil {
		return nil, err
	}
	c := planfile.Checker{Applier: applier, Approvers: keys}
	file, err := os.Open(pol.AuditLog)
	switch {
	case err == nil:
		defer file.Close()
		c.Log = file
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("open audit log to check the plan's approvals: %w", err)
	}
	return c.Check(l, approvals)
}

// approverKeys loads the profile's approvers' public keys.
func approverKeys(files map[string]string) (map[string]ed25519.PublicKey, error) {
	keys := make(map[string]ed25519.PublicKey, len(files))
	for user, path := range files {
		pub, err := audit.LoadPublicKey(path)
		if err != nil {
			return nil, &cmdutil.FlagError{Err: fmt.Errorf("profile approvers: %s: %w", user, err)}
		}
		keys[user] = pub
	}
	return keys, nil
}

// CheckTarget refuses a plan made against another directory than the one connected to.
func (o *Opened) CheckTarget(kind, server string) error {
	if o.Directory != kind || !strings.EqualFold(o.Server, server) {
		return &planfile.RefusedError{Path: o.Path, Reason: fmt.Sprintf("it was made against %s %s, and this run is connected to %s %s: use the profile the plan was made with",
			o.Directory, o.Server, kind, server)}
	}
	return nil
}

// RunChanges are what a run record says about the plan it applied: its hash and who
// approved it (each approval's op_id points at its plan.approve records).
func (o *Opened) RunChanges() []audit.Change {
	ids := make([]string, 0, len(o.Approvals))
	for _, a := range o.Approvals {
		ids = append(ids, fmt.Sprintf("%s (%s, op_id %s)", a.Approver.OSUser, a.Approver.BindIdentity, a.OpID))
	}
	return []audit.Change{
		{Attribute: "plan", After: o.Path},
		{Attribute: "plan_sha256", After: o.SHA256},
		{Attribute: "approvals", After: ids},
	}
}

// Save writes a plan file and tells the technician what comes next.
func Save(errOut io.Writer, path string, f *planfile.File) error {
	if path == "-" {
		return cmdutil.FlagErrorf("--out needs a file name: a plan is a file that is approved and applied later (for the plan on stdout, use -o json)")
	}
	sum, err := planfile.Write(path, f)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	fmt.Fprintf(errOut, "plan written to %s (sha256 %s)\nnext: a colleague approves it with 'adkit plan approve %s --ticket TICKET', then apply it with 'adkit %s apply --plan %s'\n",
		path, sum, path, f.Kind, path)
	return nil
}

// NewFile starts a plan file with who planned it, when, and against which directory.
func NewFile(f *factory.Factory, kind, directory, server, domain string) (*planfile.File, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	return &planfile.File{
		Kind: kind, CreatedAt: f.Now().UTC().Truncate(time.Second), PlannedBy: f.Actor(s),
		Directory: directory, Server: server, Domain: domain, Ticket: f.Globals.Ticket, Reason: f.Globals.Reason,
	}, nil
}
