package user

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type riskHandler interface {
	UserRisk(ctx context.Context, ident string) (*directory.User, directory.RiskState, error)
	SetRisk(ctx context.Context, ident string, safe bool) (directory.Outcome, error)
}

type riskOptions struct {
	IO          *iostreams.IOStreams
	Users       func(context.Context) (riskHandler, error)
	Target      func() (string, error)
	Format      output.Format
	User        string
	ConfirmSafe bool
	Dismiss     bool
}

func newCmdRisk(f *factory.Factory, runF func(*riskOptions) error) *cobra.Command {
	opts := &riskOptions{
		IO: f.IO, Target: f.Target,
		Users: factory.DirectoryFunc[riskHandler](f),
	}
	cmd := &cobra.Command{
		Use:   "risk USER [--confirm-safe | --dismiss]",
		Short: "Show or clear an account's sign-in risk (Entra ID Protection)",
		Long: `Show an Entra ID account's Identity Protection risk (level, state, detail), or act on it:
--confirm-safe tells Identity Protection the account is not compromised, --dismiss dismisses
its risk. Both set the risk level to none and are audited (user.risk_confirm_safe,
user.risk_dismiss). An account never at risk has nothing to clear.

Needs Entra ID P2 and the Graph permission IdentityRiskyUser.Read.All (ReadWrite.All to act;
a technician: Security Operator or Security Administrator).`,
		Example: `  adkit user risk jdoe@corp.example.com
  adkit user risk jdoe@corp.example.com --confirm-safe --ticket SEC-9 --reason "verified by phone"`,
		Args: cmdutil.ExactArgs(1, "USER: the account whose risk to show or clear"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if opts.ConfirmSafe && opts.Dismiss {
				return cmdutil.FlagErrorf("--confirm-safe and --dismiss are alternatives: give one")
			}
			opts.User = args[0]
			return cmdutil.Run(cmd.Context(), opts, runF, riskRun)
		},
	}
	cmd.Flags().BoolVar(&opts.ConfirmSafe, "confirm-safe", false, "confirm the account is not compromised")
	cmd.Flags().BoolVar(&opts.Dismiss, "dismiss", false, "dismiss the account's risk")
	return cmd
}

// riskJSON is `user risk -o json`.
type riskJSON struct {
	UserPrincipalName string  `json:"user_principal_name"`
	ID                string  `json:"id"`
	AtRisk            bool    `json:"at_risk"`
	RiskLevel         string  `json:"risk_level"`
	RiskState         string  `json:"risk_state"`
	RiskDetail        string  `json:"risk_detail"`
	RiskLastUpdated   *string `json:"risk_last_updated"`
}

func riskRun(ctx context.Context, opts *riskOptions) error {
	if err := entraOnly(opts.Target, "sign-in risk states"); err != nil {
		return err
	}
	users, err := opts.Users(ctx)
	if err != nil {
		return err
	}
	if opts.ConfirmSafe || opts.Dismiss {
		return cmdutil.RunChanges(ctx, opts.IO, opts.Format, []string{opts.User}, func(ctx context.Context, t string) (cmdutil.Outcome, error) {
			o, err := users.SetRisk(ctx, t, opts.ConfirmSafe)
			return cmdutil.FromAD(o), err
		})
	}
	u, r, err := users.UserRisk(ctx, opts.User)
	if err != nil {
		return &cmdutil.TargetError{Target: opts.User, Err: err}
	}
	j := riskJSON{UserPrincipalName: u.UserPrincipalName, ID: u.ID, AtRisk: r.AtRisk(), RiskLevel: r.Level, RiskState: r.State, RiskDetail: r.Detail}
	updated := ""
	if r.Updated != nil {
		updated = r.Updated.UTC().Format(time.RFC3339)
		j.RiskLastUpdated = &updated
	}
	t := output.Table{Header: []string{"Field", "Value"}}
	if opts.Format == output.FormatCSV {
		t = output.Table{Header: []string{"user_principal_name", "id", "at_risk", "risk_level", "risk_state", "risk_detail", "risk_last_updated"}}
		t.AddRow(j.UserPrincipalName, j.ID, boolText(j.AtRisk), j.RiskLevel, j.RiskState, j.RiskDetail, updated)
	} else {
		state := j.RiskState
		if r.NeverAtRisk {
			state = "none (never at risk)"
		}
		t.AddRow("user_principal_name", j.UserPrincipalName)
		t.AddRow("at_risk", boolText(j.AtRisk))
		t.AddRow("risk_level", j.RiskLevel)
		t.AddRow("risk_state", state)
		t.AddRow("risk_detail", j.RiskDetail)
		t.AddRow("risk_last_updated", updated)
	}
	return output.Print(opts.IO, opts.Format, t, j)
}
