// Package bitlocker holds `adkit bitlocker`: finding a BitLocker recovery password by the key
// ID a locked-out user reads off the recovery screen. `computer bitlocker PC` lists a known
// computer's keys.
package bitlocker

import (
	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/factory"
)

// NewCmdBitLocker returns `adkit bitlocker`.
func NewCmdBitLocker(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bitlocker <command>",
		Short: "Find BitLocker recovery passwords by key ID",
	}
	cmd.AddCommand(newCmdFind(f, nil))
	return cmd
}
