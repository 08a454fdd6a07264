package group

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type groupCreator interface {
	CreateGroup(ctx context.Context, ng directory.NewGroup) (*directory.Group, error)
	DryRun() bool
}

type createOptions struct {
	IO     *iostreams.IOStreams
	Groups func(context.Context) (groupCreator, error)
	Format output.Format
	Group  directory.NewGroup
}

func newCmdCreate(f *factory.Factory, runF func(*createOptions) error) *cobra.Command {
	opts := &createOptions{IO: f.IO, Groups: factory.DirectoryFunc[groupCreator](f)}
	cmd := &cobra.Command{
		Use:   "create NAME [--ou DN] [--scope global|domainlocal|universal] [--type security|distribution]",
		Short: "Create a group",
		Long: `Create a group (New-ADGroup). NAME is its CN and, unless --sam is given, its sAMAccountName.
The default is a global security group in the domain's Users container. --owner sets
managedBy ("Managed by" in ADUC) to any USER form. A name already used in the OU or the
domain changes nothing and exits 2.`,
		Example: `  adkit group create "Project Falcon" --ou "OU=Groups,DC=corp,DC=example,DC=com" --owner asmith --ticket INC-1234
  adkit group create all-sales --type distribution --scope universal --description "Everyone in Sales"`,
		Args: cmdutil.ExactArgs(1, "NAME: the new group's name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			opts.Group.Name = args[0]
			if !oneOf(opts.Group.Scope, directory.GroupScopes) {
				return cmdutil.FlagErrorf("--scope %q: use one of %s", opts.Group.Scope, strings.Join(directory.GroupScopes, ", "))
			}
			if !oneOf(opts.Group.Type, directory.GroupTypes) {
				return cmdutil.FlagErrorf("--type %q: use security or distribution", opts.Group.Type)
			}
			return cmdutil.Run(cmd.Context(), opts, runF, createRun)
		},
	}
	cmd.Flags().StringVar(&opts.Group.OU, "ou", "", "distinguished name of the OU to create it in (default: CN=Users)")
	cmd.Flags().StringVar(&opts.Group.Scope, "scope", "global", "global, domainlocal or universal")
	cmd.Flags().StringVar(&opts.Group.Type, "type", "security", "security or distribution")
	cmd.Flags().StringVar(&opts.Group.Description, "description", "", "description")
	cmd.Flags().StringVar(&opts.Group.Owner, "owner", "", "owner (managedBy): any USER form")
	cmd.Flags().StringVar(&opts.Group.SAMAccountName, "sam", "", "pre-Windows 2000 name (default: NAME)")
	return cmd
}

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if strings.EqualFold(strings.ReplaceAll(v, "_", ""), a) {
			return true
		}
	}
	return false
}

func createRun(ctx context.Context, opts *createOptions) error {
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, []string{opts.Group.Name}, opts.Groups, func(ctx context.Context, groups groupCreator, name string) (cmdutil.Outcome, error) {
		g, err := groups.CreateGroup(ctx, opts.Group)
		if err != nil {
			return cmdutil.Outcome{}, err
		}
		o := cmdutil.Outcome{DN: g.DN, Name: g.SAMAccountName, Changed: true, Note: "created " + g.Scope + " group " + g.DN}
		if g.MadeByAnother {
			o.Changed, o.Note = false, "already there: another run created "+g.DN+" at the same time"
		}
		if groups.DryRun() {
			o.Changed, o.WouldChange, o.Note = false, true, "would create "+g.Scope+" group "+g.DN+" (dry run: nothing changed)"
		}
		return o, nil
	})
}
