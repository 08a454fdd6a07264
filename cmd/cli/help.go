package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/adkit-dev/adkit/cmd/factory"
)

// Help pages show, under "Global Flags", only the few global flags that change what the
// command does (-o, --dry-run, …). The connection settings — which domain controller, which
// tenant, how to bind, where the audit log goes — are set once per machine or profile, and
// listing all of them on every page pushed a command's own flags off a technician's screen.
// They live on one page, `adkit help environment`, that every help page names in its last
// line (like `gh help environment` and `kubectl options`). The flags themselves still work
// on every command exactly as before; only where they are listed changes.

// environmentAnnotation marks a global flag whose listing is on the environment page.
const environmentAnnotation = "adkit_environment"

// environmentTopic is the name of the help topic: `adkit help environment`.
const environmentTopic = "environment"

// setting is one connection setting: its global flag, environment variable and config key.
type setting struct {
	flag   string
	env    string // the environment variable, with "=1" for a switch
	key    string // the config file profile key; "" when there is none
	usage  string // what it does, for the flag's usage and the environment page
	isBool bool
}

// connectionSettings are the global flags listed only on the environment page. They may
// also come from the environment or a profile (internal/config.Resolve), so only the ones
// the user sets are passed on: an unset flag never hides ADKIT_*.
func connectionSettings() []setting {
	return []setting{
		{flag: "profile", env: "ADKIT_PROFILE", usage: "config profile to use (one per domain or tenant)"},
		{flag: "target", env: "ADKIT_TARGET", key: "target", usage: "directory for user and group commands: ad or entra"},
		{flag: "ldap-url", env: "ADKIT_LDAP_URL", key: "ldap_url", usage: "domain controller: ldaps://host[:636] or ldap://host (StartTLS)"},
		{flag: "domain", env: "ADKIT_DOMAIN", key: "domain", usage: "AD domain whose DCs are found by DNS SRV (_ldap._tcp.dc._msdcs.DOMAIN), e.g. corp.example.com; the next DC is tried when one does not answer"},
		{flag: "site", env: "ADKIT_SITE", key: "site", usage: "AD site whose DCs --domain tries first"},
		{flag: "dns-server", env: "ADKIT_DNS_SERVER", key: "dns_server", usage: "DNS server host:port asked for --domain's SRV records instead of the system resolver"},
		{flag: "dc", env: "ADKIT_DC", usage: "use this one domain controller: a host name, or an ldaps:// or ldap:// URL"},
		{flag: "pdc", env: "ADKIT_PDC=1", key: "pdc", isBool: true, usage: "use the domain's PDC emulator (password resets use it with --domain anyway)"},
		{flag: "base-dn", env: "ADKIT_BASE_DN", key: "base_dn", usage: "search base (default: the rootDSE's defaultNamingContext)"},
		{flag: "bind-user", env: "ADKIT_BIND_USER", key: "bind_user", usage: "bind account: user@domain, DOMAIN\\user or a DN"},
		{flag: "bind-password-file", env: "ADKIT_BIND_PASSWORD_FILE", key: "bind_password_file", usage: "file holding the bind password (ADKIT_BIND_PASSWORD holds the password itself and wins; else a prompt on a terminal)"},
		{flag: "kerberos", env: "ADKIT_KERBEROS=1", key: "kerberos", isBool: true, usage: "bind with the Kerberos ticket cache (GSSAPI) instead of a password"},
		{flag: "ca-file", env: "ADKIT_CA_FILE", key: "ca_file", usage: "PEM bundle of CAs to trust for the domain controller's certificate"},
		{flag: "tls-skip-verify", env: "ADKIT_TLS_SKIP_VERIFY=1", key: "tls_skip_verify", isBool: true, usage: "do not verify the server certificate; labs only"},
		{flag: "graph-url", env: "ADKIT_GRAPH_URL", key: "graph_url", usage: "Microsoft Graph endpoint (default https://graph.microsoft.com/v1.0)"},
		{flag: "auth", env: "ADKIT_AUTH", key: "auth", usage: "where Entra ID credentials come from: env, browser, device-code, azure-cli, workload or managed-identity (default: AZURE_* secret or certificate, then AZURE_FEDERATED_TOKEN_FILE, then adkit login, then az)"},
		{flag: "audit-log", env: "ADKIT_AUDIT_LOG", key: "audit_log", usage: "audit log path (default ~/.local/state/adkit/audit.jsonl)"},
		{flag: "timeout", env: "ADKIT_TIMEOUT", key: "timeout", usage: "timeout for connecting and for each directory request, e.g. 30s (default 30s)"},
		{flag: "syslog", env: "ADKIT_SYSLOG", key: "syslog", usage: "also send audit records to this RFC 5424 collector: udp://host:port or tcp://host:port"},
	}
}

