package computer

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type computerReader interface {
	Computer(ctx context.Context, ident string) (*directory.Computer, error)
}

type showOptions struct {
	IO        *iostreams.IOStreams
	Computers func(context.Context) (computerReader, error)
	Now       func() time.Time
	Format    output.Format
	Targets   []string
}

func newCmdShow(f *factory.Factory, runF func(*showOptions) error) *cobra.Command {
	opts := &showOptions{IO: f.IO, Now: f.Now, Computers: factory.DirectoryFunc[computerReader](f)}
	return &cobra.Command{
		Use:   "show PC...",
		Short: "Show computer accounts: OS, last logon, enabled, LAPS, groups",
		Long: `Show one or more computer accounts (Get-ADComputer -Properties *). With -o json one PC gives
an object, several an array. laps says whether Windows LAPS or legacy LAPS manages the
computer and when its password expires; the password itself is read with "computer laps".`,
		Example: `  adkit computer show WS-0142
  adkit computer show ws-0142.corp.example.com -o json`,
		Args: cmdutil.MinimumArgs(1, "PC: the computer to show"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, opts.Targets, err = f.FormatAndTargets(args); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, showRun)
		},
	}
}

func showRun(ctx context.Context, opts *showOptions) error {
	computers, err := opts.Computers(ctx)
	if err != nil {
		return err
	}
	return cmdutil.ShowEach(ctx, opts.IO, opts.Format, opts.Targets, cmdutil.Details[*directory.Computer]{
		CSVHeader: showHeader,
		CSVRow:    func(pc *directory.Computer) []string { return detailRow(pc, false, opts.Now()) },
		Table: func(pc *directory.Computer, human bool) output.Table {
			t := output.Table{Header: []string{"Field", "Value"}}
			for j, v := range detailRow(pc, human, opts.Now()) {
				t.AddRow(showHeader[j], v)
			}
			return t
		},
	}, computers.Computer)
}

var showHeader = []string{
	"dn", "name", "sam_account_name", "dns_host_name", "operating_system", "operating_system_version",
	"enabled", "last_logon", "pwd_last_set", "when_created", "description", "location", "managed_by",
	"laps", "laps_expires", "member_of", "object_sid",
}

// detailRow is a computer's fields in showHeader's order; for people times are worded and the
// last logon carries lastLogonTimestamp's lag.
func detailRow(pc *directory.Computer, human bool, now time.Time) []string {
	when := func(t *time.Time, unset string) string {
		return cmdutil.When(t, human, now, cmdutil.MinuteLayout, unset)
	}
	enabled, laps, last := strconv.FormatBool(pc.Enabled), pc.LAPS, when(pc.LastLogon, "never")
	groups := strings.Join(pc.MemberOf, ";")
	if human {
		enabled = map[bool]string{true: "yes", false: "NO (disabled)"}[pc.Enabled]
		switch pc.LAPS {
		case "windows":
			laps = "Windows LAPS"
		case "legacy":
			laps = "legacy Microsoft LAPS"
		default:
			laps = "not managed by LAPS"
		}
		if pc.LastLogon != nil {
			last += ", may lag up to 14 days"
		}
		if groups == "" {
			groups = "(primary group only)"
		}
	}
	return []string{
		pc.DN, pc.Name, pc.SAMAccountName, pc.DNSHostName, pc.OperatingSystem, pc.OperatingSystemVersion,
		enabled, last, when(pc.PwdLastSet, "never"), when(pc.WhenCreated, ""), pc.Description, pc.Location, pc.ManagedBy,
		laps, when(pc.LAPSExpires, ""), groups, pc.ObjectSID,
	}
}
