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

type licenser interface {
	AssignLicense(ctx context.Context, ident, sku, usageLocation string) (directory.Outcome, error)
	RemoveLicense(ctx context.Context, ident, sku string) (directory.Outcome, error)
}

type licenseOptions struct {
	IO            *iostreams.IOStreams
	Users         func(context.Context) (licenser, error)
	Target        func() (string, error)
	Format        output.Format
	Assign        bool
	User          string
	SKU           string
	UsageLocation string
}

// newCmdLicense returns `user license`, which only attaches assign and remove.
func newCmdLicense(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "license <command>",
		Short: "Assign and remove Microsoft 365 licences (Entra ID)",
	}
	cmd.AddCommand(newCmdLicenseEdit(f, true, nil), newCmdLicenseEdit(f, false, nil))
	return cmd
}

func newCmdLicenseEdit(f *factory.Factory, assign bool, runF func(*licenseOptions) error) *cobra.Command {
	opts := &licenseOptions{
		IO: f.IO, Target: f.Target, Assign: assign,
		Users: factory.DirectoryFunc[licenser](f),
	}
	cmd := &cobra.Command{
		Use:   "assign USER SKU",
		Short: "Give an account a licence",
		Long: `Assign a licence, named by its SKU part number (ENTERPRISEPACK for Office 365 E3) or SKU id.
Graph refuses to license an account without a usage location: --usage-location sets one first
on an account that has none.`,
		Example: "  adkit user license assign jdoe@corp.example.com ENTERPRISEPACK --usage-location US --ticket HR-12",
		Args:    cmdutil.ExactArgs(2, "USER and SKU"),
	}
	if !assign {
		cmd.Use, cmd.Short = "remove USER SKU", "Take a licence away from an account"
		cmd.Long = "Remove a licence, named by its SKU part number or SKU id."
		cmd.Example = "  adkit user license remove jdoe@corp.example.com ENTERPRISEPACK --ticket HR-13"
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var err error
		if opts.Format, err = f.Globals.Format(); err != nil {
			return err
		}
		opts.User, opts.SKU = args[0], args[1]
		return cmdutil.Run(cmd.Context(), opts, runF, licenseRun)
	}
	if assign {
		cmd.Flags().StringVar(&opts.UsageLocation, "usage-location", "", "two-letter country code to set first on an account that has none, e.g. US")
	}
	return cmd
}

func licenseRun(ctx context.Context, opts *licenseOptions) error {
	if err := cmdutil.OnlyFor(opts.Target, true, "licences are an Entra ID matter: use --target entra (AD accounts synchronised to Entra ID are licensed there)"); err != nil {
		return err
	}
	return cmdutil.ApplyEach(ctx, opts.IO, opts.Format, []string{opts.User}, opts.Users, func(ctx context.Context, users licenser, u string) (cmdutil.Outcome, error) {
		var o directory.Outcome
		var err error
		if opts.Assign {
			o, err = users.AssignLicense(ctx, u, opts.SKU, opts.UsageLocation)
		} else {
			o, err = users.RemoveLicense(ctx, u, opts.SKU)
		}
		return cmdutil.FromAD(o), err
	})
}
