package auditcmd

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/audit/check"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/replacefile"
)

type snapshotOptions struct {
	IO        *iostreams.IOStreams
	Load      inventoryLoader
	LoadEntra entraLoader
	// Target is the directory read: "ad" or "entra".
	Target  string
	Now     func() time.Time
	Verbose bool
	Out     string
}

func newCmdSnapshot(f *factory.Factory, runF func(*snapshotOptions) error) *cobra.Command {
	opts := &snapshotOptions{IO: f.IO, Load: loadFromAD(f), LoadEntra: loadFromEntra(f), Now: f.Now}
	cmd := &cobra.Command{
		Use:   "snapshot [--out FILE]",
		Short: "Save who holds privileged groups (with paths) and their account flags, as JSON",
		Long: `Save the members of every privileged group, with the chain of groups through which each
holds it, and the security-relevant flags of those accounts. Compare two snapshots with
'adkit audit diff', or a snapshot with the domain now with 'adkit audit run --baseline'.

With --target entra it saves who holds each directory role instead (role-assignable groups
expanded, with the group path), and whether each holder is disabled, a guest or an application.

The file lists the domain's administrators: it is written with mode 0600.`,
		Example: `  adkit audit snapshot --out baseline.json
  adkit audit snapshot > "snapshot-$(date +%F).json"`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := f.Globals.Format(output.FormatJSON); err != nil {
				return err
			}
			opts.Verbose = f.Globals.Verbose
			var err error
			if opts.Target, err = f.Target(); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, snapshotRun)
		},
	}
	cmd.Flags().StringVar(&opts.Out, "out", "", "write the snapshot to `FILE` (mode 0600) instead of stdout")
	return cmd
}

func snapshotRun(ctx context.Context, opts *snapshotOptions) error {
	var snap *check.Snapshot
	if opts.Target == "entra" {
		inv, err := opts.LoadEntra(ctx, check.EntraLoadOptions{})
		if err != nil {
			return err
		}
		if opts.Verbose {
			fmt.Fprintln(opts.IO.ErrOut, describeEntraLoad(inv))
		}
		snap = check.NewEntraSnapshot(inv, opts.Now())
	} else {
		inv, err := opts.Load(ctx, check.LoadOptions{})
		if err != nil {
			return err
		}
		if opts.Verbose {
			fmt.Fprintln(opts.IO.ErrOut, describeLoad(inv))
		}
		snap = check.NewSnapshot(inv, opts.Now())
	}
	if opts.Out == "" {
		return output.WriteJSON(opts.IO.Out, snap)
	}
	// Whole or not at all, owner-only: a reader never sees half a snapshot, and a failed
	// write leaves the old one in place.
	var b bytes.Buffer
	if err := output.WriteJSON(&b, snap); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if err := replacefile.Write(opts.Out, b.Bytes(), replacefile.Options{}); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if opts.Target == "entra" {
		fmt.Fprintf(opts.IO.ErrOut, "snapshot of %d directory roles and %d holders written to %s\n", len(snap.Groups), len(snap.Accounts), opts.Out)
		return nil
	}
	fmt.Fprintf(opts.IO.ErrOut, "snapshot of %d privileged groups and %d accounts written to %s\n", len(snap.Groups), len(snap.Accounts), opts.Out)
	return nil
}
