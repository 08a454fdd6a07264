package user

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type groupLister interface {
	UserGroups(ctx context.Context, ident string, recursive bool) (*directory.User, []directory.Membership, error)
}

type groupsOptions struct {
	IO        *iostreams.IOStreams
	Users     func(context.Context) (groupLister, error)
	Format    output.Format
	Targets   []string
	Recursive bool
}

// userMembership is one row of `user groups` over several accounts: whose membership it is.
type userMembership struct {
	User string `json:"user"`
	directory.Membership
}

func newCmdGroups(f *factory.Factory, runF func(*groupsOptions) error) *cobra.Command {
	opts := &groupsOptions{IO: f.IO, Users: factory.DirectoryFunc[groupLister](f)}
	cmd := &cobra.Command{
		Use:   "groups USER...",
		Short: "List the groups accounts belong to",
		Long: `List an account's groups, its primary group included. With --recursive, also every group
it belongs to through nesting, each with the chain of groups it is reached through.
With several accounts (or "-" / @FILE: a list, one per line) each row starts with the
account it is about (a "user" column/field).`,
		Example: "  adkit user groups jdoe --recursive\n  adkit user groups jdoe asmith -o csv",
		Args:    cmdutil.MinimumArgs(1, "USER: the account whose groups to list"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, opts.Targets, err = f.FormatAndTargets(args); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, groupsRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Recursive, "recursive", "r", false, "include groups reached through nested groups")
	return cmd
}

func groupsRun(ctx context.Context, opts *groupsOptions) error {
	users, err := opts.Users(ctx)
	if err != nil {
		return err
	}
	if len(opts.Targets) == 1 {
		_, groups, err := users.UserGroups(ctx, opts.Targets[0], opts.Recursive)
		if err != nil {
			return &cmdutil.TargetError{Target: opts.Targets[0], Err: err}
		}
		t := output.Table{Header: []string{"Group", "How", "DN"}}
		if opts.Format == output.FormatCSV {
			t.Header = []string{"sam_account_name", "how", "dn"} // CSV speaks snake_case, as JSON does
		}
		for _, g := range groups {
			t.AddRow(g.SAMAccountName, how(g.Direct, g.Primary, g.Via), g.DN)
		}
		return output.Print(opts.IO, opts.Format, t, groups)
	}
	rows := []userMembership{}
	t := output.Table{Header: []string{"User", "Group", "How", "DN"}}
	if opts.Format == output.FormatCSV {
		t.Header = []string{"user", "sam_account_name", "how", "dn"}
	}
	runErr := cmdutil.EachTarget(ctx, opts.IO.ErrOut, opts.Targets, func(ctx context.Context, ident string) error {
		u, groups, err := users.UserGroups(ctx, ident, opts.Recursive)
		if err != nil {
			return err
		}
		for _, g := range groups {
			rows = append(rows, userMembership{User: u.Name(), Membership: g})
			t.AddRow(u.Name(), g.SAMAccountName, how(g.Direct, g.Primary, g.Via), g.DN)
		}
		return nil
	})
	if len(rows) == 0 && runErr != nil {
		return runErr
	}
	if err := output.Print(opts.IO, opts.Format, t, rows); err != nil {
		return err
	}
	return runErr
}

// how says in words how a membership is held: "direct", "primary group", or "via A → B".
func how(direct, primary bool, via []string) string {
	switch {
	case primary:
		return "primary group"
	case direct:
		return "direct"
	}
	return "via " + strings.Join(dn.CommonNames(via), " → ")
}
