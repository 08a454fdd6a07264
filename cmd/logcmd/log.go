// Package logcmd holds `adkit log`: reading and verifying the audit log. (Named logcmd so it
// does not shadow the standard library's log.)
package logcmd

import (
	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/factory"
)

// NewCmdLog returns `adkit log`.
func NewCmdLog(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "log <command>",
		Short: "Read and verify the tamper-evident audit log",
	}
	cmd.AddCommand(newCmdShow(f, nil), newCmdVerify(f, nil), newCmdKeygen(f, nil))
	return cmd
}

// auditLogPath resolves the log's path without touching any directory.
func auditLogPath(f *factory.Factory) (string, error) {
	s, err := f.Settings()
	if err != nil {
		return "", err
	}
	return s.AuditLog, nil
}
