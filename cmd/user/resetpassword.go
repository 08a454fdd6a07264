package user

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/password"
	"github.com/adkit-dev/adkit/internal/prompt"
	"github.com/adkit-dev/adkit/internal/secret"
	"github.com/adkit-dev/adkit/internal/secretfile"
)

type passwordResetter interface {
	ResetPassword(ctx context.Context, ident string, opts directory.ResetOptions) (directory.ResetResult, error)
}

type resetOptions struct {
	IO            *iostreams.IOStreams
	Users         func(context.Context) (passwordResetter, error)
	Prompter      prompt.Prompter
	Format        output.Format
	Target        string
	PasswordStdin bool
	PasswordOut   string
	NoMustChange  bool
	Unlock        bool
	Length        int
	Readable      bool
	DryRun        bool
}

func newCmdResetPassword(f *factory.Factory, runF func(*resetOptions) error) *cobra.Command {
	opts := &resetOptions{
		IO:       f.IO,
		Prompter: f.Prompter,
		Users:    factory.DirectoryFunc[passwordResetter](f),
	}
	cmd := &cobra.Command{
		Use:   "reset-password USER",
		Short: "Set a new password (generated, or chosen on stdin)",
		Long: `Reset an account's password. By default adkit generates one the domain's policy accepts
(at least max(16, the policy's minimum) characters, all four character classes), prints it
once on stdout — or writes it to --password-out with mode 0600 — and sets "must change
password at next logon". The password is never written to the audit log.

--password-stdin reads a chosen password from standard input (asked for, unechoed, on a
terminal) instead: it never goes on the command line, where every user of the machine
could read it.`,
		Example: `  adkit user reset-password jdoe --unlock --ticket INC-1234
  adkit user reset-password jdoe --password-out /secure/jdoe.txt
  pass show onboarding/jdoe | adkit user reset-password jdoe --password-stdin --no-must-change`,
		Args: cmdutil.ExactArgs(1, "USER: the account whose password to reset"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Globals.PreferPDC = true // with --domain: the PDC emulator, see Globals.PreferPDC
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			// Every usage check comes before the reset: once the password is changed, a refusal
			// would leave the account with a password nobody was given.
			if opts.Format == output.FormatCSV {
				return cmdutil.FlagErrorf("reset-password has no CSV output; use -o json; nothing was changed")
			}
			if opts.PasswordStdin && opts.PasswordOut != "" {
				return cmdutil.FlagErrorf("--password-out writes a generated password; with --password-stdin you already know it")
			}
			if opts.PasswordStdin && opts.Readable {
				return cmdutil.FlagErrorf("--readable is the format of a generated password; with --password-stdin you choose it")
			}
			if cmd.Flags().Changed("length") && (opts.Length < password.MinLength || opts.Length > 128) {
				return cmdutil.FlagErrorf("--length must be between %d and 128, not %d", password.MinLength, opts.Length)
			}
			opts.Target, opts.DryRun = args[0], f.Globals.DryRun
			return cmdutil.Run(cmd.Context(), opts, runF, resetRun)
		},
	}
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the new password from standard input instead of generating one")
	cmd.Flags().StringVar(&opts.PasswordOut, "password-out", "", "write the generated password to FILE (mode 0600) instead of stdout")
	cmd.Flags().BoolVar(&opts.NoMustChange, "no-must-change", false, "do not require a password change at next logon")
	cmd.Flags().BoolVar(&opts.Unlock, "unlock", false, "also clear a lockout, in the same change")
	cmd.Flags().BoolVar(&opts.Readable, "readable", false, "generate a password that reads well over the phone: groups of four, no look-alikes (Kx7p-Rm4q-Tz9w-Bn3c)")
	cmd.Flags().IntVar(&opts.Length, "length", 0, "length of the generated password (default: max(16, the policy's minimum))")
	return cmd
}

// resetJSON is `reset-password -o json`. password is present only when adkit generated it
// and was not told to write it to a file.
type resetJSON struct {
	DN                 string `json:"dn"`
	SAMAccountName     string `json:"sam_account_name"`
	MustChangePassword bool   `json:"must_change_password"`
	Unlocked           bool   `json:"unlocked"`
	DryRun             bool   `json:"dry_run"`
	Password           string `json:"password,omitempty"`
	PasswordFile       string `json:"password_file,omitempty"`
}

