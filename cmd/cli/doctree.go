package cli

import (
	"bytes"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/iostreams"
)

//go:generate go run ../../internal/tools/gendocs -markdown ../../docs/reference

// DocTree is the whole command tree for generated documentation (internal/refdocs): the
// Markdown reference, the man pages and the completion scripts. Its factory reads no
// environment, config or network, so the pages depend only on the code.
func DocTree() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	f := &factory.Factory{IO: ios, Globals: &factory.Globals{Set: config.Flags{}}, Getenv: func(string) string { return "" }}
	root := newCmdRoot(f, "")
	// As on the help pages, the connection settings are listed once, on the environment
	// page, not under every command: hidden flags are left out of the generated pages.
	root.PersistentFlags().VisitAll(func(fl *pflag.Flag) {
		if _, ok := fl.Annotations[environmentAnnotation]; ok {
			fl.Hidden = true
		}
	})
	root.Long += "\n\nConnection settings (domain controller, bind, Kerberos, Entra ID, audit log, profiles)\nare flags of every command, listed with their environment variables on the page\n" + root.Name() + " " + environmentTopic + " (" + root.Name() + " help " + environmentTopic + ")."
	for _, c := range root.Commands() {
		if c.Name() == environmentTopic {
			// The topic's text is written by its help function; the generators read Long.
			// Indented, it stays a preformatted block in Markdown and in roff.
			var b bytes.Buffer
			writeEnvironment(&b, root)
			c.Long = indent(c.Short+".\n\n"+b.String(), "    ")
		}
	}
	return root
}

func indent(text, prefix string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
