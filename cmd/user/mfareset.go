package user

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type methodResetter interface {
	PlanMethodReset(ctx context.Context, ident string, sel directory.MethodSelector) (*directory.MethodResetPlan, error)
	RemoveMethods(ctx context.Context, plan *directory.MethodResetPlan) []directory.MethodRemoval
}

type mfaResetOptions struct {
	IO        *iostreams.IOStreams
	Users     func(context.Context) (methodResetter, error)
	Target    func() (string, error)
	Confirmer cmdutil.Confirmer
	Format    output.Format
	User      string
	Methods   []string
	Types     []string
	All       bool
	Yes       bool
	DryRun    bool
}

func newCmdMFAReset(f *factory.Factory, runF func(*mfaResetOptions) error) *cobra.Command {
	opts := &mfaResetOptions{
		IO: f.IO, Target: f.Target, Confirmer: f.Prompter,
		Users: factory.DirectoryFunc[methodResetter](f),
	}
	cmd := &cobra.Command{
		Use:   "reset USER (--method ID | --type TYPE | --all)",
		Short: "Remove MFA methods so that the user registers again (Entra ID)",
		Long: `Remove authentication methods of an Entra ID account — a lost phone, a replaced Authenticator —
so that the user must register again. Each removal is its own audited change
(user.remove_auth_method), sent to the method type's own Graph collection.

  --method ID   a method by id, as listed by adkit user mfa (repeatable; FIDO2 ids may begin
                with '-': write --method=-abc…)
  --type TYPE   every method of a type: phone, authenticator, fido2, windows-hello,
                software-oath, email, tap, platform-credential (repeatable)
  --all         every method adkit can remove

The password cannot be removed (reset it instead). The alternate mobile phone goes before the
mobile phone, which Graph refuses to remove while an alternate exists. Removing the last
method that lets the user pass MFA or reset their own password needs --yes: at next sign-in
they will be asked to register a method again (or are stopped if the tenant does not let them
register); issue a Temporary Access Pass (adkit user tap) so they can. On a terminal adkit
asks first, naming what goes; without one, removing several methods needs --yes.

Needs the Graph permission UserAuthenticationMethod.ReadWrite.All (a technician: the
Authentication Administrator role, Privileged Authentication Administrator for admins).`,
		Example: `  adkit user mfa reset jdoe@corp.example.com --type phone --ticket INC-42
  adkit user mfa reset jdoe@corp.example.com --method=-Yk3pFqZx_2bQm0wLr9TnA2
  adkit user mfa reset jdoe@corp.example.com --all --yes && adkit user tap jdoe@corp.example.com`,
		Args: cmdutil.ExactArgs(1, "USER: the account whose methods to remove"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if !opts.All && len(opts.Methods) == 0 && len(opts.Types) == 0 {
				return cmdutil.FlagErrorf("say which methods to remove: --method ID, --type TYPE or --all (list them with: adkit user mfa %s)", args[0])
			}
			if opts.All && (len(opts.Methods) > 0 || len(opts.Types) > 0) {
				return cmdutil.FlagErrorf("--all removes every method: leave out --method and --type")
			}
			for i, t := range opts.Types {
				n := directory.NormalizeMethodType(t)
				if n == "" {
					return cmdutil.FlagErrorf("--type %q: use one of %s", t, strings.Join(directory.MethodTypes(), ", "))
				}
				opts.Types[i] = n
			}
			opts.User, opts.Yes, opts.DryRun = args[0], f.Globals.Yes, f.Globals.DryRun
			return cmdutil.Run(cmd.Context(), opts, runF, mfaResetRun)
		},
	}
	cmd.Flags().StringSliceVar(&opts.Methods, "method", nil, "remove the method with this `ID` (repeatable)")
	cmd.Flags().StringSliceVar(&opts.Types, "type", nil, "remove every method of this `TYPE` (repeatable)")
	cmd.Flags().BoolVar(&opts.All, "all", false, "remove every method adkit can remove")
	return cmd
}

// removalJSON is one line of -o json/csv.
type removalJSON struct {
	UserPrincipalName string `json:"user_principal_name"`
	MethodID          string `json:"method_id"`
	Type              string `json:"type"`
	Result            string `json:"result"` // changed, unchanged, would_change, error
	Message           string `json:"message"`
}

