// Package offboard holds `adkit offboard`: leavers, from HR's file or named one by one, planned,
// applied with a snapshot of each account first, and restored from that snapshot for a rehire.
package offboard

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/cmd/plancmd"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/planfile"
	"github.com/adkit-dev/adkit/onboarding"
)

// NewCmdOffboard returns `adkit offboard`.
func NewCmdOffboard(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "offboard <command>",
		Short: "Offboard leavers, and restore a rehire",
		Long: `Offboard leavers: disable the account, give it a random password nobody is told, take it
out of every group except the kept ones, stamp its description with the date and ticket, and
move it to the leavers OU. 'plan' shows what would be done and changes nothing; 'apply' does
it, saving a snapshot of each account first; 'restore' puts a rehire back from that snapshot.

Leavers come from a CSV file (HR's list) or from --user, one per account. The leavers OU and
the groups leavers keep come from the template's offboard: section (disabled_ou, keep_groups),
or from --disabled-ou and --keep-group, which take precedence.

The CSV file needs at least one of these columns; when a row has several, they must all name
the same account:
  Employee ID   the template's columns.employee_id (default "Employee ID")
  Username      also accepted: sAMAccountName, User Name, Logon Name, Login
  Email         also accepted: E-mail, Email Address, Mail, Work Email
Other columns are ignored. Headers are matched without regard to case or spacing; UTF-8,
UTF-16 and Windows-1252 files, and comma, semicolon or tab separators, are all read.

Entra ID: with --target entra (or a template with entra.mode: cloud) the leavers are cloud
accounts: disabled, sessions revoked, licences and groups (but the kept ones) removed. With
entra.mode: hybrid, or whenever Entra ID credentials are configured alongside AD, each AD
leaver's synchronised account also has its sessions revoked and its licences removed (found
by employee ID, else UPN; one not in Entra ID yet is reported, not a failure).`,
	}
	cmd.AddCommand(newCmdPlan(f, nil), newCmdApply(f, nil), newCmdRestore(f, nil))
	return cmd
}

// sourceOptions say who leaves and by which rules: a CSV file or --user, and a template or flags.
type sourceOptions struct {
	CSV        string
	Users      []string
	Template   string
	DisabledOU string
	KeepGroups []string
	keepGiven  bool
	// snapshotDir is where leaver snapshots are kept: the first one of a leaver says when its
	// offboarding began (see planCloud). "": none are looked at.
	snapshotDir string
	// trail is the audit log, read for the revocations this machine made (see revokedSince);
	// nil: not read.
	trail func() (*audit.Trail, error)
}

func (s *sourceOptions) addFlags(cmd *cobra.Command) {
	// StringArray, not StringSlice: a DN has commas in it.
	cmd.Flags().StringArrayVar(&s.Users, "user", nil, "a leaver's account (any name adkit accepts); repeat for several, or - / @FILE for a list; instead of a CSV file")
	cmd.Flags().StringVar(&s.Template, "template", "", "onboarding template (YAML) whose offboard: section gives the leavers OU and the groups to keep")
	cmd.Flags().StringVar(&s.DisabledOU, "disabled-ou", "", "move leavers to this OU (DN) (default: the template's offboard.disabled_ou; none: they stay)")
	cmd.Flags().StringArrayVar(&s.KeepGroups, "keep-group", nil, "a group leavers stay in; repeat for several (default: the template's offboard.keep_groups)")
}

// complete checks the arguments: a CSV file, or --user, not both.
func (s *sourceOptions) complete(cmd *cobra.Command, args []string) error {
	s.keepGiven = cmd.Flags().Changed("keep-group")
	switch {
	case len(args) > 1:
		return usageErrorf("%s takes one CSV file, got %d arguments (name accounts with --user)", cmd.CommandPath(), len(args))
	case len(args) == 1 && len(s.Users) > 0:
		return usageErrorf("give either a CSV file or --user, not both")
	case len(args) == 0 && len(s.Users) == 0:
		return usageErrorf("%s: missing the leavers: a CSV file (or - for standard input), or --user USER", cmd.CommandPath())
	case len(args) == 1:
		s.CSV = args[0]
	}
	return nil
}

// input is the leavers and the rules, read and checked.
type input struct {
	Sheet *onboarding.LeaverSheet
	Rules onboarding.LeaverRules
	Label string // how the run names its input on the audit record
	// SHA256 and TemplateSHA256 are the files' hashes, for a saved plan.
	SHA256, TemplateSHA256 string
}

