package user

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type lockoutStatusReader interface {
	LockoutStatus(ctx context.Context, ident string) (*directory.LockoutStatus, error)
}

type lockoutStatusOptions struct {
	IO     *iostreams.IOStreams
	Users  func(context.Context) (lockoutStatusReader, error)
	Target func() (string, error)
	Format output.Format
	User   string
}

func newCmdLockoutStatus(f *factory.Factory, runF func(*lockoutStatusOptions) error) *cobra.Command {
	opts := &lockoutStatusOptions{IO: f.IO, Target: f.Target,
		Users: func(ctx context.Context) (lockoutStatusReader, error) { return f.AD(ctx) }}
	return &cobra.Command{
		Use:   "lockout-status USER",
		Short: "Per domain controller: locked or not, bad passwords, and where the lockout came from",
		Long: `Show, for every domain controller, what it knows of the account's lockout (like Microsoft's
LockoutStatus.exe): site, locked, bad_pwd_count, last_bad_password_time, lockout_time,
pwd_last_set and last_logon. The bad-password count and last logon are kept by each DC and never
replicated, so they differ by DC; a lockout or unlock reaches the other DCs only by replication.

lockout_origin is the DC where the lockout was written (from lockoutTime's replication
metadata). That DC's Security log, event 4740, names the machine that sent the bad passwords:
a phone with an old password, a mapped drive, a service. See docs/domain-controllers.md.`,
		Example: `  adkit user lockout-status jdoe
  ADKIT_DOMAIN=corp.example.com adkit user lockout-status jdoe -o json`,
		Args: cmdutil.ExactArgs(1, "USER: the account to look at"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			opts.User = args[0]
			return cmdutil.Run(cmd.Context(), opts, runF, lockoutStatusRun)
		},
	}
}

func lockoutStatusRun(ctx context.Context, opts *lockoutStatusOptions) error {
	if err := cmdutil.OnlyFor(opts.Target, false, "lockout-status reads Active Directory's domain controllers; Entra ID's smart lockout is per sign-in: see adkit user signins USER --target entra"); err != nil {
		return err
	}
	users, err := opts.Users(ctx)
	if err != nil {
		return err
	}
	st, err := users.LockoutStatus(ctx, opts.User)
	if err != nil {
		return err
	}
	t := output.Table{Header: []string{"dc", "site", "pdc", "answers", "locked", "bad_pwd_count",
		"last_bad_password_time", "lockout_time", "pwd_last_set", "last_logon", "lockout_origin", "error"}}
	for _, r := range st.DCs {
		t.AddRow(r.DC, r.Site, yesNo(r.PDC), yesNo(r.Answers), yesNo(r.Locked), strconv.Itoa(r.BadPwdCount),
			ts(r.LastBadPasswordTime), ts(r.LockoutTime), ts(r.PwdLastSet), ts(r.LastLogon), r.LockoutOrigin, r.Error)
	}
	var data any = st
	if opts.Format == output.FormatCSV {
		data = st.DCs // one CSV row per DC, as in the table
	}
	if err := output.Print(opts.IO, opts.Format, t, data); err != nil {
		return err
	}
	if opts.Format == output.FormatJSON || opts.Format == output.FormatCSV {
		return nil
	}
	// The next step, in words, on stderr so that the table stays machine-readable.
	switch {
	case st.Origin != "":
		when := "until someone unlocks it (adkit user unlock " + opts.User + " --all-dcs)"
		if st.LockoutEnds != nil {
			when = "until " + st.LockoutEnds.Local().Format(time.DateTime) + " unless unlocked (adkit user unlock " + opts.User + " --all-dcs)"
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s is locked out %s.\nThe lockout was made on %s: its Security log, event 4740, names the computer that sent the bad passwords.\n",
			st.User, when, st.Origin)
	default:
		fmt.Fprintf(opts.IO.ErrOut, "%s is not locked on any DC that answered.\n", st.User)
	}
	for _, r := range st.DCs {
		if !r.Answers {
			fmt.Fprintf(opts.IO.ErrOut, "%s did not answer: its counts are missing above.\n", r.DC)
		}
	}
	return nil
}

func ts(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
