// Package version prints adkit's version. It must stay instant and offline.
package version

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/buildinfo"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type options struct {
	IO     *iostreams.IOStreams
	Format output.Format
	Info   buildinfo.Info
}

// NewCmdVersion returns `adkit version`.
func NewCmdVersion(f *factory.Factory) *cobra.Command {
	return newCmdVersion(f, nil)
}

func newCmdVersion(f *factory.Factory, runF func(*options) error) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the adkit version",
		Long: `Version prints which adkit this is: its version, the commit it was built from, when it
was built, the Go version and platform, and the version of the Microsoft Graph SDK inside
it. Paste the output of adkit version -o json into a ticket about adkit.`,
		Example: `  adkit version
  adkit version -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			opts := &options{IO: f.IO}
			var err error
			if opts.Format, err = f.Globals.Format(output.FormatTable, output.FormatJSON, output.FormatCSV); err != nil {
				return err
			}
			opts.Info = buildinfo.Current(buildinfo.Stamp{Version: f.Version, Commit: f.Commit, Date: f.BuildDate})
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
}

func run(opts *options) error {
	in := opts.Info
	if opts.Format == output.FormatAuto {
		return writeText(opts.IO.Out, in)
	}
	t := output.Table{Header: []string{"field", "value"}}
	t.AddRow("version", in.Version)
	t.AddRow("commit", commitText(in))
	t.AddRow("build_date", orUnknown(in.BuildDate))
	t.AddRow("go_version", in.GoVersion)
	t.AddRow("platform", in.OS+"/"+in.Arch)
	t.AddRow("graph_sdk_version", orUnknown(in.GraphSDKVersion))
	return output.Print(opts.IO, opts.Format, t, in)
}

// writeText is the default: the first line as adkit has always printed it (scripts may read
// it), then what a bug report needs, one fact a line.
func writeText(w io.Writer, in buildinfo.Info) error {
	_, err := fmt.Fprintf(w, "adkit %s (%s, %s/%s)\ncommit:     %s\nbuilt:      %s\ngraph sdk:  msgraph-sdk-go %s\n",
		in.Version, in.GoVersion, in.OS, in.Arch, commitText(in), orUnknown(in.BuildDate), orUnknown(in.GraphSDKVersion))
	return err
}

func commitText(in buildinfo.Info) string {
	switch {
	case in.Commit == "":
		return "unknown"
	case in.Modified:
		return in.Commit + " (with uncommitted changes)"
	}
	return in.Commit
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