// otherEnvironment is what is read from the environment without a flag of its own.
func otherEnvironment() [][2]string {
	return [][2]string{
		{"ADKIT_BIND_PASSWORD", "the bind password itself (never a flag: argv is visible to every user of the machine)"},
		{"ADKIT_TICKET", "the help-desk ticket, as --ticket"},
		{"ADKIT_CONFIG", "the config file (default $XDG_CONFIG_HOME/adkit/config.yaml, ~/.config/adkit/config.yaml; on Windows %APPDATA%\\adkit\\config.yaml)"},
		{"XDG_STATE_HOME", "where the audit log and leaver snapshots go (default ~/.local/state; on Windows %LOCALAPPDATA%\\adkit)"},
		{"KRB5CCNAME, KRB5_CONFIG", "the Kerberos ticket cache and configuration, for --kerberos"},
		{"AZURE_TENANT_ID", "the Entra ID tenant"},
		{"AZURE_CLIENT_ID", "the app registration (optional for adkit login and --device-code)"},
		{"AZURE_CLIENT_SECRET", "the app's secret (app-only sign-in)"},
		{"AZURE_CLIENT_CERTIFICATE_PATH", "the app's certificate, PEM or PKCS#12 (app-only sign-in)"},
		{"AZURE_CLIENT_CERTIFICATE_PASSWORD", "the PKCS#12 certificate's password"},
		{"AZURE_AUTHORITY_HOST", "the sign-in authority, for sovereign clouds"},
		{"AZURE_FEDERATED_TOKEN_FILE", "a workload's token, for workload identity federation (--auth workload)"},
		{"ADKIT_TOKEN_CACHE", "plaintext: on a machine with no credential store, let adkit login keep the tokens in a 0600 file, unencrypted (config key token_cache)"},
		{"XDG_CACHE_HOME", "where adkit login's encrypted token cache and completion's names go on Linux (default ~/.cache)"},
		{"ADKIT_COMPLETION_TIMEOUT", "how long <TAB> waits for the directory before offering no names (default 2s; docs/completion.md)"},
		{"ADKIT_COMPLETION_CACHE_TTL", "how long names read for <TAB> are kept (default 5m; 0 keeps none)"},
		{"SSL_CERT_FILE", "extra CAs to trust for Microsoft Graph"},
	}
}

// commandGlobals are the global flags each command's help lists, by its path under adkit.
// A command that only reads has no use for --dry-run or --ticket; one that reads a local
// file has no use for --target. A command missing here (a new one) lists everydayGlobals.
func commandGlobals(path string) []string {
	const (
		o      = "output"
		target = "target"
	)
	change := []string{o, target, "dry-run", "yes", "ticket", "reason"}
	read := []string{o, target}
	switch path {
	case "version":
		return nil
	case "completion":
		return nil
	case "log show", "log verify", "audit diff", "plan show":
		return []string{o}
	case "log keygen":
		return nil
	case "plan approve":
		return []string{"ticket", "reason"}
	case "user show", "user groups", "user search", "user mfa", "user sign-ins", "user lockout-status", "dc list", "group show", "group members",
		"onboard plan", "offboard plan", "audit run", "audit checks", "audit snapshot",
		"computer show", "computer search":
		return read
	case "user license assign", "user license remove", "user unlock", "user enable", "user disable",
		"user move", "user reset-password", "user create", "user revoke-sessions",
		"user mfa reset", "user tap", "user risk",
		"group add", "group remove", "onboard apply", "offboard apply", "offboard restore",
		"user set", "user rename", "group create", "group delete", "group set", "group sync", "group restore",
		"computer enable", "computer disable", "computer move", "computer delete", "computer reset",
		"computer laps", "computer bitlocker", "bitlocker find": // a secret read is audited like a change
		return change
	}
	return everydayGlobals()
}

