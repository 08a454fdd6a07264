package cli

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/adkit-dev/adkit/cmd/auditcmd"
	"github.com/adkit-dev/adkit/cmd/bitlocker"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/completion"
	"github.com/adkit-dev/adkit/cmd/computer"
	"github.com/adkit-dev/adkit/cmd/dc"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/cmd/group"
	"github.com/adkit-dev/adkit/cmd/logcmd"
	"github.com/adkit-dev/adkit/cmd/login"
	"github.com/adkit-dev/adkit/cmd/offboard"
	"github.com/adkit-dev/adkit/cmd/onboard"
	"github.com/adkit-dev/adkit/cmd/plancmd"
	"github.com/adkit-dev/adkit/cmd/user"
	versioncmd "github.com/adkit-dev/adkit/cmd/version"
)

// noun is a top-level command ("user", "group", …) and how to build it with its subtree.
type noun struct {
	name  string
	build func(*factory.Factory) *cobra.Command
}

func nouns() []noun {
	return []noun{
		{"user", user.NewCmdUser},
		{"group", group.NewCmdGroup},
		{"computer", computer.NewCmdComputer},
		{"bitlocker", bitlocker.NewCmdBitLocker},
		{"dc", dc.NewCmdDC},
		{"onboard", onboard.NewCmdOnboard},
		{"offboard", offboard.NewCmdOffboard},
		{"log", logcmd.NewCmdLog},
		{"login", login.NewCmdLogin},
		{"logout", login.NewCmdLogout},
		{"plan", plancmd.NewCmdPlan},
		{"audit", auditcmd.NewCmdAudit},
		{"version", versioncmd.NewCmdVersion},
		{"completion", completion.NewCmdCompletion},
		{environmentTopic, newCmdEnvironment}, // a help topic: `adkit help environment`
	}
}

// newCmdRootFor builds the tree a command line needs: when it starts with a noun, the root
// and that noun's subtree only. Building every command and flag of the others is most of
// what adkit does before it connects (about a tenth of `adkit version`), and a technician
// pays it on every command. Anything else (no noun, a flag first, help, completion, a typo
// to suggest a correction for) gets the whole tree.
func newCmdRootFor(f *factory.Factory, args []string) *cobra.Command {
	if len(args) > 0 && args[0] != "completion" {
		for _, n := range nouns() {
			if n.name == args[0] {
				return newCmdRoot(f, n.name)
			}
		}
	}
	return newCmdRoot(f, "")
}

// newCmdRoot builds the root and the noun named only, or every noun when only is "".
func newCmdRoot(f *factory.Factory, only string) *cobra.Command {
	g := f.Globals
	root := &cobra.Command{
		Use:   "adkit <command> <subcommand> [flags]",
		Short: "Account work on Active Directory and Entra ID, with a tamper-evident audit log",
		Long: `adkit unlocks accounts, resets passwords, enables and disables users, changes group
membership, onboards new hires from HR CSV files, handles leavers and audits who holds
which permissions — on Active Directory (LDAP) and Microsoft Entra ID (Graph).

Every change is written to a tamper-evident audit log before and after it is made.`,
		Example: `  adkit user show jdoe
  adkit user unlock jdoe --ticket INC-1234
  adkit group members "Domain Admins" --recursive -o json
  adkit log verify`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cmd.Flags().Visit(func(fl *pflag.Flag) {
				// A command's own flag of the same name (log show --target) is not the setting.
				if isConnectionSetting(fl.Name) && fl == cmd.Root().PersistentFlags().Lookup(fl.Name) {
					g.Set[fl.Name] = fl.Value.String()
				}
			})
			if g.Ticket == "" {
				g.Ticket = f.Getenv("ADKIT_TICKET")
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &cmdutil.FlagError{Err: err, Usage: true}
	})

	pf := root.PersistentFlags()
	pf.StringVarP(&g.Output, "output", "o", "", "output format: table, json or csv (default: a table on a terminal, plain rows when piped)")
	pf.BoolVar(&g.DryRun, "dry-run", false, "change nothing; show what would change (recorded in the audit log as a dry run)")
	pf.BoolVarP(&g.Yes, "yes", "y", false, "do not ask for confirmation")
	pf.StringVar(&g.Ticket, "ticket", "", "help-desk ticket this work is for, stored on audit records (env ADKIT_TICKET)")
	pf.StringVar(&g.Reason, "reason", "", "free text stored on audit records")
	pf.BoolVarP(&g.Verbose, "verbose", "v", false, "protocol-level detail on stderr (secrets masked)")

	pf.BoolVar(&g.DeviceCode, "device-code", false, "sign in to Entra ID as yourself with a device code (the same as --auth device-code)")
	for _, s := range connectionSettings() {
		if s.isBool {
			pf.Bool(s.flag, false, s.usage+" (env "+s.env+")")
		} else {
			pf.String(s.flag, "", s.usage+" (env "+s.env+")")
		}
	}
	// Listed on `adkit help environment` rather than on every command's help (help.go).
	for _, name := range []string{"verbose", "device-code"} {
		_ = pf.SetAnnotation(name, environmentAnnotation, []string{"true"})
	}
	for _, s := range connectionSettings() {
		if s.flag != "target" { // --target is also a per-command choice
			_ = pf.SetAnnotation(s.flag, environmentAnnotation, []string{"true"})
		}
	}
	root.SetUsageFunc(usage)

	for _, n := range nouns() {
		if only == "" || n.name == only {
			root.AddCommand(n.build(f))
		}
	}
	completion.Wire(root, f) // names from the directory on <TAB>, by each command's usage line
	return root
}
