package cmdutil

import (
	"context"
	"fmt"

	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

// Details says how a show command lays out the objects it read: a CSV header and row for
// -o csv, and one object as FIELD / VALUE rows, worded for people when human is true.
type Details[T any] struct {
	CSVHeader []string
	CSVRow    func(v T) []string
	Table     func(v T, human bool) output.Table
}

// ShowEach is the run of `user show` and `computer show`: it reads every target, reporting
// each failure on stderr as EachTarget does, then shows what was found: with -o json an
// object for one target and an array for several, with -o csv a row each, else a FIELD /
// VALUE table each (a blank line between them for people). The error is EachTarget's, once
// what was found is shown.
func ShowEach[T any](ctx context.Context, ios *iostreams.IOStreams, format output.Format, targets []string,
	d Details[T], read func(ctx context.Context, ident string) (T, error)) error {
	var found []T
	runErr := EachTarget(ctx, ios.ErrOut, targets, func(ctx context.Context, ident string) error {
		v, err := read(ctx, ident)
		if err != nil {
			return err
		}
		found = append(found, v)
		return nil
	})
	if len(found) == 0 {
		return runErr
	}
	if err := showDetails(ios, format, len(targets) == 1, d, found); err != nil {
		return err
	}
	return runErr
}

func showDetails[T any](ios *iostreams.IOStreams, format output.Format, one bool, d Details[T], found []T) error {
	switch format {
	case output.FormatJSON:
		if one {
			return output.WriteJSON(ios.Out, found[0])
		}
		return output.WriteJSON(ios.Out, found)
	case output.FormatCSV:
		t := output.Table{Header: d.CSVHeader}
		for _, v := range found {
			t.AddRow(d.CSVRow(v)...)
		}
		return output.WriteCSV(ios.Out, t)
	}
	human := format == output.FormatTable || ios.IsStdoutTTY()
	for i, v := range found {
		if i > 0 && human {
			fmt.Fprintln(ios.Out)
		}
		var err error
		if human {
			err = output.WriteTable(ios.Out, d.Table(v, true))
		} else {
			err = output.WritePlain(ios.Out, d.Table(v, false))
		}
		if err != nil {
			return err
		}
	}
	return nil
}
