// Package auditcmd holds `adkit audit`: the permission and compliance checks of a domain,
// snapshots of privileged access and the drift between them. The checks themselves live in
// audit/check; these commands only wire flags, the connection and the output to them.
// (Named auditcmd so that it does not shadow the audit trail package.)
package auditcmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/audit/check"
	"github.com/adkit-dev/adkit/cmd/factory"
)

// NewCmdAudit returns `adkit audit`.
func NewCmdAudit(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit <command>",
		Short: "Audit privileged access and risky account settings; snapshot and diff privileged groups",
		Long: `Audit reads the domain (read-only; any authenticated account may run it) and reports who
holds privileged access and how, risky account settings, and unexpected permissions on the
objects that control the domain.`,
	}
	cmd.AddCommand(newCmdChecks(f, nil), newCmdRun(f, nil), newCmdSnapshot(f, nil), newCmdDiff(f, nil))
	return cmd
}

// inventoryLoader reads the domain into an inventory.
type inventoryLoader func(ctx context.Context, opts check.LoadOptions) (*check.Inventory, error)

// loadFromAD connects (lazily, when a command runs) and loads the inventory.
func loadFromAD(f *factory.Factory) inventoryLoader {
	return func(ctx context.Context, opts check.LoadOptions) (*check.Inventory, error) {
		c, err := f.AD(ctx)
		if err != nil {
			return nil, err
		}
		return check.Load(ctx, c, opts)
	}
}

// describeLoad is the -v line about what a load cost.
func describeLoad(inv *check.Inventory) string {
	return fmt.Sprintf("audit: %d LDAP searches read %d accounts, %d groups, %d foreign principals, %d security descriptors",
		inv.Searches, len(inv.Accounts), len(inv.Groups), len(inv.Foreign), len(inv.Secured))
}
