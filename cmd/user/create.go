package user

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/secretfile"
	"github.com/adkit-dev/adkit/onboarding"
)

type creator interface {
	onboarding.Directory
	User(ctx context.Context, ident string) (*directory.User, error)
	CreateUser(ctx context.Context, nu directory.NewUser) (directory.CreateResult, error)
	DomainDNSName() string
	DryRun() bool
}

type createOptions struct {
	IO          *iostreams.IOStreams
	Users       func(context.Context) (creator, error)
	Format      output.Format
	New         directory.NewUser
	Like        string
	Template    string
	PasswordOut string
	NoMust      bool
	Expires     string
}

func newCmdCreate(f *factory.Factory, runF func(*createOptions) error) *cobra.Command {
	opts := &createOptions{IO: f.IO, Users: factory.DirectoryFunc[creator](f)}
	nu := &opts.New
	var readable bool
	cmd := &cobra.Command{
		Use:   "create --given-name G --surname S [flags]",
		Short: "Create one account, optionally like a colleague's",
		Long: `Create an enabled account with a generated password (shown once, or written to
--password-out with mode 0600) that must be changed at first logon.

Without --sam the logon name is made as onboarding makes it: the template's patterns
(--template, else "{first:1}{last}" then "{first}.{last}"), transliterated to ASCII, numbered
when taken. --like USER copies a colleague's OU, groups, department and title; flags given
explicitly win.`,
		Example: `  adkit user create --given-name José --surname Müller --like jdoe --manager asmith --ticket HR-12
  adkit user create --given-name Ann --surname Lee --sam alee --ou "OU=Sales,OU=Staff,DC=corp,DC=example,DC=com" \
      --group Staff --group Sales --employee-id E4711 --password-out alee.txt`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if nu.GivenName == "" || nu.Surname == "" {
				return cmdutil.FlagErrorf("--given-name and --surname are required")
			}
			if opts.Expires != "" {
				day, err := time.Parse("2006-01-02", opts.Expires)
				if err != nil {
					return cmdutil.FlagErrorf("--expires %q: use a date such as 2027-03-31", opts.Expires)
				}
				end := day.AddDate(0, 0, 1) // the account works through the whole last day
				nu.AccountExpires = &end
			}
			nu.MustChange = !opts.NoMust
			nu.PasswordFormat = passwordFormat(readable)
			return cmdutil.Run(cmd.Context(), opts, runF, createRun)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&nu.GivenName, "given-name", "", "first name")
	fl.StringVar(&nu.Surname, "surname", "", "last name")
	fl.StringVar(&nu.DisplayName, "display-name", "", "display name and CN (default: given name and surname)")
	fl.StringVar(&nu.SAMAccountName, "sam", "", "logon name (default: made from the names, see above)")
	fl.StringVar(&nu.UserPrincipalName, "upn", "", "user principal name (default: sam@domain)")
	fl.StringVar(&nu.OU, "ou", "", "OU to create the account in (a DN; default: --like's OU, else the Users container)")
	fl.StringArrayVar(&nu.Groups, "group", nil, "add to this group (repeatable)")
	fl.StringVar(&opts.Like, "like", "", "copy OU, groups, department and title from this colleague")
	fl.StringVar(&nu.EmployeeID, "employee-id", "", "employee ID (must not already have an account)")
	fl.StringVar(&nu.Department, "department", "", "department")
	fl.StringVar(&nu.Title, "title", "", "job title")
	fl.StringVar(&nu.Manager, "manager", "", "manager (any USER form)")
	fl.StringVar(&nu.Mail, "mail", "", "mail address")
	fl.StringVar(&opts.Expires, "expires", "", "last working day (YYYY-MM-DD); the account expires after it")
	fl.StringVar(&opts.Template, "template", "", "onboarding template whose username patterns to use")
	fl.StringVar(&opts.PasswordOut, "password-out", "", "write the generated password to FILE (mode 0600) instead of stdout")
	fl.BoolVar(&opts.NoMust, "no-must-change", false, "do not require a password change at first logon")
	fl.BoolVar(&readable, "readable", false, "generate a password that reads well over the phone (Kx7p-Rm4q-Tz9w-Bn3c); the template key is password.format: readable")
	fl.StringVar(&nu.UsageLocation, "usage-location", "", "Entra ID: the country (US, DE, ...) licences are assigned for (default: --like's)")
	return cmd
}

func createRun(ctx context.Context, opts *createOptions) error {
	tpl := onboarding.DefaultTemplate()
	if opts.Template != "" {
		var err error
		if tpl, err = onboarding.LoadTemplate(opts.Template); err != nil {
			return fmt.Errorf("template %s: %w", opts.Template, err)
		}
	}
	dir, err := opts.Users(ctx)
	if err != nil {
		return err
	}
	nu := opts.New
	if opts.Like != "" {
		if err := copyFromColleague(ctx, dir, opts.Like, &nu); err != nil {
			return err
		}
	}
	suffix := tpl.UPNSuffix
	if suffix == "" {
		suffix = dir.DomainDNSName()
	}
	if nu.SAMAccountName == "" {
		if nu.SAMAccountName, err = onboarding.SuggestUsername(ctx, tpl, dir, nu.GivenName, nu.Surname, suffix); err != nil {
			return err
		}
	}
	if nu.UserPrincipalName == "" {
		if suffix == "" {
			return cmdutil.FlagErrorf("no UPN suffix to make the new account's userPrincipalName: give --upn, or --template with upn_suffix")
		}
		nu.UserPrincipalName = nu.SAMAccountName + "@" + suffix
	}
	nu.PasswordLength = tpl.Password.Length
	if nu.PasswordFormat == "" {
		nu.PasswordFormat = tpl.Password.Format
	}
	dryRun := dir.DryRun()
	var out *secretfile.File
	if opts.PasswordOut != "" && !dryRun {
		// Before the account exists: a path that cannot be written must not leave an account
		// whose initial password nobody has.
		if out, err = openPasswordOut(opts.PasswordOut); err != nil {
			return err
		}
	}
	res, err := dir.CreateUser(ctx, nu)
	if err != nil {
		if res.User != nil && res.Generated && !dryRun {
			// The account was made and a later step (a group) failed: its password must still
			// be handed over, or nobody can use the account.
			err = handOverPassword(opts, res, out, err)
		} else {
			out.Discard()
		}
		return &cmdutil.TargetError{Target: nu.SAMAccountName, Err: err}
	}
	return reportCreated(opts, res, out, dryRun)
}

