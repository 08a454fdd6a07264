package group

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type groupRestorer interface {
	RestoreGroup(ctx context.Context, snap *directory.GroupSnapshot, ou string) (directory.GroupRestore, error)
	DryRun() bool
}

type restoreOptions struct {
	IO       *iostreams.IOStreams
	Groups   func(context.Context) (groupRestorer, error)
	Format   output.Format
	Snapshot *directory.GroupSnapshot
	OU       string
}

func newCmdRestore(f *factory.Factory, runF func(*restoreOptions) error) *cobra.Command {
	opts := &restoreOptions{IO: f.IO, Groups: factory.DirectoryFunc[groupRestorer](f)}
	var path string
	cmd := &cobra.Command{
		Use:   "restore --snapshot FILE [--ou DN]",
		Short: "Recreate a deleted group from its snapshot",
		Long: `Recreate a group that adkit group delete removed, from the snapshot it saved: the same name,
scope, type, description and owner, in its old OU (or --ou), then its members and the groups
it was a member of, each change audited. Members or groups deleted since are listed, not
fatal. The new group has a new SID: permissions granted to the old group on files or
objects must be granted again.`,
		Example: `  adkit group restore --snapshot ~/.local/state/adkit/groups/falcon-20261203T101500Z.json --ticket INC-90`,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if path == "" {
				return cmdutil.FlagErrorf("--snapshot FILE is required: the snapshot adkit group delete saved")
			}
			// Where the file should have come from, for every message about a wrong one.
			where := "adkit group delete saves one per group in --snapshot-dir"
			if dir, err := config.StateDir(f.Getenv); err == nil {
				where += " (default " + filepath.Join(dir, "groups") + ")"
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return &cmdutil.FlagError{Err: fmt.Errorf("read snapshot: %w; %s", err, where)}
			}
			opts.Snapshot = &directory.GroupSnapshot{}
			if err := json.Unmarshal(data, opts.Snapshot); err != nil {
				return cmdutil.FlagErrorf("snapshot %s is not a group snapshot (JSON): %v; nothing was changed; %s", path, err, where)
			}
			// Checked before connecting: a file of another kind (a computer's snapshot, say)
			// must not get as far as the directory.
			if s := opts.Snapshot; s.Version != directory.GroupSnapshotVersion || s.SAMAccountName == "" || s.CN == "" {
				return cmdutil.FlagErrorf("snapshot %s is not a group snapshot adkit can read (version %d, group name %q); nothing was changed; %s",
					path, s.Version, s.SAMAccountName, where)
			}
			return cmdutil.Run(cmd.Context(), opts, runF, restoreRun)
		},
	}
	cmd.Flags().StringVar(&path, "snapshot", "", "the snapshot file written by adkit group delete")
	cmd.Flags().StringVar(&opts.OU, "ou", "", "recreate the group in this OU instead of its old one")
	return cmd
}

func restoreRun(ctx context.Context, opts *restoreOptions) error {
	groups, err := opts.Groups(ctx)
	if err != nil {
		return err
	}
	snap := opts.Snapshot
	return cmdutil.RunChanges(ctx, opts.IO, opts.Format, []string{snap.SAMAccountName}, func(ctx context.Context, _ string) (cmdutil.Outcome, error) {
		res, err := groups.RestoreGroup(ctx, snap, opts.OU)
		out := cmdutil.Outcome{Name: snap.SAMAccountName}
		if res.Group != nil {
			out.DN = res.Group.DN
		}
		if err != nil {
			return out, err
		}
		verb := "recreated"
		if groups.DryRun() {
			verb = "would recreate"
			out.WouldChange = true
		} else {
			out.Changed = true
		}
		out.Note = fmt.Sprintf("%s as %s with %d of %d members, in %d of %d groups", verb, res.Group.DN,
			res.MembersAdded, len(snap.Members), res.ParentsAdded, len(snap.MemberOf))
		var gone []string
		if len(res.MissingMembers) > 0 {
			gone = append(gone, "members deleted since: "+names(res.MissingMembers))
		}
		if len(res.MissingParents) > 0 {
			gone = append(gone, "groups deleted since: "+names(res.MissingParents))
		}
		if res.OwnerMissing != "" {
			gone = append(gone, "the owner is gone: "+dn.CommonName(res.OwnerMissing))
		}
		if len(gone) > 0 {
			out.Note += "; " + strings.Join(gone, "; ")
		}
		return out, nil
	})
}

func names(dns []string) string {
	out := make([]string, len(dns))
	for i, d := range dns {
		out[i] = dn.CommonName(d)
	}
	return cmdutil.NameList(out)
}
