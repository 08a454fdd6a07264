package cli

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/iostreams"
)

// maxHelpLines is the height of a terminal a help page must fit in. The longest page
// (user create, 19 flags of its own) is 46 lines; with the 20 global flags listed it was 66.
const maxHelpLines = 50

// maxGlobalFlags is how many global flags a help page may list: the handful that matter.
const maxGlobalFlags = 6

func runHelp(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &factory.Factory{IO: ios, Globals: &factory.Globals{Set: config.Flags{}}, Now: time.Now, Getenv: func(string) string { return "" }}
	code := Run(context.Background(), f, args)
	if errOut.Len() > 0 {
		t.Errorf("adkit %s: stderr %q", strings.Join(args, " "), errOut.String())
	}
	return code, out.String()
}

// walk calls fn for cmd and every command under it that a technician can see.
func walk(cmd *cobra.Command, fn func(*cobra.Command)) {
	fn(cmd)
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() && sub.Name() != "help" {
			walk(sub, fn)
		}
	}
}

func fullTree() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	return newCmdRoot(&factory.Factory{IO: ios, Globals: &factory.Globals{Set: config.Flags{}}}, "")
}

// Every help page in the tree fits a terminal, lists at most a handful of global flags and
// none of the connection settings, and names the page where those are.
func TestEveryHelpPageFitsATerminal(t *testing.T) {
	root := fullTree()
	var connection []string
	for _, s := range connectionSettings() {
		if s.flag != "target" {
			connection = append(connection, "--"+s.flag)
		}
	}
	connection = append(connection, "--verbose", "--device-code")

	pages := 0
	walk(root, func(cmd *cobra.Command) {
		args := append(strings.Fields(strings.TrimPrefix(cmd.CommandPath(), "adkit")), "--help")
		code, out := runHelp(t, args...)
		name := "adkit " + strings.Join(args, " ")
		if code != cmdutil.ExitOK {
			t.Errorf("%s: exit %d", name, code)
			return
		}
		pages++
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if len(lines) > maxHelpLines {
			t.Errorf("%s: %d lines, more than a %d-line terminal:\n%s", name, len(lines), maxHelpLines, out)
		}
		for _, flag := range connection {
			if strings.Contains(out, flag+" ") || strings.Contains(out, flag+"\n") {
				t.Errorf("%s lists the connection setting %s; it belongs on `adkit help environment`", name, flag)
			}
		}
		if n := len(section(out, "Global Flags:")); n > maxGlobalFlags {
			t.Errorf("%s lists %d global flags, want at most %d:\n%s", name, n, maxGlobalFlags, out)
		}
		if last := lines[len(lines)-1]; !strings.HasSuffix(last, "adkit help environment") {
			t.Errorf("%s: last line %q does not point at `adkit help environment`", name, last)
		}
	})
	if pages < 30 {
		t.Errorf("only %d help pages were checked; the walk missed the tree", pages)
	}

	// What each page shows follows what the command does.
	_, out := runHelp(t, "user", "show", "--help")
	if got := section(out, "Global Flags:"); len(got) != 2 || !strings.Contains(out, "--output") || !strings.Contains(out, "--target") {
		t.Errorf("user show (reads only) lists global flags %q; want -o and --target", got)
	}
	_, out = runHelp(t, "user", "unlock", "--help")
	for _, flag := range []string{"--output", "--target", "--dry-run", "--yes", "--ticket", "--reason"} {
		if !strings.Contains(out, flag) {
			t.Errorf("user unlock (a change) does not list %s:\n%s", flag, out)
		}
	}
}

// section returns the lines of a help page's section, up to the next blank line.
func section(page, title string) []string {
	_, rest, ok := strings.Cut(page, "\n"+title+"\n")
	if !ok {
		return nil
	}
	body, _, _ := strings.Cut(rest, "\n\n")
	return strings.Split(strings.TrimRight(body, "\n"), "\n")
}

// `adkit help environment` lists every connection flag, its environment variable and config
// key, every config file key, and the variables adkit reads without a flag.
func TestHelpEnvironmentListsEveryConnectionSetting(t *testing.T) {
	code, out := runHelp(t, "help", "environment")
	if code != cmdutil.ExitOK {
		t.Fatalf("adkit help environment: exit %d", code)
	}
	root := fullTree()
	root.PersistentFlags().VisitAll(func(fl *pflag.Flag) {
		if fl.Annotations[environmentAnnotation] != nil && !strings.Contains(out, "--"+fl.Name) {
			t.Errorf("help environment does not list --%s", fl.Name)
		}
	})
	for _, s := range connectionSettings() {
		if !strings.Contains(out, "--"+s.flag) || !strings.Contains(out, s.env) {
			t.Errorf("help environment does not list --%s with %s", s.flag, s.env)
		}
	}
	profile := reflect.TypeOf(config.Profile{})
	for i := range profile.NumField() {
		key, _, _ := strings.Cut(profile.Field(i).Tag.Get("yaml"), ",")
		if !strings.Contains(out, "config key "+key) {
			t.Errorf("help environment does not list the config key %s", key)
		}
	}
	for _, env := range []string{"ADKIT_BIND_PASSWORD\n", "ADKIT_TICKET", "ADKIT_CONFIG", "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
		"AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_AUTHORITY_HOST",
		"KRB5CCNAME", "SSL_CERT_FILE", "default_profile"} {
		if !strings.Contains(out, env) {
			t.Errorf("help environment does not mention %s", strings.TrimSpace(env))
		}
	}
	if _, root := runHelp(t, "--help"); !strings.Contains(root, "adkit environment") {
		t.Errorf("adkit --help does not list the environment topic:\n%s", root)
	}
}

// Every global flag is sorted: either a technician's per-command choice (listed on command
// pages) or a setting listed on the environment page. A new global flag has to pick one.
func TestEveryGlobalFlagHasAPage(t *testing.T) {
	everyday := map[string]bool{"help": true}
	for _, name := range everydayGlobals() {
		everyday[name] = true
	}
	fullTree().PersistentFlags().VisitAll(func(fl *pflag.Flag) {
		if !everyday[fl.Name] && fl.Annotations[environmentAnnotation] == nil {
			t.Errorf("global flag --%s is neither in everydayGlobals nor annotated for the environment page (cmd/cli/help.go)", fl.Name)
		}
	})
}

// The connection flags still work on every command: only their listing moved.
func TestConnectionFlagsStillParseEverywhere(t *testing.T) {
	walk(fullTree(), func(cmd *cobra.Command) {
		for _, s := range connectionSettings() {
			if cmd.Flags().Lookup(s.flag) == nil && cmd.PersistentFlags().Lookup(s.flag) == nil && cmd.InheritedFlags().Lookup(s.flag) == nil {
				t.Errorf("%s: --%s is not accepted", cmd.CommandPath(), s.flag)
			}
		}
	})
}
