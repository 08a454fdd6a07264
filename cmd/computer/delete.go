package computer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/computer/shared"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/snapshotfile"
)

type computerDeleter interface {
	DeleteComputer(ctx context.Context, ident string, opts directory.DeleteComputerOptions) (directory.ComputerOutcome, *directory.ComputerSnapshot, error)
}

type deleteOptions struct {
	Computers func(context.Context) (computerDeleter, error)
	Now       func() time.Time
	cmdutil.Bulk
	Force       bool
	SnapshotDir string
}

func newCmdDelete(f *factory.Factory, runF func(*deleteOptions) error) *cobra.Command {
	opts := &deleteOptions{Now: f.Now, Computers: factory.DirectoryFunc[computerDeleter](f)}
	cmd := &cobra.Command{
		Use:   "delete PC...",
		Short: "Delete computer accounts, keeping a snapshot of each",
		Long: `Delete computer accounts (Remove-ADComputer). Before each delete adkit saves a snapshot (JSON:
DN, OU, names, operating system, flags, groups, SPNs, SID) in --snapshot-dir, and a delete
whose snapshot cannot be saved does not happen. The snapshot holds no secret.

A computer with BitLocker recovery information (or other objects) below it is refused
unless --force: the recovery passwords are deleted with it, so read them first with
"adkit computer bitlocker PC". adkit always asks first on a terminal; without one it needs --yes.`,
		Example: `  adkit computer delete WS-0142 --ticket INC-1234
  adkit computer delete WS-0142 WS-0177 --yes --snapshot-dir /srv/adkit/computers`,
		Args: cmdutil.MinimumArgs(1, "PC: the computer to delete"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Bulk, err = f.Bulk(args, func() error {
				if opts.SnapshotDir == "" {
					state, err := config.StateDir(f.Getenv)
					if err != nil {
						return err
					}
					opts.SnapshotDir = filepath.Join(state, "computers")
				}
				return nil
			}); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, deleteRun)
		},
	}
	cmd.Flags().BoolVar(&opts.Force, "force", false, "also delete what lies below the computer (BitLocker recovery information)")
	cmd.Flags().StringVar(&opts.SnapshotDir, "snapshot-dir", "", "where snapshots are saved (default ~/.local/state/adkit/computers)")
	return cmd
}

func deleteRun(ctx context.Context, opts *deleteOptions) error {
	if err := shared.Confirm(&opts.Bulk, "Delete",
		"A snapshot of each is kept, but the account's SID is gone for good: a recreated account is a new one."); err != nil {
		return err
	}
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, opts.Targets, opts.Computers, func(ctx context.Context, computers computerDeleter, t string) (cmdutil.Outcome, error) {
		var path string
		o, _, err := computers.DeleteComputer(ctx, t, directory.DeleteComputerOptions{
			Force: opts.Force,
			Now:   opts.Now(),
			Save: func(s *directory.ComputerSnapshot) error {
				var err error
				path, err = saveSnapshot(opts.SnapshotDir, s)
				return err
			},
		})
		snapshotfile.DiscardIfRefused(path, err)
		out := shared.FromComputer(o)
		if err == nil && path != "" {
			out.Note += "; snapshot " + path
		}
		return out, err
	})
}

// saveSnapshot writes a computer's snapshot to its own file (0600: it names groups and SPNs)
// and returns the path. The name carries the time, so a name deleted twice keeps both.
func saveSnapshot(dir string, s *directory.ComputerSnapshot) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create snapshot directory: %w", err)
	}
	data, err := s.JSON()
	if err != nil {
		return "", err
	}
	name := strings.NewReplacer("/", "_", `\`, "_", ":", "_").Replace(strings.TrimSuffix(s.SAMAccountName, "$"))
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.json", name, s.TakenAt.UTC().Format("20060102T150405Z")))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("write snapshot: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return "", fmt.Errorf("write snapshot %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write snapshot %s: %w", path, err)
	}
	return path, nil
}
