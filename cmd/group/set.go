package group

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type groupUpdater interface {
	UpdateGroup(ctx context.Context, ident string, upd directory.GroupUpdate) (directory.Outcome, error)
}

type setOptions struct {
	IO      *iostreams.IOStreams
	Groups  func(context.Context) (groupUpdater, error)
	Format  output.Format
	Targets []string
	Update  directory.GroupUpdate
}

func newCmdSet(f *factory.Factory, runF func(*setOptions) error) *cobra.Command {
	opts := &setOptions{IO: f.IO, Groups: factory.DirectoryFunc[groupUpdater](f)}
	var description, owner string
	cmd := &cobra.Command{
		Use:   "set GROUP... [--owner USER] [--description TEXT]",
		Short: "Change a group's owner or description",
		Long: `Change the owner (managedBy) or the description of one or more groups (Set-ADGroup).
An empty value empties it: --owner "" leaves the group without an owner. GROUP may be "-" or
@FILE to read the groups from stdin or a file, one per line.`,
		Example: `  adkit group set "VPN Users" --owner asmith --ticket INC-1234
  adkit group set "Project Falcon" --description "Falcon project team (ends 2026-12)"`,
		Args: cmdutil.MinimumArgs(1, "GROUP: the group to change"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if cmd.Flags().Changed("description") {
				opts.Update.Description = &description
			}
			if cmd.Flags().Changed("owner") {
				opts.Update.Owner = &owner
			}
			if opts.Update.Description == nil && opts.Update.Owner == nil {
				return cmdutil.FlagErrorf("nothing to change: give --owner USER or --description TEXT")
			}
			if opts.Targets, err = cmdutil.ReadTargets(f.IO.In, args); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, setRun)
		},
	}
	cmd.Flags().StringVar(&description, "description", "", "new description (\"\" empties it)")
	cmd.Flags().StringVar(&owner, "owner", "", "new owner, any USER form (\"\" removes it)")
	return cmd
}

func setRun(ctx context.Context, opts *setOptions) error {
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, opts.Targets, opts.Groups,
		func(ctx context.Context, groups groupUpdater, t string) (cmdutil.Outcome, error) {
			return cmdutil.Result(groups.UpdateGroup(ctx, t, opts.Update))
		})
}
