// Package completion prints shell completion scripts.
package completion

import (
	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
)

// NewCmdCompletion returns `adkit completion bash|zsh|fish|powershell`.
func NewCmdCompletion(f *factory.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print a completion script for your shell. For example:

  bash:        source <(adkit completion bash)
  zsh:         adkit completion zsh > "${fpath[1]}/_adkit"
  fish:        adkit completion fish > ~/.config/fish/completions/adkit.fish
  powershell:  adkit completion powershell | Out-String | Invoke-Expression

Besides commands and flags, it completes names from the directory: users, groups,
computers, OU DNs for --ou, UPNs on Entra ID. That never asks for a password: without
credentials adkit finds unasked, no names are offered. See docs/completion.md.`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      cmdutil.ExactArgs(1, "a shell: bash, zsh, fish or powershell"),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			out := f.IO.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return cmdutil.FlagErrorf("unknown shell %q: use bash, zsh, fish or powershell", args[0])
		},
	}
}
