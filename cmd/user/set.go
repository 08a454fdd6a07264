package user

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
)

type userUpdater interface {
	UpdateUser(ctx context.Context, ident string, upd directory.UserUpdate) (directory.Outcome, error)
}

type setOptions struct {
	Users func(context.Context) (userUpdater, error)
	cmdutil.Bulk
	Update directory.UserUpdate
}

// setFlags are the attribute flags of `user set`, by field name (directory.UserFields).
var setFlags = []struct{ flag, field, help string }{
	{"title", "title", "job title"},
	{"department", "department", "department"},
	{"company", "company", "company"},
	{"manager", "manager", "manager: any USER form (logon name, UPN, mail, DN)"},
	{"phone", "phone", "office telephone number (telephoneNumber)"},
	{"mobile", "mobile", "mobile number"},
	{"office", "office", "office location (physicalDeliveryOfficeName)"},
	{"description", "description", "description"},
	{"employee-id", "employee_id", "employee ID (one account only)"},
}

func newCmdSet(f *factory.Factory, runF func(*setOptions) error) *cobra.Command {
	opts := &setOptions{Users: factory.DirectoryFunc[userUpdater](f)}
	values := map[string]*string{}
	var expires string
	cmd := &cobra.Command{
		Use:   "set USER... [--title T] [--department D] [--manager USER] [--expires DATE|never] [--clear ATTR]...",
		Short: "Change an account's title, department, manager, phone, expiry and more",
		Long: `Change attributes of one or more accounts (Set-ADUser, Set-ADAccountExpiration). Each account
is changed in one atomic modify; the audit record (action user.update) lists every attribute
before and after. Attributes already as asked are left alone.

--expires DATE is the last day the account works (YYYY-MM-DD: it stops at the following
midnight UTC, as onboarding's end_date), or an exact RFC 3339 time, or "never".
--clear ATTR empties an attribute (title, department, company, manager, phone, mobile,
office, description, employee_id; expires: never); it may be repeated or comma-separated.
USER may be "-" (read the accounts from stdin) or @FILE, one per line.`,
		Example: `  adkit user set jdoe --title "Senior Engineer" --manager asmith --ticket INC-1234
  adkit user set contractor1 --expires 2026-06-30
  adkit user set jdoe --clear mobile --clear description
  adkit user search --name 'temp*' -o csv | adkit user set - --department Temps --yes`,
		Args: cmdutil.MinimumArgs(1, "USER: the account to change"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Bulk, err = f.Bulk(args, func() error {
				opts.Update.Values = map[string]string{}
				for _, sf := range setFlags {
					if cmd.Flags().Changed(sf.flag) {
						opts.Update.Values[sf.field] = *values[sf.flag]
					}
				}
				if cmd.Flags().Changed("expires") {
					t, err := parseExpires(expires)
					if err != nil {
						return err
					}
					opts.Update.SetExpires, opts.Update.Expires = true, t
				}
				var clear []string
				for _, c := range opts.Update.Clear {
					for _, part := range strings.Split(c, ",") {
						if part = strings.TrimSpace(part); part != "" {
							clear = append(clear, part)
						}
					}
				}
				opts.Update.Clear = clear
				if len(opts.Update.Values) == 0 && !opts.Update.SetExpires && len(clear) == 0 {
					return cmdutil.FlagErrorf("nothing to change: give at least one of --title, --department, --company, --manager, --phone, --mobile, --office, --description, --employee-id, --expires or --clear")
				}
				return nil
			}); err != nil {
				return err
			}
			if _, ok := opts.Update.Values["employee_id"]; ok && len(opts.Targets) > 1 {
				return cmdutil.FlagErrorf("--employee-id names one person: give one USER, not %d", len(opts.Targets))
			}
			return cmdutil.Run(cmd.Context(), opts, runF, setRun)
		},
	}
	for _, sf := range setFlags {
		values[sf.flag] = cmd.Flags().String(sf.flag, "", sf.help)
	}
	cmd.Flags().StringVar(&expires, "expires", "", `last working day YYYY-MM-DD, an RFC 3339 time, or "never"`)
	cmd.Flags().StringArrayVar(&opts.Update.Clear, "clear", nil, "empty an attribute (repeatable; e.g. --clear mobile)")
	return cmd
}

// parseExpires reads --expires: "never", a date (the last day the account works), or an
// exact time.
func parseExpires(v string) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "never") {
		return nil, nil
	}
	if d, err := time.Parse("2006-01-02", v); err == nil {
		end := d.AddDate(0, 0, 1)
		return &end, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		t = t.UTC()
		return &t, nil
	}
	return nil, cmdutil.FlagErrorf("--expires %q: give the last working day as YYYY-MM-DD (such as 2026-06-30), an RFC 3339 time, or never", v)
}

func setRun(ctx context.Context, opts *setOptions) error {
	if err := opts.Confirm("Change"); err != nil {
		return err
	}
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, opts.Targets, opts.Users,
		func(ctx context.Context, users userUpdater, t string) (cmdutil.Outcome, error) {
			return cmdutil.Result(users.UpdateUser(ctx, t, opts.Update))
		})
}
