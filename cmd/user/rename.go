package user

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type renamer interface {
	RenameUser(ctx context.Context, ident string, o directory.RenameOptions) (directory.Outcome, error)
}

type renameOptions struct {
	IO     *iostreams.IOStreams
	Users  func(context.Context) (renamer, error)
	Format output.Format
	Target string
	Rename directory.RenameOptions
}

func newCmdRename(f *factory.Factory, runF func(*renameOptions) error) *cobra.Command {
	opts := &renameOptions{IO: f.IO, Users: factory.DirectoryFunc[renamer](f)}
	cmd := &cobra.Command{
		Use:   "rename USER --given-name G --surname S [--sam NAME] [--upn UPN]",
		Short: "Rename an account, keeping CN, display name, UPN and mail consistent",
		Long: `Give an account a new name (Rename-ADObject plus Set-ADUser): givenName, sn, displayName and
the CN become the new name; when another object in the OU already has that CN, the account is
named "Given Surname (sam)", as onboarding names a second person of the same name. A mail
address made from the old name (first.last@domain) follows the new one, numbered like
onboarding when taken, and the old address stays as a secondary proxy address. The UPN
follows the mail address when it was equal to it, or the logon name with --sam; --upn sets it.
The logon name changes only with --sam. One audit record (user.rename) lists every name
before and after.`,
		Example: `  adkit user rename jdoe --given-name Jane --surname Smith --ticket INC-1234
  adkit user rename jdoe --given-name Jane --surname Smith --sam jsmith --dry-run`,
		Args: cmdutil.ExactArgs(1, "USER: the account to rename"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if opts.Rename.GivenName == "" || opts.Rename.Surname == "" {
				return cmdutil.FlagErrorf("--given-name and --surname are both required: the account's new name")
			}
			opts.Target = args[0]
			return cmdutil.Run(cmd.Context(), opts, runF, renameRun)
		},
	}
	cmd.Flags().StringVar(&opts.Rename.GivenName, "given-name", "", "new given name")
	cmd.Flags().StringVar(&opts.Rename.Surname, "surname", "", "new surname")
	cmd.Flags().StringVar(&opts.Rename.SAMAccountName, "sam", "", "new logon name (sAMAccountName); default: unchanged")
	cmd.Flags().StringVar(&opts.Rename.UserPrincipalName, "upn", "", "new user principal name")
	return cmd
}

func renameRun(ctx context.Context, opts *renameOptions) error {
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, []string{opts.Target}, opts.Users, func(ctx context.Context, users renamer, t string) (cmdutil.Outcome, error) {
		return cmdutil.Result(users.RenameUser(ctx, t, opts.Rename))
	})
}
