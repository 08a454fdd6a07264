package auditcmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/audit/check"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type diffOptions struct {
	IO       *iostreams.IOStreams
	Format   output.Format
	Old, New string
}

func newCmdDiff(f *factory.Factory, runF func(*diffOptions) error) *cobra.Command {
	opts := &diffOptions{IO: f.IO}
	return &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Show who was added to or removed from privileged groups, and which flags changed",
		Long: `Compare two snapshots from 'adkit audit snapshot': members added to and removed from each
privileged group, members who now hold a group through a different chain of groups, and
accounts whose flags changed (disabled, password never expires, SPN, delegation, ...).
Members are matched by SID, so a renamed or moved account is not reported as a change.
Reads only the two files; it does not connect to the directory.`,
		Example: `  adkit audit diff baseline.json today.json
  adkit audit diff baseline.json today.json -o json`,
		Args: cmdutil.ExactArgs(2, "OLD and NEW: two snapshot files"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			opts.Old, opts.New = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return diffRun(opts)
		},
	}
}

func diffRun(opts *diffOptions) error {
	before, err := readSnapshotFile(opts.Old)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	after, err := readSnapshotFile(opts.New)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if before.Directory != after.Directory {
		fmt.Fprintf(opts.IO.ErrOut, "warning: the snapshots are of different domains (%s and %s)\n", before.Directory, after.Directory)
	}
	d := check.Compare(before, after)
	human := opts.Format == output.FormatTable || (opts.Format == output.FormatAuto && opts.IO.IsStdoutTTY())
	if human && len(d.Changes) == 0 {
		_, err := fmt.Fprintf(opts.IO.Out, "No changes between %s and %s.\n", opts.Old, opts.New)
		return err
	}
	return output.Print(opts.IO, opts.Format, d.Table(), diffResult{d})
}

// diffResult is the diff as -o json prints it; its CSV has one row per change.
type diffResult struct{ *check.Diff }

func (r diffResult) CSVRecords() any { return r.Changes }