// read reads the template and the leavers. Any problem with them is a usage error (exit 2),
// found before the directory is touched.
func (s *sourceOptions) read(stdin io.Reader) (*input, error) {
	in := &input{}
	cols := onboarding.DefaultLeaverColumns(onboarding.DefaultColumns())
	if s.Template != "" {
		tpl, err := onboarding.LoadTemplate(s.Template)
		if err != nil {
			return nil, err
		}
		cols, in.Rules = tpl.LeaverColumns(), onboarding.LeaverRules{DisabledOU: tpl.Offboard.DisabledOU, KeepGroups: tpl.Offboard.KeepGroups}
		if in.TemplateSHA256, err = planfile.HashFile(s.Template); err != nil {
			return nil, &cmdutil.FlagError{Err: fmt.Errorf("template: %w", err)}
		}
	}
	if s.DisabledOU != "" {
		in.Rules.DisabledOU = s.DisabledOU
	}
	if s.keepGiven {
		in.Rules.KeepGroups = s.KeepGroups
	}
	if len(s.Users) > 0 {
		// --user - and --user @FILE name the leavers in a list, as every USER... argument may.
		users, err := cmdutil.ReadTargets(stdin, s.Users)
		if err != nil {
			return nil, err
		}
		in.Sheet = onboarding.LeaversFromArgs(users)
		in.Label = "--user " + strings.Join(users, " --user ")
		return in, nil
	}
	sheet, sum, err := plancmd.ReadCSV(stdin, s.CSV, "leavers file", func(r io.Reader) (*onboarding.LeaverSheet, error) {
		return onboarding.ReadLeaversCSV(r, cols)
	})
	if err != nil {
		return nil, err
	}
	in.Sheet, in.Label, in.SHA256 = sheet, s.CSV, sum
	return in, nil
}

// plan plans the leavers, passing the file's warnings on to errOut.
func plan(ctx context.Context, errOut io.Writer, dir onboarding.LeaverDirectory, in *input) (*onboarding.LeaverPlan, error) {
	for _, w := range in.Sheet.Warnings {
		fmt.Fprintf(errOut, "warning: %s\n", w)
	}
	return onboarding.PlanLeavers(ctx, in.Sheet, in.Rules, dir)
}

// summary is the one-line tally of a plan.
func summary(p *onboarding.LeaverPlan) string {
	c := p.Counts()
	return fmt.Sprintf("%d to offboard, %d to skip, %d invalid, %d not found",
		c[onboarding.ActionOffboard], c[onboarding.ActionSkip], c[onboarding.ActionInvalid], c[onboarding.ActionNotFound])
}

// usageErrorf is a mistake on the command line, where pointing at --help helps.
func usageErrorf(format string, args ...any) error {
	return &cmdutil.FlagError{Err: fmt.Errorf(format, args...), Usage: true}
}

// prepared is what plan and apply both start from: the leavers read, the directories of the
// run's mode connected, the plan, and each entry's cloud plan (all nil when AD only).
type prepared[D onboarding.LeaverDirectory] struct {
	in         *input
	mode       string // modeAD, modeHybrid or modeCloud
	dir        D
	cloud      cloudDirectory
	plan       *onboarding.LeaverPlan
	cloudPlans []*cloudPlan
}

// prepare reads the leavers, decides the mode (modeOf nil: AD only), connects and plans.
func prepare[D onboarding.LeaverDirectory](ctx context.Context, ios *iostreams.IOStreams, src *sourceOptions,
	modeOf func(template string) (string, error), primary func(context.Context) (D, error),
	entra func(context.Context) (cloudDirectory, error), cloudOnlyDir func(context.Context) (cloudOnlyDirectory, error)) (*prepared[D], error) {
	in, err := src.read(ios.In)
	if err != nil {
		return nil, err
	}
	mode := modeAD
	if modeOf != nil {
		if mode, err = modeOf(src.Template); err != nil {
			return nil, err
		}
	}
	return prepareFrom(ctx, ios, src, in, mode, primary, entra, cloudOnlyDir)
}

// prepareFrom is prepare for leavers already read and a mode already decided (a saved plan's).
func prepareFrom[D onboarding.LeaverDirectory](ctx context.Context, ios *iostreams.IOStreams, src *sourceOptions, in *input, mode string,
	primary func(context.Context) (D, error), entra func(context.Context) (cloudDirectory, error),
	cloudOnlyDir func(context.Context) (cloudOnlyDirectory, error)) (*prepared[D], error) {
	dir, cloud, co, err := directories(ctx, primary, entra, cloudOnlyDir, mode, src, in)
	if err != nil {
		return nil, err
	}
	p, err := plan(ctx, ios.ErrOut, dir, in)
	if err != nil {
		return nil, err
	}
	cps := make([]*cloudPlan, len(p.Entries))
	if cloud != nil {
		ev := revocationEvidence{
			began:   func(name string) (time.Time, bool) { return offboardingBegan(src.snapshotDir, name) },
			revoked: auditedRevocations(ctx, src.trail),
		}
		if cps, err = planCloud(ctx, cloud, p, mode, ev); err != nil {
			return nil, err
		}
		co.remember(cps)
	}
	return &prepared[D]{in: in, mode: mode, dir: dir, cloud: cloud, plan: p, cloudPlans: cps}, nil
}
