package group

import (
	"context"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type memberLister interface {
	GroupMembers(ctx context.Context, ident string, recursive bool) (*directory.Group, []directory.Member, error)
}

type membersOptions struct {
	IO        *iostreams.IOStreams
	Groups    func(context.Context) (memberLister, error)
	Format    output.Format
	Target    string
	Recursive bool
}

func newCmdMembers(f *factory.Factory, runF func(*membersOptions) error) *cobra.Command {
	opts := &membersOptions{IO: f.IO, Groups: factory.DirectoryFunc[memberLister](f)}
	cmd := &cobra.Command{
		Use:   "members GROUP",
		Short: "List a group's members; --recursive expands nested groups",
		Long: `List a group's members, those whose primary group it is included (AD does not list them in
the member attribute). Large groups are read completely. With --recursive, members of nested
groups are listed too, once each, with the chain of groups they are members through; a
cycle of groups ends the walk.`,
		Example: `  adkit group members "Domain Admins" --recursive
  adkit group members Staff -o csv > staff.csv`,
		Args: cmdutil.ExactArgs(1, "GROUP: the group whose members to list"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			opts.Target = args[0]
			return cmdutil.Run(cmd.Context(), opts, runF, membersRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Recursive, "recursive", "r", false, "include members of nested groups")
	return cmd
}

func membersRun(ctx context.Context, opts *membersOptions) error {
	groups, err := opts.Groups(ctx)
	if err != nil {
		return err
	}
	_, members, err := groups.GroupMembers(ctx, opts.Target, opts.Recursive)
	if err != nil {
		return &cmdutil.TargetError{Target: opts.Target, Err: err}
	}
	if members == nil {
		members = []directory.Member{} // an empty group is [] in JSON, not null
	}
	t := output.Table{Header: []string{"Member", "Class", "Enabled", "How", "DN"}}
	if opts.Format == output.FormatCSV {
		// CSV speaks snake_case like JSON, and so feeds `adkit group sync OTHER -` as it is.
		t.Header = []string{"sam_account_name", "class", "enabled", "how", "dn"}
	}
	for _, m := range members {
		enabled := ""
		if m.Enabled != nil {
			enabled = strconv.FormatBool(*m.Enabled)
		}
		t.AddRow(m.SAMAccountName, m.Class, enabled, how(m), m.DN)
	}
	return output.Print(opts.IO, opts.Format, t, members)
}

func how(m directory.Member) string {
	switch {
	case m.Primary && m.Direct:
		return "primary group"
	case m.Direct:
		return "direct"
	}
	s := "via " + strings.Join(dn.CommonNames(m.Via), " → ")
	if m.Primary {
		s += " (primary group)"
	}
	return s
}
