package computer

import (
	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/factory"
)

func newCmdDisable(f *factory.Factory, runF func(*enableOptions) error) *cobra.Command {
	return newCmdSetEnabled(f, false, runF)
}
