package user

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

type userSearcher interface {
	SearchUsers(ctx context.Context, q directory.UserQuery, now time.Time, fn func(*directory.User) error) error
}

type searchOptions struct {
	IO     *iostreams.IOStreams
	Users  func(context.Context) (userSearcher, error)
	Target func() (string, error)
	Now    func() time.Time
	Format output.Format
	Query  directory.UserQuery
}

func newCmdSearch(f *factory.Factory, runF func(*searchOptions) error) *cobra.Command {
	opts := &searchOptions{IO: f.IO, Now: f.Now, Target: f.Target, Users: factory.DirectoryFunc[userSearcher](f)}
	q := &opts.Query
	var inactive string
	cmd := &cobra.Command{
		Use:   "search [flags]",
		Short: "Find accounts: locked, disabled, inactive, expired passwords, by name",
		Long: `Find accounts matching every condition given. Results stream as they arrive, so a search
over a large domain starts printing at once and does not hold every account in memory.

--inactive uses lastLogonTimestamp, which AD replicates only every 9 to 14 days: an account
may have logged on up to 14 days more recently than it shows.`,
		Example: `  adkit user search --locked
  adkit user search --inactive 90d --enabled -o csv > stale.csv
  adkit user search --name 'j*' --ou "OU=Staff,DC=corp,DC=example,DC=com"`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if q.Enabled && q.Disabled {
				return cmdutil.FlagErrorf("--enabled and --disabled exclude each other")
			}
			if cmd.Flags().Changed("inactive") {
				if q.InactiveDays, err = parseDays(inactive); err != nil {
					return err
				}
			}
			return cmdutil.Run(cmd.Context(), opts, runF, searchRun)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&q.Locked, "locked", false, "locked-out accounts")
	fl.BoolVar(&q.Disabled, "disabled", false, "disabled accounts")
	fl.BoolVar(&q.Enabled, "enabled", false, "enabled accounts")
	fl.BoolVar(&q.Exact, "exact", false, "with --inactive: the newest lastLogon over every domain controller, one search per DC, instead of lastLogonTimestamp")
	fl.StringVar(&inactive, "inactive", "", "no logon for `DAYS` days (90 or 90d; by lastLogonTimestamp), or never logged on and older than that")
	fl.BoolVar(&q.PasswordExpired, "password-expired", false, "accounts whose password has expired")
	fl.BoolVar(&q.PasswordNeverExpires, "password-never-expires", false, "accounts whose password never expires")
	fl.BoolVar(&q.NeverLoggedOn, "never-logged-on", false, "accounts that have never logged on")
	fl.StringVar(&q.NameGlob, "name", "", "logon name, UPN, display name or cn matching `GLOB` (* is the only wildcard)")
	fl.StringVar(&q.OU, "ou", "", "only accounts under this OU (a `DN`)")
	fl.BoolVar(&q.Guests, "guests", false, "guest (B2B) accounts (Entra ID)")
	return cmd
}

var searchHeader = []string{"sam_account_name", "display_name", "enabled", "locked", "last_logon", "pwd_last_set", "dn"}

func searchRun(ctx context.Context, opts *searchOptions) error {
	users, err := opts.Users(ctx)
	if err != nil {
		return err
	}
	t, _ := opts.Target()
	now := opts.Now()
	age := cmdutil.LogonAge{Flag: "--inactive DAYS", Days: opts.Query.InactiveDays, Exact: opts.Query.Exact, Timestamp: t != "entra",
		Results: "accounts", What: "inactive"}
	return cmdutil.SearchByLogon(opts.IO, opts.Format, age, &opts.Query.MissingDCs, cmdutil.SearchTable[*directory.User]{
		CSVHeader:   searchHeader,
		TableHeader: []string{"Logon name", "Display name", "Enabled", "Locked", "Last logon", "Password set", "DN"},
		None:        "no accounts match",
		Row:         func(u *directory.User, human bool) []string { return searchRow(u, human, now) },
	}, func(emit func(*directory.User) error) error { return users.SearchUsers(ctx, opts.Query, now, emit) })
}

func searchRow(u *directory.User, human bool, now time.Time) []string {
	ts := func(t *time.Time) string { return cmdutil.When(t, human, now, cmdutil.DayLayout, "never") }
	dn := u.DN
	if dn == "" {
		dn = u.ID // Entra ID names objects by id
	}
	return []string{u.Name(), u.DisplayName, strconv.FormatBool(u.Enabled), strconv.FormatBool(u.Locked),
		ts(u.LastLogon), ts(u.PwdLastSet), dn}
}

// parseDays reads --inactive: a positive whole number of days, with or without a "d" (as
// log show --since 7d is written). 0 is refused: it would read as "not given" and list every
// account.
func parseDays(s string) (int, error) {
	t := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "d")
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 || strings.HasPrefix(t, "+") {
		return 0, cmdutil.FlagErrorf("--inactive %q: give a positive number of days, such as 90 or 90d", s)
	}
	return n, nil
}
