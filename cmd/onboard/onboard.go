// Package onboard holds `adkit onboard`: new hires from an HR CSV file, planned, then applied.
package onboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/cmd/plancmd"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/planfile"
	"github.com/adkit-dev/adkit/onboarding"
)

// NewCmdOnboard returns `adkit onboard`.
func NewCmdOnboard(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "onboard <command>",
		Short: "Create accounts for new hires from HR's CSV file",
		Long: `Onboard new hires from the CSV file HR sends. 'plan' shows what would be done and changes
nothing; 'apply' does it. The employee ID is the key: a row whose employee ID already has an
account is not created again, so running apply again after any failure finishes the job
without duplicates.

The template's keys, their defaults and examples: docs/onboarding-template.md in adkit's
repository; examples/onboarding.yaml is a complete one.`,
	}
	cmd.AddCommand(newCmdPlan(f, nil), newCmdApply(f, nil))
	return cmd
}

// input is a CSV file and a template, read and checked.
type input struct {
	Sheet        *onboarding.Sheet
	Template     *onboarding.Template
	TemplatePath string
	// For a saved plan (--out): the files' SHA-256 and the template's text.
	CSVPath, CSVSHA256, TemplateSHA256, TemplateText string
}

// readInput reads the template and the CSV ("-" is stdin). Any problem with either file is
// a usage error (exit 2), before the directory is touched.
func readInput(stdin io.Reader, csvPath, templatePath string) (*input, error) {
	if templatePath == "" {
		return nil, cmdutil.FlagErrorf("--template is required: the YAML file that says how rows become accounts (every key: docs/onboarding-template.md)")
	}
	tplText, err := os.ReadFile(templatePath)
	if err != nil {
		return nil, &onboarding.InputError{What: "template " + templatePath, Err: err}
	}
	tpl, err := onboarding.ParseTemplate(bytes.NewReader(tplText))
	var ie *onboarding.InputError
	if errors.As(err, &ie) {
		ie.What = "template " + templatePath
	}
	if err != nil {
		return nil, err
	}
	sheet, sum, err := plancmd.ReadCSV(stdin, csvPath, "HR file", func(r io.Reader) (*onboarding.Sheet, error) {
		return onboarding.ReadCSV(r, tpl.Columns)
	})
	if err != nil {
		return nil, err
	}
	return &input{Sheet: sheet, Template: tpl, TemplatePath: templatePath,
		CSVPath: csvPath, CSVSHA256: sum,
		TemplateSHA256: planfile.HashBytes(tplText), TemplateText: string(tplText)}, nil
}

// planInput connects and plans input that was read already.
func planInput[D onboarding.Directory](ctx context.Context, ios *iostreams.IOStreams, connect func(context.Context) (D, error),
	in *input) (D, *onboarding.PlanResult, error) {
	dir, err := connect(ctx)
	if err != nil {
		return dir, nil, err
	}
	for _, w := range in.Sheet.Warnings {
		fmt.Fprintf(ios.ErrOut, "warning: %s\n", w)
	}
	p, err := onboarding.Plan(ctx, in.Sheet, in.Template, dir)
	var ie *onboarding.InputError
	if errors.As(err, &ie) && ie.What == "template" {
		ie.What = "template " + in.TemplatePath // what the directory says about it, e.g. a missing group
	}
	if err != nil {
		return dir, nil, err
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(ios.ErrOut, "warning: %s\n", w)
	}
	return dir, p, nil
}
