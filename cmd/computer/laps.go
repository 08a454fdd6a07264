package computer

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/computer/shared"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/secretfile"
)

type lapsService interface {
	ReadLAPSPassword(ctx context.Context, ident string) (directory.LAPSPassword, error)
	ExpireLAPSPassword(ctx context.Context, ident string, now time.Time) (directory.ComputerOutcome, error)
}

type lapsOptions struct {
	IO             *iostreams.IOStreams
	Computers      func(context.Context) (lapsService, error)
	TicketRequired func() (bool, error)
	Now            func() time.Time
	Format         output.Format
	Target         string
	Ticket         string
	ExpireNow      bool
	PasswordOut    string
}

func newCmdLAPS(f *factory.Factory, runF func(*lapsOptions) error) *cobra.Command {
	opts := &lapsOptions{IO: f.IO, Now: f.Now, TicketRequired: shared.TicketRule(f),
		Computers: factory.DirectoryFunc[lapsService](f)}
	cmd := &cobra.Command{
		Use:   "laps PC",
		Short: "Show a computer's local administrator password (Windows LAPS or legacy LAPS)",
		Long: `Show the local administrator password that LAPS stored for a computer (Get-LapsADPassword
-AsPlainText; for legacy LAPS, Get-AdmPwdPassword), with the account it is for, when the
device set it and when it expires. Windows LAPS (msLAPS-Password) is preferred over legacy
Microsoft LAPS (ms-Mcs-AdmPwd) when a computer has both.

The password is shown once, on stdout, or written to --password-out FILE (mode 0600). The
read is recorded in the audit log (computer.laps_read, with --ticket and --reason); the
password never is. A profile with require_ticket_for_secrets: true refuses the read
without --ticket.

A password that Windows LAPS stored encrypted (msLAPS-EncryptedPassword, DPAPI-NG) cannot
be decrypted off Windows: adkit says so and names the command that reads it there.

--expire-now does not show the password: it sets its expiration time to now, so the device
sets a new one at its next LAPS cycle (Set-LapsADPasswordExpirationTime, Reset-AdmPwdPassword).
Use it after the password was given out.`,
		Example: `  adkit computer laps WS-0142 --ticket INC-1234
  adkit computer laps WS-0142 --ticket INC-1234 --password-out ./ws-0142.txt
  adkit computer laps WS-0142 --expire-now --ticket INC-1234`,
		Args: cmdutil.ExactArgs(1, "PC: the computer whose LAPS password to show"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if opts.ExpireNow && opts.PasswordOut != "" {
				return cmdutil.FlagErrorf("--expire-now does not read the password: drop --password-out (read it first, then expire it)")
			}
			opts.Target, opts.Ticket = args[0], f.Globals.Ticket
			return cmdutil.Run(cmd.Context(), opts, runF, lapsRun)
		},
	}
	cmd.Flags().BoolVar(&opts.ExpireNow, "expire-now", false, "expire the password now so the device sets a new one (shows nothing)")
	cmd.Flags().StringVar(&opts.PasswordOut, "password-out", "", "write the password to `FILE` (mode 0600) instead of showing it")
	return cmd
}

// lapsReport is `computer laps -o json`; password is null when it is not shown here.
type lapsReport struct {
	Computer        string     `json:"computer"`
	DN              string     `json:"dn"`
	Source          string     `json:"source"`
	Account         string     `json:"account"`
	Password        *string    `json:"password"`
	PasswordFile    string     `json:"password_file,omitempty"`
	PasswordUpdated *time.Time `json:"password_updated"`
	Expires         *time.Time `json:"expires"`
	Encrypted       bool       `json:"encrypted"`
	Note            string     `json:"note,omitempty"`
}

