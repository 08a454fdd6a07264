package user

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/secretfile"
)

type tapIssuer interface {
	CreateTAP(ctx context.Context, ident string, opts directory.TAPOptions) (directory.TAP, error)
}

type tapOptions struct {
	IO       *iostreams.IOStreams
	Users    func(context.Context) (tapIssuer, error)
	Target   func() (string, error)
	Format   output.Format
	User     string
	TAP      directory.TAPOptions
	TAPOut   string
	DryRun   bool
	startArg string
}

func newCmdTAP(f *factory.Factory, runF func(*tapOptions) error) *cobra.Command {
	opts := &tapOptions{
		IO: f.IO, Target: f.Target,
		Users: factory.DirectoryFunc[tapIssuer](f),
	}
	var once bool
	cmd := &cobra.Command{
		Use:   "tap USER [--lifetime 1h] [--once] [--start TIME] [--tap-out FILE]",
		Short: "Issue a Temporary Access Pass (Entra ID)",
		Long: `Issue a Temporary Access Pass: a time-limited passcode the user signs in with to register
new MFA methods or a passkey — the way back in after a lost phone, or a new hire's first day.
Graph shows the pass only once: adkit prints it once on stdout, or writes it to --tap-out
with mode 0600, and never to the audit log (user.create_tap records the lifetime only). A new
pass replaces the user's previous one.

--lifetime must lie within the tenant's policy (60 to 480 minutes by default; Graph's limits
are 10 minutes to 30 days); without it the policy's default applies. --once makes a one-time
pass (--once=false a reusable one, which the policy may forbid); without it the policy
decides. --start delays the pass (RFC 3339, or "2006-01-02 15:04" local time).

Needs the Graph permission UserAuthenticationMethod.ReadWrite.All and the tenant's Temporary
Access Pass policy enabled for the user (a technician: Authentication Administrator).`,
		Example: `  adkit user tap jdoe@corp.example.com --lifetime 2h --once --ticket INC-42
  adkit user tap new.hire@corp.example.com --start "2026-12-07 08:00" --lifetime 8h --tap-out /secure/new.hire.tap`,
		Args: cmdutil.ExactArgs(1, "USER: the account to issue a pass for"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if opts.Format == output.FormatCSV {
				return cmdutil.FlagErrorf("user tap has no CSV output; use -o json; nothing was changed")
			}
			if cmd.Flags().Changed("once") {
				opts.TAP.OneTime = &once
			}
			if opts.startArg != "" {
				t, err := parseStart(opts.startArg, f.Now())
				if err != nil {
					return err
				}
				opts.TAP.Start = &t
			}
			if err := opts.TAP.Validate(); err != nil {
				return &cmdutil.FlagError{Err: fmt.Errorf("--lifetime: %w", err)}
			}
			opts.User, opts.DryRun = args[0], f.Globals.DryRun
			return cmdutil.Run(cmd.Context(), opts, runF, tapRun)
		},
	}
	cmd.Flags().DurationVar(&opts.TAP.Lifetime, "lifetime", 0, "how long the pass is valid, e.g. 1h or 90m (default: the policy's)")
	cmd.Flags().BoolVar(&once, "once", false, "the pass works for one sign-in only (--once=false: reusable until it expires)")
	cmd.Flags().StringVar(&opts.startArg, "start", "", "when the pass becomes valid (default: now)")
	cmd.Flags().StringVar(&opts.TAPOut, "tap-out", "", "write the pass to `FILE` (mode 0600) instead of stdout")
	return cmd
}

// parseStart reads --start: RFC 3339, or a local "2006-01-02 15:04"; it must not be past.
func parseStart(s string, now time.Time) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.ParseInLocation("2006-01-02 15:04", s, time.Local); err != nil {
			return time.Time{}, cmdutil.FlagErrorf("--start %q: use RFC 3339 (2026-12-07T08:00:00Z) or \"2026-12-07 08:00\" (local time)", s)
		}
	}
	if t.Before(now.Add(-time.Minute)) {
		return time.Time{}, cmdutil.FlagErrorf("--start %s is in the past; leave it out for a pass valid now", s)
	}
	return t, nil
}