func mfaResetRun(ctx context.Context, opts *mfaResetOptions) error {
	if err := entraOnly(opts.Target, "authentication methods"); err != nil {
		return err
	}
	users, err := opts.Users(ctx)
	if err != nil {
		return err
	}
	plan, err := users.PlanMethodReset(ctx, opts.User, directory.MethodSelector{IDs: opts.Methods, Types: opts.Types, All: opts.All})
	if err != nil {
		return &cmdutil.TargetError{Target: opts.User, Err: err}
	}
	upn := plan.User.UserPrincipalName
	if len(plan.Remove) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "· %s: no such method registered; nothing to remove\n", upn)
		return writeRemovals(opts, nil)
	}
	labels := make([]string, len(plan.Remove))
	for i, m := range plan.Remove {
		labels[i] = m.Label()
	}
	if plan.LeavesNone && !opts.Yes && !opts.DryRun {
		return cmdutil.FlagErrorf("removing %s leaves %s no method to pass MFA or reset their own password with: at next sign-in they will have to register one again (or cannot sign in if the tenant does not let them). Pass --yes to go ahead, and consider a Temporary Access Pass (adkit user tap %s); nothing was changed",
			strings.Join(labels, ", "), upn, upn)
	}
	if !opts.Yes && !opts.DryRun {
		switch {
		case opts.IO.CanPrompt():
			ok, err := opts.Confirmer.Confirm(fmt.Sprintf("Remove from %s: %s? They will have to register again.", upn, strings.Join(labels, ", ")), false)
			if err != nil {
				return err
			}
			if !ok {
				return cmdutil.ErrDeclined
			}
		case len(plan.Remove) > 1:
			return cmdutil.FlagErrorf("removing %d methods of %s (%s) needs --yes when not run from a terminal (or try --dry-run first); nothing was changed",
				len(plan.Remove), upn, strings.Join(labels, ", "))
		}
	}
	results := users.RemoveMethods(ctx, plan)
	var rows []removalJSON
	var failures []error
	succeeded := 0
	human := opts.Format == output.FormatAuto || opts.Format == output.FormatTable
	for _, r := range results {
		row := removalJSON{UserPrincipalName: upn, MethodID: r.Method.ID, Type: r.Method.Type, Message: r.Note}
		switch {
		case r.Err != nil:
			row.Result, row.Message = "error", r.Err.Error()
			failures = append(failures, r.Err)
		case r.Changed:
			row.Result = "changed"
		case r.WouldChange:
			row.Result = "would_change"
		default:
			row.Result = "unchanged"
		}
		if r.Err == nil {
			succeeded++
			if human {
				mark := map[string]string{"changed": "✓", "would_change": "~", "unchanged": "·"}[row.Result]
				fmt.Fprintf(opts.IO.Out, "%s %s: %s\n", mark, upn, r.Note)
			}
		}
		rows = append(rows, row)
	}
	if err := writeRemovals(opts, rows); err != nil {
		return err
	}
	if len(failures) == 0 {
		if plan.LeavesNone && !opts.DryRun {
			fmt.Fprintf(opts.IO.ErrOut, "%s has no MFA method left: at next sign-in they will be asked to register one; a Temporary Access Pass lets them do it without a phone (adkit user tap %s)\n", upn, upn)
		}
		return nil
	}
	// The first failure is returned (and printed once, by main); the methods after it were
	// not attempted, which their own lines say.
	for _, err := range failures[1:] {
		fmt.Fprintf(opts.IO.ErrOut, "✗ %s: %v\n", upn, err)
	}
	if succeeded > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "✗ %s: %v\n", upn, failures[0])
		return &cmdutil.PartialError{Failed: len(failures), Total: len(results)}
	}
	return &cmdutil.TargetError{Target: opts.User, Err: failures[0]}
}

func writeRemovals(opts *mfaResetOptions, rows []removalJSON) error {
	if rows == nil {
		rows = []removalJSON{}
	}
	switch opts.Format {
	case output.FormatJSON:
		return output.WriteJSON(opts.IO.Out, rows)
	case output.FormatCSV:
		t := output.Table{Header: []string{"user_principal_name", "method_id", "type", "result", "message"}}
		for _, r := range rows {
			t.AddRow(r.UserPrincipalName, r.MethodID, r.Type, r.Result, r.Message)
		}
		return output.WriteCSV(opts.IO.Out, t)
	}
	return nil
}
