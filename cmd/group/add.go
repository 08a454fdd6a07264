package group

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
)

type membershipEditor interface {
	ResolveGroup(ctx context.Context, ident string) (directory.GroupRef, error)
	AddMember(ctx context.Context, g directory.GroupRef, userIdent string) (directory.Outcome, error)
	RemoveMember(ctx context.Context, g directory.GroupRef, userIdent string) (directory.Outcome, error)
}

// bulkMembershipEditor changes many memberships in few requests (Entra ID's $batch),
// returning each user's outcome and error in order.
type bulkMembershipEditor interface {
	AddMembers(ctx context.Context, g directory.GroupRef, users []string) ([]directory.Outcome, []error)
	RemoveMembers(ctx context.Context, g directory.GroupRef, users []string) ([]directory.Outcome, []error)
}

type editOptions struct {
	Groups       func(context.Context) (membershipEditor, error)
	cmdutil.Bulk // Targets: the members to add or remove
	Add          bool
	Group        string
}

func newCmdAdd(f *factory.Factory, runF func(*editOptions) error) *cobra.Command {
	return newCmdEdit(f, true, runF)
}

// newCmdEdit builds `group add` and `group remove`, which differ only in direction.
func newCmdEdit(f *factory.Factory, add bool, runF func(*editOptions) error) *cobra.Command {
	opts := &editOptions{Add: add, Groups: factory.DirectoryFunc[membershipEditor](f)}
	cmd := &cobra.Command{
		Use:   "add GROUP MEMBER...",
		Short: "Add users, groups or computers to a group",
		Long: `Add members to a group (Add-ADGroupMember). A MEMBER is a user (any USER form), else a group
or a computer (PC042 or PC042$). A group that would end up inside itself is refused, with
the chain of groups that closes the cycle. MEMBER may be "-" (stdin) or @FILE, one per line.`,
		Example: `  adkit group add "VPN Users" jdoe asmith --ticket INC-1234
  adkit group add "VPN Users" Engineers
  adkit group add "VPN Users" - < new-starters.txt`,
		Args: cmdutil.MinimumArgs(2, "GROUP and at least one MEMBER"),
	}
	if !add {
		cmd.Use, cmd.Short = "remove GROUP USER...", "Remove accounts from a group"
		cmd.Example = `  adkit group remove "VPN Users" jdoe --ticket INC-1234`
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var err error
		opts.Group = args[0]
		if opts.Bulk, err = f.Bulk(args[1:]); err != nil {
			return err
		}
		return cmdutil.Run(cmd.Context(), opts, runF, editRun)
	}
	return cmd
}

func editRun(ctx context.Context, opts *editOptions) error {
	if !opts.Add {
		if err := opts.Confirm("Remove from " + opts.Group); err != nil {
			return err
		}
	}
	dir, err := opts.Groups(ctx)
	if err != nil {
		return err
	}
	g, err := dir.ResolveGroup(ctx, opts.Group)
	if err != nil {
		return &cmdutil.TargetError{Target: opts.Group, Err: err}
	}
	change := dir.RemoveMember
	if opts.Add {
		change = dir.AddMember
	}
	if bulk, ok := dir.(bulkMembershipEditor); ok && len(opts.Targets) > 1 {
		change = bulkChange(ctx, bulk, g, opts)
	}
	return cmdutil.RunChanges(ctx, opts.IO, opts.Format, opts.Targets, func(ctx context.Context, user string) (cmdutil.Outcome, error) {
		o, err := change(ctx, g, user)
		return cmdutil.FromAD(o), err
	})
}

// bulkChange makes every change at once and hands the results out, target by target, in the
// order RunChanges asks for them (the order of opts.Targets).
func bulkChange(ctx context.Context, bulk bulkMembershipEditor, g directory.GroupRef, opts *editOptions) func(context.Context, directory.GroupRef, string) (directory.Outcome, error) {
	edit := bulk.RemoveMembers
	if opts.Add {
		edit = bulk.AddMembers
	}
	outs, errs := edit(ctx, g, opts.Targets)
	next := 0
	return func(context.Context, directory.GroupRef, string) (directory.Outcome, error) {
		i := next
		next++
		return outs[i], errs[i]
	}
}
