// Package auditcmd holds `adkit audit`: the permission and compliance checks of a domain,
// snapshots of privileged access and the drift between them. The checks themselves live in
// audit/check; these commands only wire flags, the connection and the output to them.
// (Named auditcmd so that it does not shadow the audit trail package.)
package auditcmd

import (
	"context"
	"fmt"
	"time"

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
objects that control the domain.

With --target entra it audits the Entra ID tenant instead: who holds tier-0 directory roles
(through role-assignable groups too), applications holding them, guests, accounts not
registered for MFA, and stale and disabled administrators. 'adkit audit checks --target entra'
lists those checks.`,
	}
	cmd.AddCommand(newCmdChecks(f, nil), newCmdRun(f, nil), newCmdSnapshot(f, nil), newCmdDiff(f, nil))
	return cmd
}

// inventoryLoader reads the domain into an inventory.
type inventoryLoader func(ctx context.Context, opts check.LoadOptions) (*check.Inventory, error)

// loadFromAD connects (lazily, when a command runs) and loads the inventory.
// auditRequestTimeout is how long the audit waits for one search unless --timeout says
// otherwise: Samba evaluates a whole search before it sends the first page, which took over
// 30 s (the default) for the accounts of a 100,000-user domain. Reaching each DC stays
// bounded by --dc-timeout, so a DC that is down still fails fast.
const auditRequestTimeout = 10 * time.Minute

func loadFromAD(f *factory.Factory) inventoryLoader {
	return func(ctx context.Context, opts check.LoadOptions) (*check.Inventory, error) {
		if s, err := f.Settings(); err == nil && !s.TimeoutSet {
			s.Timeout = max(s.Timeout, auditRequestTimeout)
		}
		c, err := f.AD(ctx)
		if err != nil {
			return nil, err
		}
		return c.AuditInventory(ctx, opts, check.PrivilegedSIDs)
	}
}

// entraLoader reads the tenant into an Entra inventory.
type entraLoader func(ctx context.Context, opts check.EntraLoadOptions) (*check.EntraInventory, error)

// entraAuditor is what the Entra ID audit needs of the directory: *graph.Client has it.
type entraAuditor interface {
	AuditInventory(ctx context.Context, opts check.EntraLoadOptions) (*check.EntraInventory, error)
}

// loadFromEntra signs in (lazily, when a command runs) and reads the tenant.
func loadFromEntra(f *factory.Factory) entraLoader {
	return func(ctx context.Context, opts check.EntraLoadOptions) (*check.EntraInventory, error) {
		c, err := factory.Directory[entraAuditor](ctx, f)
		if err != nil {
			return nil, err
		}
		return c.AuditInventory(ctx, opts)
	}
}

// describeEntraLoad is the -v line about what reading the tenant cost.
func describeEntraLoad(inv *check.EntraInventory) string {
	eligible := 0
	for _, a := range inv.Assignments {
		if a.Eligible {
			eligible++
		}
	}
	kinds := fmt.Sprintf("%d eligible", eligible)
	if !inv.Eligible {
		kinds = "eligible ones not read"
	}
	return fmt.Sprintf("audit: %d Graph requests read %d users, %d role definitions, %d role assignments (%s), %d role groups",
		inv.Requests, len(inv.Users), len(inv.Roles), len(inv.Assignments), kinds, len(inv.GroupMembers))
}

// checkSnapshotTarget refuses a baseline of the other directory.
func checkSnapshotTarget(snap *check.Snapshot, target string) error {
	if (target == "entra") != (snap.Directory == check.EntraDirectory) {
		return fmt.Errorf("it is a snapshot of %s, and the target is %s (--target)", snap.Directory, target)
	}
	return nil
}

// describeLoad is the -v line about what a load cost.
func describeLoad(inv *check.Inventory) string {
	return fmt.Sprintf("audit: %d LDAP searches read %d accounts, %d groups, %d foreign principals, %d security descriptors",
		inv.Searches, len(inv.Accounts), len(inv.Groups), len(inv.Foreign), len(inv.Secured))
}
