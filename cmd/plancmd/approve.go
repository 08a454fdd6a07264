package plancmd

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/planfile"
)

type approveOptions struct {
	IO     *iostreams.IOStreams
	Trail  func() (*audit.Trail, error)
	Me     func() (audit.Actor, error)
	Policy func() (Policy, error)
	Now    func() time.Time
	Path   string
	Ticket string
	Reason string
	DryRun bool
	// KeyFile is --key: the approver's Ed25519 private key, to sign the approval with.
	KeyFile string
}

func newCmdApprove(f *factory.Factory, runF func(*approveOptions) error) *cobra.Command {
	opts := &approveOptions{IO: f.IO, Trail: f.Trail, Now: f.Now,
		Policy: func() (Policy, error) { return PolicyOf(f) },
		Me: func() (audit.Actor, error) {
			s, err := f.Settings()
			if err != nil {
				return audit.Actor{}, err
			}
			return f.Actor(s), nil
		},
	}
	cmd := &cobra.Command{
		Use:   "approve PLAN --ticket ID [--reason TEXT]",
		Short: "Approve a saved plan as a second technician; recorded in the audit log",
		Long: `Approve a plan that someone else made. The approval is bound to the plan file's SHA-256
(an approval of a plan says nothing about the same plan edited afterwards), names you as
audit records do (OS user, host, the directory identity of your profile), and is recorded
in the audit log as a plan.approve record; a line is added to PLAN.approvals pointing at
that record. apply --plan counts an approval only if its record is in the audit log.

When the profile lists approvers (OS user: public key file), only their approvals count, and
each must be signed with the approver's own key: --key FILE, a key made with 'adkit log
keygen' whose FILE.pub the profile lists under your OS user name.

Read the plan first with 'adkit plan show PLAN'. The planner cannot approve their own
plan. Approving needs no connection to the directory.`,
		Example: `  adkit plan show hires.plan
  adkit plan approve hires.plan --ticket CHG-2041 --reason "checked against HR's list"
  adkit plan approve hires.plan --ticket CHG-2041 --key ~/.config/adkit/approver.key`,
		Args: cmdutil.ExactArgs(1, "PLAN: a file written by onboard plan --out or offboard plan --out"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path, opts.Ticket, opts.Reason, opts.DryRun = args[0], f.Globals.Ticket, f.Globals.Reason, f.Globals.DryRun
			if opts.Ticket == "" {
				return cmdutil.FlagErrorf("--ticket is required: the change ticket under which you approve this plan")
			}
			return cmdutil.Run(cmd.Context(), opts, runF, approveRun)
		},
	}
	cmd.Flags().StringVar(&opts.KeyFile, "key", "", "sign the approval with your Ed25519 private key (required when the profile lists approvers)")
	return cmd
}

func approveRun(ctx context.Context, opts *approveOptions) error {
	l, err := planfile.Read(opts.Path)
	if err != nil {
		return err // edited or not a plan: nothing to approve
	}
	pol, err := opts.Policy()
	if err != nil {
		return err
	}
	if err := l.CheckAge(opts.Now(), pol.MaxAge); err != nil {
		return err
	}
	me, err := opts.Me()
	if err != nil {
		return err
	}
	if planfile.SamePerson(me, l.PlannedBy) {
		return &planfile.RefusedError{Path: l.Path, Reason: fmt.Sprintf("you (%s) made this plan; an approval must come from someone else. Ask a colleague to run adkit plan approve %s",
			planfile.Who(me), l.Path)}
	}
	priv, err := approvalKey(opts.KeyFile, pol.Approvers, me)
	if err != nil {
		return err
	}
	trail, err := opts.Trail()
	if err != nil {
		return err
	}
	op := audit.Operation{
		Action: planfile.ApprovalAction, Directory: l.Directory, Server: l.Server,
		Target: audit.Target{ID: l.SHA256, Name: l.Path},
		Changes: []audit.Change{
			{Attribute: "plan_sha256", After: l.SHA256},
			{Attribute: "kind", After: l.Kind},
			{Attribute: "planned_by", After: planfile.Who(l.PlannedBy)},
			{Attribute: "planned_at", After: l.CreatedAt.UTC().Format(time.RFC3339)},
			{Attribute: "rows", After: len(l.Rows)},
		},
	}
	err = trail.Do(ctx, op, func(ctx context.Context) error {
		a := planfile.Approval{
			PlanSHA256: l.SHA256, Approver: me, Time: opts.Now().UTC().Format(time.RFC3339),
			Ticket: opts.Ticket, Reason: opts.Reason, OpID: audit.OperationID(ctx), AuditLog: pol.AuditLog,
		}
		if priv != nil {
			a.Sign(priv)
		}
		return planfile.AppendApproval(l.Path, a)
	})
	if err != nil {
		return err
	}
	if opts.DryRun {
		fmt.Fprintf(opts.IO.ErrOut, "dry run: %s not approved (the audit log records the dry run)\n", l.Path)
		return nil
	}
	fmt.Fprintf(opts.IO.Out, "✓ approved %s (sha256 %s) as %s; recorded in %s and the audit log\n",
		l.Path, l.SHA256, planfile.Who(me), planfile.ApprovalsPath(l.Path))
	return nil
}

// approvalKey loads --key and checks it against the profile's approvers, so that an approval
// that would not count is refused now rather than at apply time.
func approvalKey(keyFile string, approvers map[string]string, me audit.Actor) (ed25519.PrivateKey, error) {
	if keyFile == "" {
		if len(approvers) > 0 {
			return nil, cmdutil.FlagErrorf("the profile lists approvers, so an approval must be signed: give --key FILE (your private key; the profile lists FILE.pub under %s)", me.OSUser)
		}
		return nil, nil
	}
	priv, err := audit.LoadSigningKey(keyFile)
	if err != nil {
		return nil, &cmdutil.FlagError{Err: err}
	}
	if len(approvers) == 0 {
		return priv, nil
	}
	path, ok := approvers[me.OSUser]
	if !ok {
		return nil, cmdutil.FlagErrorf("you (%s) are not among the profile's approvers, so your approval would not count", me.OSUser)
	}
	pub, err := audit.LoadPublicKey(path)
	if err != nil {
		return nil, &cmdutil.FlagError{Err: fmt.Errorf("profile approvers: %s: %w", me.OSUser, err)}
	}
	if !pub.Equal(priv.Public()) {
		return nil, cmdutil.FlagErrorf("--key %s is not the key the profile's approvers list for %s (%s)", keyFile, me.OSUser, path)
	}
	return priv, nil
}
