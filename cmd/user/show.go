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

type showOptions struct {
	IO      *iostreams.IOStreams
	Users   func(context.Context) (userReader, error)
	Now     func() time.Time
	Format  output.Format
	Targets []string
}

func newCmdShow(f *factory.Factory, runF func(*showOptions) error) *cobra.Command {
	opts := &showOptions{
		IO:    f.IO,
		Now:   f.Now,
		Users: factory.DirectoryFunc[userReader](f),
	}
	return &cobra.Command{
		Use:   "show USER...",
		Short: "Show accounts: status, lockout, password, groups",
		Long: `Show one or more accounts. USER may be a sAMAccountName, userPrincipalName, mail address,
distinguished name or objectGUID. With -o json one USER gives an object, several an array.`,
		Example: `  adkit user show jdoe
  adkit user show john.doe@corp.example.com -o json
  adkit user show jdoe asmith -o csv`,
		Args: cmdutil.MinimumArgs(1, "USER: the account to show"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, opts.Targets, err = f.FormatAndTargets(args); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, showRun)
		},
	}
}

// lockoutExplainer says when a locked account unlocks (Active Directory: from the lockout
// policy that applies to it).
type lockoutExplainer interface {
	ExplainLockout(ctx context.Context, u *directory.User) error
}

// riskReader is what Entra ID adds to user show: the Identity Protection risk, read by object
// id. The AD client does not have it.
type riskReader interface {
	RiskOf(ctx context.Context, id string) (directory.RiskState, error)
}

// shownUser is an account as user show prints it: the directory's fields, and on Entra ID the
// sign-in risk when it is readable (it needs P2 and IdentityRiskyUser.Read.All; without them
// the fields are left out and the rest is shown as before).
type shownUser struct {
	*directory.User
	RiskLevel *string `json:"risk_level,omitempty"`
	RiskState *string `json:"risk_state,omitempty"`
}

func showRun(ctx context.Context, opts *showOptions) error {
	users, err := opts.Users(ctx)
	if err != nil {
		return err
	}
	risk, _ := users.(riskReader)
	details := cmdutil.Details[shownUser]{
		CSVHeader: csvHeader,
		CSVRow:    func(u shownUser) []string { return csvRow(u.User) },
		Table: func(u shownUser, human bool) output.Table {
			t := detailTable(u.User, opts.Now(), human)
			if u.RiskLevel != nil {
				t.AddRow("risk_level", *u.RiskLevel)
				t.AddRow("risk_state", *u.RiskState)
			}
			return t
		},
	}
	return cmdutil.ShowEach(ctx, opts.IO, opts.Format, opts.Targets, details, func(ctx context.Context, ident string) (shownUser, error) {
		u, err := users.User(ctx, ident)
		if err != nil {
			return shownUser{}, err
		}
		if ex, ok := users.(lockoutExplainer); ok {
			if err := ex.ExplainLockout(ctx, u); err != nil {
				return shownUser{}, err
			}
		}
		s := shownUser{User: u}
		if risk != nil && u.ID != "" {
			if r, err := risk.RiskOf(ctx, u.ID); err == nil {
				s.RiskLevel, s.RiskState = &r.Level, &r.State
			}
		}
		return s, nil
	})
}

// detailTable lays one account out as FIELD / VALUE rows. For people the values are worded
// ("locked since ..."), for pipes they are raw (RFC 3339 times, true/false).
func detailTable(u *directory.User, now time.Time, human bool) output.Table {
	t := output.Table{Header: []string{"Field", "Value"}}
	when := func(tm *time.Time, unset string) string {
		return cmdutil.When(tm, human, now, cmdutil.MinuteLayout, unset)
	}
	yesNo := func(b bool) string {
		if human {
			if b {
				return "yes"
			}
			return "no"
		}
		return strconv.FormatBool(b)
	}
	locked := yesNo(u.Locked)
	if human && u.Locked && u.LockoutTime != nil {
		locked = "YES, since " + when(u.LockoutTime, "")
	}
	// Why locked and until when: the last bad password, and when (or whether) it ends.
	lockoutEnds := when(u.LockoutEnds, "")
	if human && u.Locked {
		switch {
		case u.LockoutEnds != nil:
			lockoutEnds += ", unlocks by itself (policy " + u.LockoutPolicy + ")"
		case u.UnlocksByItself != nil && !*u.UnlocksByItself:
			lockoutEnds = "never by itself: the policy's lockout duration is 0 (" + u.LockoutPolicy + "); run adkit user unlock"
		}
	}
	t.AddRow("dn", u.DN)
	t.AddRow("sam_account_name", u.SAMAccountName)
	t.AddRow("user_principal_name", u.UserPrincipalName)
	t.AddRow("display_name", u.DisplayName)
	t.AddRow("mail", u.Mail)
	t.AddRow("enabled", yesNo(u.Enabled))
	t.AddRow("locked", locked)
	if u.Locked {
		t.AddRow("lockout_ends", lockoutEnds)
	}
	t.AddRow("bad_pwd_count", strconv.Itoa(u.BadPwdCount))
	t.AddRow("last_bad_password_time", when(u.LastBadPasswordTime, "never"))
	t.AddRow("pwd_last_set", when(u.PwdLastSet, "never"))
	t.AddRow("must_change_password", yesNo(u.MustChangePassword))
	t.AddRow("password_never_expires", yesNo(u.PasswordNeverExpires))
	t.AddRow("password_expired", yesNo(u.PasswordExpired))
	t.AddRow("last_logon", when(u.LastLogon, "never"))
	t.AddRow("account_expires", when(u.AccountExpires, "never"))
	t.AddRow("when_created", when(u.WhenCreated, ""))
	t.AddRow("employee_id", u.EmployeeID)
	t.AddRow("department", u.Department)
	t.AddRow("title", u.Title)
	t.AddRow("manager", u.Manager)
	if human {
		for i, g := range u.MemberOf {
			label := ""
			if i == 0 {
				label = "member_of"
			}
			t.AddRow(label, g)
		}
		if len(u.MemberOf) == 0 {
			t.AddRow("member_of", "(primary group only)")
		}
	} else {
		t.AddRow("member_of", strings.Join(u.MemberOf, ";"))
	}
	return t
}

var csvHeader = []string{
	"dn", "sam_account_name", "user_principal_name", "display_name", "mail", "enabled", "locked",
	"lockout_time", "bad_pwd_count", "pwd_last_set", "password_never_expires", "must_change_password",
	"last_logon", "when_created", "employee_id", "department", "title", "manager", "member_of",
	"last_bad_password_time", "lockout_ends",
}

func csvRow(u *directory.User) []string {
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	return []string{
		u.DN, u.SAMAccountName, u.UserPrincipalName, u.DisplayName, u.Mail, strconv.FormatBool(u.Enabled),
		strconv.FormatBool(u.Locked), ts(u.LockoutTime), strconv.Itoa(u.BadPwdCount), ts(u.PwdLastSet),
		strconv.FormatBool(u.PasswordNeverExpires), strconv.FormatBool(u.MustChangePassword), ts(u.LastLogon),
		ts(u.WhenCreated), u.EmployeeID, u.Department, u.Title, u.Manager, strings.Join(u.MemberOf, ";"),
		ts(u.LastBadPasswordTime), ts(u.LockoutEnds),
	}
}
