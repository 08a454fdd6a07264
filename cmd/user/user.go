// Package user holds the `adkit user` commands; this file only attaches the verbs.
package user

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
)

// NewCmdUser returns `adkit user`.
func NewCmdUser(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user <command>",
		Short: "Show, unlock, reset, enable, disable and search user accounts",
	}
	cmd.AddCommand(
		newCmdShow(f, nil),
		newCmdUnlock(f, nil),
		newCmdResetPassword(f, nil),
		newCmdEnable(f, nil),
		newCmdDisable(f, nil),
		newCmdGroups(f, nil),
		newCmdSearch(f, nil),
		newCmdMove(f, nil),
		newCmdSet(f, nil),
		newCmdRename(f, nil),
		newCmdCreate(f, nil),
		newCmdRevokeSessions(f, nil),
		newCmdLicense(f),
		newCmdMFA(f, nil),
		newCmdTAP(f, nil),
		newCmdSignIns(f, nil),
		newCmdRisk(f, nil),
	)
	return cmd
}

// userReader is the read side every user command needs.
type userReader interface {
	User(ctx context.Context, ident string) (*directory.User, error)
}
