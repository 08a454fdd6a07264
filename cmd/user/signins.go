package user

import (
	"context"
	"fmt"
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

type signInReader interface {
	SignIns(ctx context.Context, ident string, q directory.SignInQuery) (*directory.User, []directory.SignIn, error)
}

type signInsOptions struct {
	IO       *iostreams.IOStreams
	Users    func(context.Context) (signInReader, error)
	Target   func() (string, error)
	Now      func() time.Time
	Format   output.Format
	User     string
	Since    string
	Failures bool
	Limit    int
}

func newCmdSignIns(f *factory.Factory, runF func(*signInsOptions) error) *cobra.Command {
	opts := &signInsOptions{
		IO: f.IO, Target: f.Target, Now: f.Now,
		Users: factory.DirectoryFunc[signInReader](f),
	}
	cmd := &cobra.Command{
		Use:   "sign-ins USER [--since 24h] [--failures]",
		Short: "Why can't this user sign in? Recent sign-ins with the errors explained (Entra ID)",
		Long: `List an Entra ID account's recent interactive sign-ins, newest first: time, app, client IP,
location and result, with the error code in words for the common ones (50126 wrong password,
50053 smart lockout, 50057 disabled, 53003 blocked by Conditional Access with the policy's
name, 500121 MFA not completed, ...) and the next step for each. New events take a few
minutes to appear.

Needs the Graph permissions AuditLog.Read.All and Directory.Read.All and an Entra ID P1 or P2
licence in the tenant; Conditional Access policy names also need Policy.Read.ConditionalAccess.`,
		Example: `  adkit user sign-ins asmith@corp.example.com
  adkit user sign-ins asmith@corp.example.com --since 7d --failures -o json`,
		Args: cmdutil.ExactArgs(1, "USER: the account whose sign-ins to read"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if opts.Limit < 1 || opts.Limit > 1000 {
				return cmdutil.FlagErrorf("--limit must be between 1 and 1000, not %d", opts.Limit)
			}
			if _, err := sinceTime(opts.Since, f.Now()); err != nil {
				return err
			}
			opts.User = args[0]
			return cmdutil.Run(cmd.Context(), opts, runF, signInsRun)
		},
	}
	cmd.Flags().StringVar(&opts.Since, "since", "24h", "how far back: a duration (24h, 90m, 7d) or an RFC 3339 time")
	cmd.Flags().BoolVar(&opts.Failures, "failures", false, "only failed sign-ins")
	cmd.Flags().IntVar(&opts.Limit, "limit", 50, "at most this many sign-ins")
	return cmd
}

// sinceTime reads --since: a Go duration, a number of days ("7d"), or an RFC 3339 time.
func sinceTime(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n > 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, cmdutil.FlagErrorf("--since %q: use a duration such as 24h or 7d, or an RFC 3339 time", s)
}

// signInJSON is one sign-in in -o json and csv.
type signInJSON struct {
	UserPrincipalName string   `json:"user_principal_name"`
	Time              string   `json:"time"`
	App               string   `json:"app"`
	ClientApp         string   `json:"client_app"`
	IPAddress         string   `json:"ip_address"`
	Location          string   `json:"location"`
	Result            string   `json:"result"` // success or failure
	ErrorCode         int      `json:"error_code"`
	FailureReason     string   `json:"failure_reason"`
	Meaning           string   `json:"meaning"`
	NextStep          string   `json:"next_step"`
	CAPolicies        []string `json:"conditional_access_policies"`
}

func signInsRun(ctx context.Context, opts *signInsOptions) error {
	if err := entraOnly(opts.Target, "sign-in logs"); err != nil {
		return err
	}
	since, err := sinceTime(opts.Since, opts.Now())
	if err != nil {
		return err
	}
	users, err := opts.Users(ctx)
	if err != nil {
		return err
	}
	u, events, err := users.SignIns(ctx, opts.User, directory.SignInQuery{Since: since, FailuresOnly: opts.Failures, Limit: opts.Limit})
	if err != nil {
		return &cmdutil.TargetError{Target: opts.User, Err: err}
	}
	rows := make([]signInJSON, 0, len(events))
	for _, s := range events {
		j := signInJSON{UserPrincipalName: u.UserPrincipalName, Time: s.Time.Format(time.RFC3339), App: s.App, ClientApp: s.ClientApp,
			IPAddress: s.IPAddress, Location: s.Location, Result: "success", ErrorCode: s.ErrorCode, FailureReason: s.FailureReason,
			CAPolicies: s.CAPolicies}
		if j.CAPolicies == nil {
			j.CAPolicies = []string{}
		}
		if !s.Succeeded() {
			j.Result = "failure"
			if ex, ok := directory.ExplainSignInError(s.ErrorCode); ok {
				j.Meaning, j.NextStep = ex.Meaning, ex.Next
			} else {
				j.Meaning = s.FailureReason
			}
		} else {
			j.FailureReason = ""
		}
		rows = append(rows, j)
	}
	var t output.Table
	if opts.Format == output.FormatCSV {
		t.Header = []string{"user_principal_name", "time", "app", "client_app", "ip_address", "location", "result", "error_code", "failure_reason", "meaning", "next_step", "conditional_access_policies"}
		for _, r := range rows {
			t.AddRow(r.UserPrincipalName, r.Time, r.App, r.ClientApp, r.IPAddress, r.Location, r.Result, strconv.Itoa(r.ErrorCode),
				r.FailureReason, r.Meaning, r.NextStep, strings.Join(r.CAPolicies, ";"))
		}
	} else {
		t.Header = []string{"Time", "Result", "App", "IP", "Location", "Why"}
		for i, r := range rows {
			result, why := "ok", ""
			if r.Result == "failure" {
				result = "FAILED " + strconv.Itoa(r.ErrorCode)
				why = r.Meaning
				if len(r.CAPolicies) > 0 {
					why += " (policy: " + strings.Join(r.CAPolicies, ", ") + ")"
				}
			}
			t.AddRow(events[i].Time.Local().Format("2006-01-02 15:04"), result, r.App, r.IPAddress, r.Location, why)
		}
	}
	if err := output.Print(opts.IO, opts.Format, t, rows); err != nil {
		return err
	}
	if opts.Format == output.FormatJSON || opts.Format == output.FormatCSV {
		return nil
	}
	if len(rows) == 0 {
		what := "sign-ins"
		if opts.Failures {
			what = "failed sign-ins"
		}
		fmt.Fprintf(opts.IO.ErrOut, "No interactive %s of %s since %s (new events take a few minutes to appear).\n",
			what, u.UserPrincipalName, since.Local().Format("2006-01-02 15:04"))
		return nil
	}
	// What to do, once per error code, newest first.
	seen := map[int]bool{}
	for _, r := range rows {
		if r.Result != "failure" || seen[r.ErrorCode] || r.NextStep == "" {
			continue
		}
		seen[r.ErrorCode] = true
		next := r.NextStep
		if r.ErrorCode == 53003 && len(r.CAPolicies) == 0 {
			next += " (the policy names need the Graph permission Policy.Read.ConditionalAccess)"
		}
		fmt.Fprintf(opts.IO.ErrOut, "%d %s: %s\n", r.ErrorCode, r.Meaning, next)
	}
	return nil
}
