// Package computer holds the `adkit computer` commands; this file only attaches the verbs.
package computer

import (
	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/factory"
)

// NewCmdComputer returns `adkit computer`.
func NewCmdComputer(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "computer <command>",
		Short: "Computer accounts: show, search, enable, disable, move, delete, reset; LAPS and BitLocker",
		Long: `Computer accounts in Active Directory. PC may be the computer's name, its sAMAccountName
(with or without the trailing $), its DNS name, its distinguished name or its objectGUID.

Reading a LAPS password or a BitLocker recovery key is recorded in the audit log like a
change (with --ticket and --reason), and the secret itself never is.`,
	}
	cmd.AddCommand(
		newCmdShow(f, nil),
		newCmdSearch(f, nil),
		newCmdEnable(f, nil),
		newCmdDisable(f, nil),
		newCmdMove(f, nil),
		newCmdDelete(f, nil),
		newCmdReset(f, nil),
		newCmdLAPS(f, nil),
		newCmdBitLocker(f, nil),
	)
	return cmd
}
