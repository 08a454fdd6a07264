package auditcmd

import (
	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/audit/check"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type checksOptions struct {
	IO     *iostreams.IOStreams
	Format output.Format
	// Target is the directory whose checks are listed: "ad" (also when empty) or "entra".
	Target string
}

// checkInfo is one line of `audit checks -o json`.
type checkInfo struct {
	ID            string `json:"id"`
	Severity      string `json:"severity"`
	Title         string `json:"title"`
	Why           string `json:"why"`
	Fix           string `json:"fix"`
	NeedsBaseline bool   `json:"needs_baseline"`
}

func newCmdChecks(f *factory.Factory, runF func(*checksOptions) error) *cobra.Command {
	opts := &checksOptions{IO: f.IO}
	return &cobra.Command{
		Use:   "checks",
		Short: "List every check: id, severity, what it finds",
		Long: `List the checks that 'audit run' makes. The IDs are stable: select checks with
'audit run --check ID' and compare reports over time by them. The Active Directory and the
Entra ID checks are listed for their target (--target ad|entra).`,
		Example: `  adkit audit checks
  adkit audit checks --target entra -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if opts.Target, err = f.Target(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return checksRun(opts)
		},
	}
}

func checksRun(opts *checksOptions) error {
	catalog := check.Catalog()
	if opts.Target == "entra" {
		catalog = check.EntraCatalog()
	}
	infos := make([]checkInfo, len(catalog))
	for i, c := range catalog {
		infos[i] = checkInfo{ID: c.ID, Severity: c.Severity.String(), Title: c.Title, Why: c.Why, Fix: c.Fix, NeedsBaseline: c.NeedsBaseline}
	}
	return output.Print(opts.IO, opts.Format, check.CatalogTable(catalog), infos)
}
