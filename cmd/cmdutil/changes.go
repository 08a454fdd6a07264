package cmdutil

import (
	"context"
	"fmt"
	"sync"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

// Outcome is what a change did to one target, in the directory-neutral terms commands print.
type Outcome struct {
	DN      string
	Name    string
	Changed bool
	// WouldChange: a dry run found something to change.
	WouldChange bool
	Note        string
}

// Bulk is what a command that changes several targets takes besides its directory: the
// streams and the prompter, and from its arguments and the global flags the output format,
// the targets ("-" and @FILE read), --yes and --dry-run. Such commands embed it in their
// options and fill it with Factory.Bulk, so that every one reads them alike and in the same
// order, and asks alike (Confirm).
type Bulk struct {
	IO        *iostreams.IOStreams
	Confirmer Confirmer
	Format    output.Format
	Yes       bool
	DryRun    bool
	Targets   []string
}

// Confirm is ConfirmBulk over b's targets: what is the question's verb ("Disable").
func (b *Bulk) Confirm(what string) error {
	return ConfirmBulk(b.IO, b.Confirmer, b.Yes, b.DryRun, b.Targets, what)
}

// ChangeReport is one line of a change command's -o json/csv output.
type ChangeReport struct {
	Target         string `json:"target"`
	DN             string `json:"dn"`
	SAMAccountName string `json:"sam_account_name"`
	Result         string `json:"result"` // changed, unchanged, would_change (dry run) or error
	Message        string `json:"message"`
}

// RunChanges applies fn to every target and reports each: a line per target on stdout for
// people (✓ changed, · nothing to do), failures on stderr as they happen, and one JSON or CSV
// record per target for scripts. The exit code follows EachTarget: 4 when some failed.
func RunChanges(ctx context.Context, ios *iostreams.IOStreams, format output.Format, targets []string,
	fn func(ctx context.Context, target string) (Outcome, error)) error {
	var mu sync.Mutex
	reports := []ChangeReport{} // no targets: [] in JSON, not null
	record := func(r ChangeReport) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, r)
	}
	err := EachTarget(ctx, ios.ErrOut, targets, func(ctx context.Context, target string) error {
		o, err := fn(ctx, target)
		if err != nil {
			record(ChangeReport{Target: target, DN: o.DN, SAMAccountName: o.Name, Result: "error", Message: err.Error()})
			return err
		}
		r := ChangeReport{Target: target, DN: o.DN, SAMAccountName: o.Name, Message: o.Note}
		mark := "·"
		switch {
		case o.Changed:
			r.Result, mark = "changed", "✓"
		case o.WouldChange:
			r.Result, mark = "would_change", "~"
		default:
			r.Result = "unchanged"
		}
		record(r)
		if format == output.FormatAuto || format == output.FormatTable {
			fmt.Fprintf(ios.Out, "%s %s: %s\n", mark, o.Name, o.Note)
		}
		return nil
	})
	switch format {
	case output.FormatJSON:
		if werr := output.WriteJSON(ios.Out, reports); werr != nil {
			return werr
		}
	case output.FormatCSV:
		t := output.Table{Header: []string{"target", "dn", "sam_account_name", "result", "message"}}
		for _, r := range reports {
			t.AddRow(r.Target, r.DN, r.SAMAccountName, r.Result, r.Message)
		}
		if werr := output.WriteCSV(ios.Out, t); werr != nil {
			return werr
		}
	}
	return err
}

// FromAD converts an Active Directory outcome.
func FromAD(o directory.Outcome) Outcome {
	out := Outcome{Changed: o.Changed, WouldChange: o.WouldChange, Note: o.Note}
	if o.User != nil {
		out.DN, out.Name = o.User.DN, o.User.Name()
	}
	return out
}

// ChangeMark is the mark that leads a line about one change: "✓" for a change made, "~" for
// one a dry run would make. Every command marks them alike (disable, create, reset-password,
// group changes, restore), so that a dry run never reads as done.
func ChangeMark(dryRun bool) string {
	if dryRun {
		return "~"
	}
	return "✓"
}

// ApplyEach is the run of a command that makes one change on each of several targets: it
// gets the directory client (only now, so a mistake in the command line never connects),
// then changes every target through RunChanges, which reports each and decides the exit
// code. Commands confirm, or refuse a directory, before they call it.
func ApplyEach[C any](ctx context.Context, ios *iostreams.IOStreams, format output.Format, targets []string,
	client func(context.Context) (C, error), change func(ctx context.Context, c C, target string) (Outcome, error)) error {
	c, err := client(ctx)
	if err != nil {
		return err
	}
	return RunChanges(ctx, ios, format, targets, func(ctx context.Context, t string) (Outcome, error) {
		return change(ctx, c, t)
	})
}

// Result converts what a directory change returns, for RunChanges and ApplyEach.
func Result(o directory.Outcome, err error) (Outcome, error) {
	return FromAD(o), err
}
