package group

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/snapshotfile"
)

type groupDeleter interface {
	SnapshotGroup(ctx context.Context, ident string) (*directory.GroupSnapshot, error)
	DeleteGroup(ctx context.Context, snap *directory.GroupSnapshot, force bool, snapshotPath string) (directory.Outcome, error)
}

type deleteOptions struct {
	Groups func(context.Context) (groupDeleter, error)
	cmdutil.Bulk
	Force       bool
	Ticket      string
	SnapshotDir string
}

func newCmdDelete(f *factory.Factory, runF func(*deleteOptions) error) *cobra.Command {
	opts := &deleteOptions{Groups: factory.DirectoryFunc[groupDeleter](f)}
	cmd := &cobra.Command{
		Use:   "delete GROUP... [--force] [--snapshot-dir DIR]",
		Short: "Delete groups, keeping a snapshot to recreate them",
		Long: `Delete one or more groups (Remove-ADGroup). Before anything is deleted, a snapshot of each
group — its name, type, description, owner, members and the groups it is a member of — is
saved as JSON (mode 0600) in --snapshot-dir (default $XDG_STATE_HOME/adkit/groups/), so it can
be recreated with group create, group sync and group add. A group that still has members is
refused unless --force; built-in groups (Domain Admins, ...) are always refused. Asks first on
a terminal; without one, deleting several groups needs --yes.`,
		Example: `  adkit group delete "Project Falcon" --ticket INC-1234
  adkit group delete old-team --force --yes`,
		Args: cmdutil.MinimumArgs(1, "GROUP: the group to delete"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Bulk, err = f.Bulk(args); err != nil {
				return err
			}
			if opts.SnapshotDir == "" {
				dir, err := config.StateDir(f.Getenv)
				if err != nil {
					return err
				}
				opts.SnapshotDir = filepath.Join(dir, "groups")
			}
			opts.Ticket = f.Globals.Ticket
			return cmdutil.Run(cmd.Context(), opts, runF, deleteRun)
		},
	}
	cmd.Flags().BoolVar(&opts.Force, "force", false, "delete a group that still has members")
	cmd.Flags().StringVar(&opts.SnapshotDir, "snapshot-dir", "", "where to save the snapshots (default $XDG_STATE_HOME/adkit/groups)")
	return cmd
}

func deleteRun(ctx context.Context, opts *deleteOptions) error {
	if len(opts.Targets) > 1 {
		if err := opts.Confirm("Delete the groups"); err != nil {
			return err
		}
	} else if !opts.Yes && !opts.DryRun && opts.IO.CanPrompt() {
		ok, err := opts.Confirmer.Confirm(fmt.Sprintf("Delete the group %s?", opts.Targets[0]), false)
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.ErrDeclined
		}
	}
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, opts.Targets, opts.Groups, func(ctx context.Context, groups groupDeleter, t string) (cmdutil.Outcome, error) {
		snap, err := groups.SnapshotGroup(ctx, t)
		if err != nil {
			return cmdutil.Outcome{}, err
		}
		snap.Ticket = opts.Ticket
		path := ""
		if !opts.DryRun && (len(snap.Members) == 0 || opts.Force) {
			// Saved, and synced, before the group is touched: no snapshot, no delete.
			if path, err = snapshotfile.Save(opts.SnapshotDir, snap.SAMAccountName, snap.TakenAt, snap); err != nil {
				return cmdutil.Outcome{DN: snap.DN, Name: snap.SAMAccountName}, err
			}
		}
		o, err := groups.DeleteGroup(ctx, snap, opts.Force, path)
		snapshotfile.DiscardIfRefused(path, err)
		out := cmdutil.FromAD(o)
		if err == nil && path != "" {
			out.Note += "; snapshot " + path
		}
		return out, err
	})
}