func resetRun(ctx context.Context, opts *resetOptions) error {
	if opts.Format == output.FormatCSV {
		return cmdutil.FlagErrorf("reset-password has no CSV output; use -o json; nothing was changed")
	}
	var chosen secret.Secret
	if opts.PasswordStdin {
		var err error
		if chosen, err = readChosenPassword(opts); err != nil {
			return err
		}
	}
	users, err := opts.Users(ctx)
	if err != nil {
		return err
	}
	var out *secretfile.File
	if opts.PasswordOut != "" && !opts.DryRun {
		if out, err = openPasswordOut(opts.PasswordOut); err != nil {
			return err
		}
	}
	res, err := users.ResetPassword(ctx, opts.Target, directory.ResetOptions{
		Password: chosen, MustChange: !opts.NoMustChange, Unlock: opts.Unlock, Length: opts.Length,
		Format: passwordFormat(opts.Readable),
	})
	if err != nil {
		out.Discard()
		return &cmdutil.TargetError{Target: opts.Target, Err: err}
	}
	dryRun := res.WouldChange
	if out != nil && (!res.Generated || dryRun) {
		out.Discard()
	} else if out != nil {
		if err := out.Write(res.Password.Reveal()); err != nil {
			// The password is set but we could not hand it over: say so, and how to recover.
			return fmt.Errorf("the password of %s was reset, but writing it to %s failed: %w; reset it again", res.User.Name(), opts.PasswordOut, err)
		}
	}
	showPassword := res.Generated && opts.PasswordOut == "" && !dryRun
	switch opts.Format {
	case output.FormatJSON:
		j := resetJSON{DN: res.User.DN, SAMAccountName: res.User.SAMAccountName, MustChangePassword: !opts.NoMustChange,
			Unlocked: res.Unlocked, DryRun: dryRun}
		if res.Generated && opts.PasswordOut != "" && !dryRun {
			j.PasswordFile = opts.PasswordOut
		}
		if showPassword {
			j.Password = res.Password.Reveal()
		}
		return output.WriteJSON(opts.IO.Out, j)
	}
	if !opts.IO.IsStdoutTTY() && opts.Format == output.FormatAuto {
		// Piped: only the password, so that pw=$(adkit user reset-password jdoe) works.
		if showPassword {
			fmt.Fprintln(opts.IO.Out, res.Password.Reveal())
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s %s: %s\n", cmdutil.ChangeMark(dryRun), res.User.Name(), res.Note)
		if res.Generated && opts.PasswordOut != "" && !dryRun {
			fmt.Fprintf(opts.IO.ErrOut, "New password written to %s (mode 0600)\n", opts.PasswordOut)
		}
		return nil
	}
	fmt.Fprintf(opts.IO.Out, "%s %s: %s\n", cmdutil.ChangeMark(dryRun), res.User.Name(), res.Note)
	switch {
	case showPassword:
		fmt.Fprintf(opts.IO.Out, "New password: %s\n", res.Password.Reveal())
		fmt.Fprintln(opts.IO.ErrOut, "It is shown only this once; adkit does not keep it.")
	case res.Generated && opts.PasswordOut != "" && !dryRun:
		fmt.Fprintf(opts.IO.Out, "New password written to %s (mode 0600)\n", opts.PasswordOut)
	}
	return nil
}

func readChosenPassword(opts *resetOptions) (secret.Secret, error) {
	if opts.IO.CanPrompt() {
		first, err := opts.Prompter.Password("New password for " + opts.Target + ":")
		if err != nil {
			return first, err
		}
		again, err := opts.Prompter.Password("Again:")
		if err != nil {
			return again, err
		}
		if first.Reveal() != again.Reveal() {
			return secret.Secret{}, cmdutil.FlagErrorf("the two passwords differ; nothing was changed")
		}
		return first, nil
	}
	pw, err := secret.FromReader(opts.IO.In)
	if errors.Is(err, secret.ErrEmpty) {
		return pw, cmdutil.FlagErrorf("--password-stdin: standard input is empty; nothing was changed")
	}
	return pw, err
}

// passwordFormat is the generated password's format for --readable.
func passwordFormat(readable bool) string {
	if readable {
		return password.FormatReadable
	}
	return ""
}