// everydayGlobals are the global flags that are not connection settings: the ones a
// technician chooses per command.
func everydayGlobals() []string {
	return []string{"output", "target", "dry-run", "yes", "ticket", "reason"}
}

// helpGlobalFlags is the set of inherited flags cmd's help lists.
func helpGlobalFlags(cmd *cobra.Command) *pflag.FlagSet {
	path := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
	if !cmd.Runnable() || cmd == cmd.Root() {
		path = "" // a noun: the everyday flags its verbs take
	}
	show := map[string]bool{}
	for _, name := range commandGlobals(path) {
		show[name] = true
	}
	fs := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	cmd.InheritedFlags().VisitAll(func(fl *pflag.Flag) {
		if show[fl.Name] && !fl.Hidden {
			fs.AddFlag(fl)
		}
	})
	return fs
}

// helpLocalFlags is cmd's own flags; on the root, whose own flags are the global ones,
// without the connection settings.
func helpLocalFlags(cmd *cobra.Command) *pflag.FlagSet {
	fs := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	cmd.LocalFlags().VisitAll(func(fl *pflag.Flag) {
		if fl.Annotations[environmentAnnotation] == nil && !fl.Hidden {
			fs.AddFlag(fl)
		}
	})
	return fs
}

// usage writes cmd's usage: cobra's own layout, with the global flags cut down to the ones
// that matter for cmd and a last line naming the environment page.
func usage(cmd *cobra.Command) error {
	w := cmd.OutOrStderr()
	fmt.Fprint(w, "Usage:")
	if cmd.Runnable() {
		fmt.Fprintf(w, "\n  %s", cmd.UseLine())
	}
	if cmd.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\n  %s [command]", cmd.CommandPath())
	}
	if len(cmd.Aliases) > 0 {
		fmt.Fprintf(w, "\n\nAliases:\n  %s", cmd.NameAndAliases())
	}
	if cmd.HasExample() {
		fmt.Fprintf(w, "\n\nExamples:\n%s", cmd.Example)
	}
	if cmd.HasAvailableSubCommands() {
		fmt.Fprint(w, "\n\nAvailable Commands:")
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				fmt.Fprintf(w, "\n  %-*s %s", sub.NamePadding(), sub.Name(), sub.Short)
			}
		}
	}
	if local := helpLocalFlags(cmd); local.HasAvailableFlags() {
		fmt.Fprintf(w, "\n\nFlags:\n%s", strings.TrimRight(local.FlagUsages(), " \n"))
	}
	if globals := helpGlobalFlags(cmd); globals.HasAvailableFlags() {
		fmt.Fprintf(w, "\n\nGlobal Flags:\n%s", strings.TrimRight(globals.FlagUsages(), " \n"))
	}
	if cmd.HasHelpSubCommands() {
		fmt.Fprint(w, "\n\nAdditional help topics:")
		for _, sub := range cmd.Commands() {
			if sub.IsAdditionalHelpTopicCommand() {
				fmt.Fprintf(w, "\n  %-*s %s", sub.CommandPathPadding(), sub.CommandPath(), sub.Short)
			}
		}
	}
	if cmd.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\n\nUse \"%s [command] --help\" for more information about a command.", cmd.CommandPath())
	}
	fmt.Fprintf(w, "\n\n%s\n", environmentPointer(cmd))
	return nil
}

// environmentPointer is the one line on every help page that names the environment page.
func environmentPointer(cmd *cobra.Command) string {
	return fmt.Sprintf("Connection settings (domain controller, bind, Kerberos, Entra ID, audit log, profiles): %s help %s", cmd.Root().Name(), environmentTopic)
}