// tapJSON is `user tap -o json`; temporary_access_pass is present only when adkit was not told
// to write it to a file.
type tapJSON struct {
	UserPrincipalName   string `json:"user_principal_name"`
	ID                  string `json:"id"`
	TemporaryAccessPass string `json:"temporary_access_pass,omitempty"`
	TAPFile             string `json:"tap_file,omitempty"`
	Start               string `json:"start"`
	End                 string `json:"end"`
	LifetimeMinutes     int    `json:"lifetime_minutes"`
	OneTime             bool   `json:"one_time"`
	Usable              bool   `json:"usable"`
	DryRun              bool   `json:"dry_run"`
}

func tapRun(ctx context.Context, opts *tapOptions) error {
	if err := entraOnly(opts.Target, "Temporary Access Passes"); err != nil {
		return err
	}
	users, err := opts.Users(ctx)
	if err != nil {
		return err
	}
	var out *secretfile.File
	if opts.TAPOut != "" && !opts.DryRun {
		// Opened before the pass exists: a path that cannot be written stops here.
		if out, err = secretfile.Open(opts.TAPOut); err != nil {
			return cmdutil.FlagErrorf("--tap-out %s cannot be written: %v; nothing was changed", opts.TAPOut, unwrapPathError(err))
		}
	}
	tap, err := users.CreateTAP(ctx, opts.User, opts.TAP)
	if err != nil {
		out.Discard()
		return &cmdutil.TargetError{Target: opts.User, Err: err}
	}
	name := tap.User.UserPrincipalName
	if tap.WouldChange {
		out.Discard()
		if opts.Format == output.FormatJSON {
			return output.WriteJSON(opts.IO.Out, tapJSON{UserPrincipalName: name, DryRun: true})
		}
		fmt.Fprintf(opts.IO.Out, "~ %s: would issue a Temporary Access Pass (dry run: nothing changed)\n", name)
		return nil
	}
	if out != nil {
		if err := out.Write(tap.Pass.Reveal()); err != nil {
			return fmt.Errorf("a Temporary Access Pass was issued for %s, but writing it to %s failed: %w; issue another (it replaces this one)", name, opts.TAPOut, err)
		}
	}
	validity := "valid " + tap.Start.Local().Format("2006-01-02 15:04") + " to " + tap.End.Local().Format("2006-01-02 15:04 MST")
	if tap.OneTime {
		validity += ", one sign-in only"
	}
	if !tap.Usable && tap.UsabilityReason != "" {
		validity += " (" + tap.UsabilityReason + ")"
	}
	switch {
	case opts.Format == output.FormatJSON:
		j := tapJSON{UserPrincipalName: name, ID: tap.ID, Start: tap.Start.UTC().Format(time.RFC3339), End: tap.End.UTC().Format(time.RFC3339),
			LifetimeMinutes: tap.LifetimeMinutes, OneTime: tap.OneTime, Usable: tap.Usable}
		if out != nil {
			j.TAPFile = opts.TAPOut
		} else {
			j.TemporaryAccessPass = tap.Pass.Reveal()
		}
		return output.WriteJSON(opts.IO.Out, j)
	case opts.Format == output.FormatAuto && !opts.IO.IsStdoutTTY():
		// Piped: only the pass on stdout, so that tap=$(adkit user tap jdoe) works.
		if out == nil {
			fmt.Fprintln(opts.IO.Out, tap.Pass.Reveal())
		}
		fmt.Fprintf(opts.IO.ErrOut, "✓ %s: Temporary Access Pass issued, %s\n", name, validity)
		if out != nil {
			fmt.Fprintf(opts.IO.ErrOut, "Temporary Access Pass written to %s (mode 0600)\n", opts.TAPOut)
		}
		return nil
	}
	fmt.Fprintf(opts.IO.Out, "✓ %s: Temporary Access Pass issued, %s\n", name, validity)
	if out != nil {
		fmt.Fprintf(opts.IO.Out, "Temporary Access Pass written to %s (mode 0600)\n", opts.TAPOut)
	} else {
		fmt.Fprintf(opts.IO.Out, "Temporary Access Pass: %s\n", tap.Pass.Reveal())
		fmt.Fprintln(opts.IO.ErrOut, "It is shown only this once; neither Graph nor adkit will show it again.")
	}
	return nil
}