// handOverPassword writes or shows the initial password of an account that was created
// although the command as a whole failed, and says where it went in the returned error.
func handOverPassword(opts *createOptions, res directory.CreateResult, out *secretfile.File, err error) error {
	if out != nil {
		if werr := out.Write(res.Password.Reveal()); werr != nil {
			return fmt.Errorf("%w; writing its initial password to %s failed too (%v): reset the password with adkit user reset-password", err, opts.PasswordOut, werr)
		}
		return fmt.Errorf("%w (its initial password is in %s)", err, opts.PasswordOut)
	}
	if opts.IO.IsStdoutTTY() {
		fmt.Fprintf(opts.IO.Out, "Initial password: %s\n", res.Password.Reveal())
	} else {
		fmt.Fprintln(opts.IO.Out, res.Password.Reveal())
	}
	return fmt.Errorf("%w (its initial password is shown above)", err)
}

// copyFromColleague fills what --like copies, unless the technician gave it explicitly.
func copyFromColleague(ctx context.Context, dir creator, like string, nu *directory.NewUser) error {
	c, err := dir.User(ctx, like)
	if err != nil {
		return fmt.Errorf("--like: %w", err)
	}
	if nu.OU == "" && c.DN != "" { // Entra ID accounts have no DN, nor OU
		nu.OU = dn.Parent(c.DN)
	}
	if nu.UsageLocation == "" {
		nu.UsageLocation = c.UsageLocation
	}
	if nu.Department == "" {
		nu.Department = c.Department
	}
	if nu.Title == "" {
		nu.Title = c.Title
	}
	nu.Groups = append(nu.Groups, c.MemberOf...)
	return nil
}

// createdJSON is `user create -o json`; password only when generated and not written to a file.
type createdJSON struct {
	DN                 string   `json:"dn"`
	ID                 string   `json:"id,omitempty"`
	SAMAccountName     string   `json:"sam_account_name"`
	UserPrincipalName  string   `json:"user_principal_name"`
	Groups             []string `json:"groups"`
	MustChangePassword bool     `json:"must_change_password"`
	DryRun             bool     `json:"dry_run"`
	Password           string   `json:"password,omitempty"`
	PasswordFile       string   `json:"password_file,omitempty"`
}

func reportCreated(opts *createOptions, res directory.CreateResult, out *secretfile.File, dryRun bool) error {
	if out != nil && !res.Generated {
		out.Discard()
	} else if out != nil {
		if err := out.Write(res.Password.Reveal()); err != nil {
			return fmt.Errorf("account %s was created, but writing its password to %s failed: %w; reset the password with adkit user reset-password",
				res.User.SAMAccountName, opts.PasswordOut, err)
		}
	}
	showPassword := res.Generated && opts.PasswordOut == "" && !dryRun
	groups := make([]string, len(res.Groups))
	for i, g := range res.Groups {
		groups[i] = g.SAMAccountName
	}
	if opts.Format == output.FormatJSON {
		out := createdJSON{DN: res.DN, ID: res.User.ID, SAMAccountName: res.User.SAMAccountName, UserPrincipalName: res.User.UserPrincipalName,
			Groups: groups, MustChangePassword: opts.New.MustChange, DryRun: dryRun, PasswordFile: opts.PasswordOut}
		if showPassword {
			out.Password = res.Password.Reveal()
		}
		return output.WriteJSON(opts.IO.Out, out)
	}
	verb := "created"
	if dryRun {
		verb = "would be created (dry run: nothing changed)"
	}
	status := opts.IO.Out
	if !opts.IO.IsStdoutTTY() {
		status = opts.IO.ErrOut // piped: stdout carries the password alone
	}
	fmt.Fprintf(status, "%s %s %s: %s\n", cmdutil.ChangeMark(dryRun), res.User.Name(), verb, cmp.Or(res.DN, res.User.ID, res.User.UserPrincipalName))
	if res.Renamed != "" {
		fmt.Fprintf(status, "  note: %s\n", res.Renamed)
	}
	for _, g := range groups {
		fmt.Fprintf(status, "  + %s\n", g)
	}
	switch {
	case showPassword && opts.IO.IsStdoutTTY():
		fmt.Fprintf(opts.IO.Out, "Initial password: %s\n", res.Password.Reveal())
		fmt.Fprintln(opts.IO.ErrOut, "It is shown only this once; adkit does not keep it.")
	case showPassword:
		fmt.Fprintln(opts.IO.Out, res.Password.Reveal())
	case res.Generated && opts.PasswordOut != "" && !dryRun:
		fmt.Fprintf(status, "Initial password written to %s (mode 0600)\n", opts.PasswordOut)
	}
	return nil
}
