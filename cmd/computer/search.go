package computer

import (
	"context"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type computerSearcher interface {
	SearchComputers(ctx context.Context, q directory.ComputerQuery, now time.Time, fn func(*directory.Computer) error) error
}

type searchOptions struct {
	IO        *iostreams.IOStreams
	Computers func(context.Context) (computerSearcher, error)
	Now       func() time.Time
	Format    output.Format
	Query     directory.ComputerQuery
}

func newCmdSearch(f *factory.Factory, runF func(*searchOptions) error) *cobra.Command {
	opts := &searchOptions{IO: f.IO, Now: f.Now, Computers: factory.DirectoryFunc[computerSearcher](f)}
	q := &opts.Query
	cmd := &cobra.Command{
		Use:   "search [flags]",
		Short: "Find computers: stale, disabled, by operating system or name",
		Long: `Find computer accounts matching every condition given; results stream as they arrive.

--stale uses lastLogonTimestamp, which AD updates only when the stored value is more than
9 to 14 days old: a computer may have logged on up to 14 days more recently than it shows,
so --stale 90 lists computers not seen for at least 90 days by that measure.`,
		Example: `  adkit computer search --stale 90 --enabled -o csv > stale.csv
  adkit computer search --os 'Windows 10*'
  adkit computer search --disabled --ou "OU=Workstations,DC=corp,DC=example,DC=com"`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if q.Enabled && q.Disabled {
				return cmdutil.FlagErrorf("--enabled and --disabled exclude each other")
			}
			if cmd.Flags().Changed("stale") && q.StaleDays <= 0 {
				return cmdutil.FlagErrorf("--stale takes a positive number of days, not %d", q.StaleDays)
			}
			return cmdutil.Run(cmd.Context(), opts, runF, searchRun)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&q.Exact, "exact", false, "with --stale: the newest lastLogon over every domain controller, one search per DC")
	fl.IntVar(&q.StaleDays, "stale", 0, "no logon for `DAYS` days (by lastLogonTimestamp, which lags up to 14 days), or never logged on and older than that")
	fl.BoolVar(&q.Disabled, "disabled", false, "disabled computer accounts")
	fl.BoolVar(&q.Enabled, "enabled", false, "enabled computer accounts")
	fl.StringVar(&q.OSGlob, "os", "", "operating system matching `GLOB`, e.g. 'Windows 10*' (* is the only wildcard)")
	fl.StringVar(&q.NameGlob, "name", "", "name, DNS name or account name matching `GLOB` (* is the only wildcard)")
	fl.StringVar(&q.OU, "ou", "", "only computers under this OU (a `DN`)")
	return cmd
}

var searchHeader = []string{"name", "dns_host_name", "operating_system", "enabled", "last_logon", "laps", "dn"}

func searchRun(ctx context.Context, opts *searchOptions) error {
	computers, err := opts.Computers(ctx)
	if err != nil {
		return err
	}
	now := opts.Now()
	age := cmdutil.LogonAge{Flag: "--stale DAYS", Days: opts.Query.StaleDays, Exact: opts.Query.Exact, Timestamp: true,
		Results: "computers", What: "stale"}
	return cmdutil.SearchByLogon(opts.IO, opts.Format, age, &opts.Query.MissingDCs, cmdutil.SearchTable[*directory.Computer]{
		CSVHeader:   searchHeader,
		TableHeader: []string{"Name", "DNS name", "Operating system", "Enabled", "Last logon", "LAPS", "DN"},
		None:        "no computers match",
		Row:         func(pc *directory.Computer, human bool) []string { return searchRow(pc, human, now) },
	}, func(emit func(*directory.Computer) error) error {
		return computers.SearchComputers(ctx, opts.Query, now, emit)
	})
}

func searchRow(pc *directory.Computer, human bool, now time.Time) []string {
	last := cmdutil.When(pc.LastLogon, human, now, cmdutil.DayLayout, "never")
	return []string{pc.Label(), pc.DNSHostName, pc.OperatingSystem, strconv.FormatBool(pc.Enabled), last, pc.LAPS, pc.DN}
}
