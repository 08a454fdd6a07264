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
	Target    string
	Recursive bool
}

func newCmdGroups(f *factory.Factory, runF func(*groupsOptions) error) *cobra.Command {
	opts := &groupsOptions{IO: f.IO, Users: func(ctx context.Context) (groupLister, error) { return factory.Directory[groupLister](ctx, f) }}
	cmd := &cobra.Command{
		Use:   "groups USER",
		Short: "List the groups an account belongs to",
		Long: `List an account's groups, its primary group included. With --recursive, also every group
it belongs to through nesting, each with the chain of groups it is reached through.`,
		Example: "  adkit user groups jdoe --recursive",
		Args:    cmdutil.ExactArgs(1, "USER: the account whose groups to list"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			opts.Target = args[0]
			if runF != nil {
				return runF(opts)
			}
			return groupsRun(cmd.Context(), opts)
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
	_, groups, err := users.UserGroups(ctx, opts.Target, opts.Recursive)
	if err != nil {
		return &cmdutil.TargetError{Target: opts.Target, Err: err}
	}
	t := output.Table{Header: []string{"Group", "How", "DN"}}
	for _, g := range groups {
		t.AddRow(g.SAMAccountName, how(g.Direct, g.Primary, g.Via), g.DN)
	}
	return output.Print(opts.IO, opts.Format, t, groups)
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
