// Package group holds the `adkit group` commands; this file only attaches the verbs.
package group

import (
	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/factory"
)

// NewCmdGroup returns `adkit group`.
func NewCmdGroup(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "group <command>",
		Short: "Show, create, change and delete groups; add, remove and sync members",
	}
	cmd.AddCommand(newCmdShow(f, nil), newCmdMembers(f, nil), newCmdAdd(f, nil), newCmdRemove(f, nil),
		newCmdCreate(f, nil), newCmdDelete(f, nil), newCmdRestore(f, nil), newCmdSet(f, nil), newCmdSync(f, nil))
	return cmd
}