func lapsRun(ctx context.Context, opts *lapsOptions) error {
	if opts.ExpireNow {
		computers, err := opts.Computers(ctx)
		if err != nil {
			return err
		}
		return cmdutil.RunChanges(ctx, opts.IO, opts.Format, []string{opts.Target}, func(ctx context.Context, t string) (cmdutil.Outcome, error) {
			o, err := computers.ExpireLAPSPassword(ctx, t, opts.Now())
			return shared.FromComputer(o), err
		})
	}
	if err := shared.CheckTicket(opts.TicketRequired, opts.Ticket, "a LAPS password"); err != nil {
		return err
	}
	out, err := shared.OpenOut("--password-out", opts.PasswordOut)
	if err != nil {
		return err
	}
	computers, err := opts.Computers(ctx)
	if err != nil {
		out.Discard()
		return err
	}
	res, err := computers.ReadLAPSPassword(ctx, opts.Target)
	if err != nil {
		out.Discard()
		return err
	}
	if res.DryRun {
		out.Discard()
		note := fmt.Sprintf("~ %s: would read the LAPS password (dry run: nothing read; the dry run is in the audit log)", res.Computer.Label())
		if opts.Format != output.FormatJSON && opts.Format != output.FormatCSV {
			fmt.Fprintln(opts.IO.Out, note)
			return nil
		}
		// Scripts still get their JSON or CSV, without a password; the words go beside it.
		fmt.Fprintln(opts.IO.ErrOut, note)
		return writeLAPS(opts.IO, opts.Format, res, nil, "", opts.Now())
	}
	return writeLAPS(opts.IO, opts.Format, res, out, opts.PasswordOut, opts.Now())
}

func writeLAPS(ios *iostreams.IOStreams, format output.Format, res directory.LAPSPassword, out *secretfile.File, outPath string, now time.Time) error {
	r := lapsReport{Computer: res.Computer.Label(), DN: res.Computer.DN, Source: res.Source, Account: res.Account,
		PasswordUpdated: res.Updated, Expires: res.Expires, Encrypted: res.Encrypted}
	shown := ""
	switch {
	case res.DryRun:
		r.Note = "dry run: nothing read"
	case res.Encrypted:
		out.Discard()
		r.Note = directory.EncryptedHint(res.Computer)
		shown = "(encrypted: " + r.Note + ")"
	case out != nil:
		if err := out.Write(res.Password.Reveal()); err != nil {
			return fmt.Errorf("write the LAPS password of %s to %s: %w", r.Computer, outPath, err)
		}
		r.PasswordFile = outPath
		shown = "(written to " + outPath + ", readable by you only)"
	default:
		pw := res.Password.Reveal()
		r.Password, shown = &pw, pw
	}
	if res.Encrypted {
		fmt.Fprintf(ios.ErrOut, "%s: %s\n", r.Computer, r.Note)
	}
	ts := func(t *time.Time, human bool) string { return cmdutil.When(t, human, now, cmdutil.MinuteLayout, "") }
	source := map[string]string{"windows": "Windows LAPS (msLAPS-Password)", "windows-encrypted": "Windows LAPS, encrypted (msLAPS-EncryptedPassword)",
		"legacy": "legacy Microsoft LAPS (ms-Mcs-AdmPwd)"}[res.Source]
	switch format {
	case output.FormatJSON:
		return output.WriteJSON(ios.Out, r)
	case output.FormatCSV:
		t := output.Table{Header: []string{"computer", "dn", "source", "account", "password", "password_updated", "expires", "encrypted"}}
		pw := ""
		if r.Password != nil {
			pw = *r.Password
		}
		t.AddRow(r.Computer, r.DN, r.Source, r.Account, pw, ts(r.PasswordUpdated, false), ts(r.Expires, false), fmt.Sprint(r.Encrypted))
		return output.WriteCSV(ios.Out, t)
	}
	human := format == output.FormatTable || ios.IsStdoutTTY()
	t := output.Table{Header: []string{"Field", "Value"}}
	t.AddRow("computer", r.Computer)
	t.AddRow("account", r.Account)
	t.AddRow("password", shown)
	t.AddRow("password_updated", ts(r.PasswordUpdated, human))
	t.AddRow("expires", ts(r.Expires, human))
	if human {
		t.AddRow("source", source)
		return output.WriteTable(ios.Out, t)
	}
	t.AddRow("source", r.Source)
	return output.WritePlain(ios.Out, t)
}
