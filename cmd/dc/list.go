package dc

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type dcLister interface {
	DomainControllers(ctx context.Context) ([]directory.DomainController, error)
}

type listOptions struct {
	IO     *iostreams.IOStreams
	DCs    func(context.Context) (dcLister, error)
	Format output.Format
}

func newCmdList(f *factory.Factory, runF func(*listOptions) error) *cobra.Command {
	opts := &listOptions{IO: f.IO, DCs: func(ctx context.Context) (dcLister, error) {
		return factory.Directory[dcLister](ctx, f)
	}}
	return &cobra.Command{
		Use:   "list",
		Short: "List the domain controllers, their site, the PDC emulator, and whether each answers",
		Long: `List the domain controllers of the domain from the configuration partition (the server
objects under CN=Sites that hold NTDS Settings), with:

  site                   the AD site the DC belongs to
  pdc                    yes for the holder of the PDC emulator role
  answers                whether the DC's rootDSE could be read just now
  highest_committed_usn  the DC's own change counter (local to each DC; run twice to see
                         whether a DC is still taking changes)

Every DC is asked directly, verifying its certificate like any connection.`,
		Example: `  adkit dc list
  ADKIT_DOMAIN=corp.example.com adkit dc list -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, listRun)
		},
	}
}

func listRun(ctx context.Context, opts *listOptions) error {
	lister, err := opts.DCs(ctx)
	if err != nil {
		return err
	}
	dcs, err := lister.DomainControllers(ctx)
	if err != nil {
		return err
	}
	t := output.Table{Header: []string{"host", "site", "pdc", "answers", "highest_committed_usn", "error"}}
	down := 0
	for _, dc := range dcs {
		usn := ""
		if dc.Answers {
			usn = strconv.FormatInt(dc.HighestCommittedUSN, 10)
		} else {
			down++
		}
		t.AddRow(dc.Host, dc.Site, yesNo(dc.PDC), yesNo(dc.Answers), usn, dc.Error)
	}
	if err := output.Print(opts.IO, opts.Format, t, dcs); err != nil {
		return err
	}
	if down > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "%d of %d domain controllers did not answer: changes made on them have not reached the others, and logons there are not counted elsewhere\n", down, len(dcs))
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
