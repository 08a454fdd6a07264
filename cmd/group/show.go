package group

import (
	"context"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type groupReader interface {
	Group(ctx context.Context, ident string) (*directory.Group, error)
}

type showOptions struct {
	IO     *iostreams.IOStreams
	Groups func(context.Context) (groupReader, error)
	Format output.Format
	Target string
}

func newCmdShow(f *factory.Factory, runF func(*showOptions) error) *cobra.Command {
	opts := &showOptions{IO: f.IO, Groups: factory.DirectoryFunc[groupReader](f)}
	return &cobra.Command{
		Use:     "show GROUP",
		Short:   "Show a group: scope, type, direct members, parent groups",
		Example: `  adkit group show "Domain Admins" -o json`,
		Args:    cmdutil.ExactArgs(1, "GROUP: the group to show"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			opts.Target = args[0]
			return cmdutil.Run(cmd.Context(), opts, runF, showRun)
		},
	}
}

func showRun(ctx context.Context, opts *showOptions) error {
	groups, err := opts.Groups(ctx)
	if err != nil {
		return err
	}
	g, err := groups.Group(ctx, opts.Target)
	if err != nil {
		return &cmdutil.TargetError{Target: opts.Target, Err: err}
	}
	if opts.Format == output.FormatJSON {
		// member_count is the CSV's column too: CSV and JSON name the same fields.
		return output.WriteJSON(opts.IO.Out, struct {
			*directory.Group
			MemberCount int `json:"member_count"`
		}{g, len(g.Members)})
	}
	kind := "distribution"
	if g.Security {
		kind = "security"
	}
	if opts.Format == output.FormatCSV {
		t := output.Table{Header: []string{"dn", "sam_account_name", "cn", "scope", "security", "mail", "description", "member_count", "members", "member_of"}}
		t.AddRow(g.DN, g.SAMAccountName, g.CN, g.Scope, strconv.FormatBool(g.Security), g.Mail, g.Description,
			strconv.Itoa(len(g.Members)), strings.Join(g.Members, ";"), strings.Join(g.MemberOf, ";"))
		return output.WriteCSV(opts.IO.Out, t)
	}
	t := output.Table{Header: []string{"Field", "Value"}}
	t.AddRow("dn", g.DN)
	t.AddRow("sam_account_name", g.SAMAccountName)
	t.AddRow("type", g.Scope+" "+kind)
	t.AddRow("mail", g.Mail)
	t.AddRow("description", g.Description)
	t.AddRow("members", strconv.Itoa(len(g.Members))+" direct (see: adkit group members)")
	for i, p := range g.MemberOf {
		label := ""
		if i == 0 {
			label = "member_of"
		}
		t.AddRow(label, p)
	}
	return output.Print(opts.IO, opts.Format, t, nil)
}
