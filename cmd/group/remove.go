package group

import (
	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/factory"
)

func newCmdRemove(f *factory.Factory, runF func(*editOptions) error) *cobra.Command {
	return newCmdEdit(f, false, runF)
}