// newCmdEnvironment is the help topic `adkit help environment`: every connection flag with
// its environment variable and config key, and the other variables adkit reads.
func newCmdEnvironment(*factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   environmentTopic,
		Short: "Connection settings: global flags, environment variables and the config file",
	}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) {
		writeEnvironment(c.OutOrStdout(), c.Root())
	})
	return cmd
}

// writeEnvironment writes the environment page from the root's flags, so a connection flag
// cannot be added without being listed.
func writeEnvironment(w io.Writer, root *cobra.Command) {
	fmt.Fprintf(w, `Where settings come from: a flag, else an environment variable, else the profile in the
config file, else the built-in default. The flags below work on every command.

The config file is $ADKIT_CONFIG, else $XDG_CONFIG_HOME/adkit/config.yaml
(~/.config/adkit/config.yaml; on Windows %%APPDATA%%\adkit\config.yaml). It holds named
profiles, one per domain or tenant, with the keys below; --profile or ADKIT_PROFILE picks
one, default_profile names the usual one.
Unknown keys are an error. Secrets are never stored in it and never given as flag values.

  default_profile: corp
  profiles:
    corp:
      ldap_url: ldaps://dc1.corp.example.com
      bind_user: helpdesk@corp.example.com
      bind_password_file: ~/.config/adkit/corp.pw
      ca_file: /etc/ssl/corp-ca.pem

Connection flags:
`)
	pf := root.PersistentFlags()
	width := 0
	for _, s := range connectionSettings() {
		width = max(width, len(flagColumn(pf, s.flag)))
	}
	for _, s := range connectionSettings() {
		fmt.Fprintf(w, "  %-*s  %s\n", width, flagColumn(pf, s.flag), s.usage)
		where := "env " + s.env
		if s.key != "" {
			where += ", config key " + s.key
		}
		fmt.Fprintf(w, "  %-*s  (%s)\n", width, "", where)
	}
	fmt.Fprint(w, "\nOther global flags:\n")
	pf.VisitAll(func(fl *pflag.Flag) {
		if fl.Annotations[environmentAnnotation] != nil && !isConnectionSetting(fl.Name) {
			fmt.Fprintf(w, "  %-*s  %s\n", width, flagColumn(pf, fl.Name), fl.Usage)
		}
	})
	fmt.Fprint(w, "\nOther config keys (policy, so no flags):\n")
	for _, kv := range [][2]string{
		{"require_ticket_for_secrets", "LAPS and BitLocker reads need --ticket"},
		{"require_approval", "apply --plan needs an approval by someone other than the planner (docs/plan-file.md)"},
		{"min_approvers", "... at least this many approvals (implies require_approval)"},
		{"plan_max_age", "how old a plan may be when approved or applied (default 168h)"},
		{"approvers", "only these OS users' approvals count, each signed with the public key listed"},
		{"log_signing_key", "Ed25519 key (adkit log keygen): each run ends with a signed checkpoint (ADKIT_LOG_SIGNING_KEY)"},
	} {
		fmt.Fprintf(w, "  %s\n      %s (config key %s)\n", kv[0], kv[1], kv[0])
	}
	fmt.Fprint(w, "\nOther environment variables:\n")
	for _, kv := range otherEnvironment() {
		fmt.Fprintf(w, "  %s\n      %s\n", kv[0], kv[1])
	}
	fmt.Fprint(w, "\nMore: docs/cli.md (\"Where settings come from\") and docs/cli-extensions.md (\"Settings\") in adkit's repository.\n")
}

func isConnectionSetting(name string) bool {
	for _, s := range connectionSettings() {
		if s.flag == name {
			return true
		}
	}
	return false
}

// flagColumn is "-v, --verbose" or "--ldap-url string", as pflag shows them.
func flagColumn(fs *pflag.FlagSet, name string) string {
	fl := fs.Lookup(name)
	col := "--" + fl.Name
	if fl.Shorthand != "" {
		col = "-" + fl.Shorthand + ", " + col
	}
	if typ, _ := pflag.UnquoteUsage(fl); typ != "" {
		col += " " + typ
	}
	return col
}
