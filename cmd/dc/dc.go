// Package dc holds the `adkit dc` commands: the domain controllers of the domain.
package dc

import (
	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/factory"
)

// NewCmdDC returns `adkit dc`.
func NewCmdDC(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dc <command>",
		Short: "Domain controllers: which there are, their sites, the PDC emulator, which answer",
		Long: `The domain controllers of the Active Directory domain. Each keeps its own copy of the
directory and replicates changes to the others; see docs/domain-controllers.md for what
differs between them (lastLogon, badPwdCount, a lockout that has not replicated yet).`,
	}
	cmd.AddCommand(newCmdList(f, nil))
	return cmd
}
