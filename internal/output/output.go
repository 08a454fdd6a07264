// Package output renders command results the way the spec promises: a table for people on a
// terminal, tab-separated rows without a header when piped, JSON (snake_case keys) and CSV
// (with a header row) for scripts.
package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"

	"github.com/adkit-dev/adkit/internal/iostreams"
)

// Format is an output format chosen with -o.
type Format string

// The formats. FormatAuto is "-o not given": a table on a terminal, plain rows when piped.
const (
	FormatAuto     Format = ""
	FormatTable    Format = "table"
	FormatJSON     Format = "json"
	FormatCSV      Format = "csv"
	FormatMarkdown Format = "markdown"
	FormatHTML     Format = "html"
)

// ParseFormat validates a -o value against the formats a command offers.
func ParseFormat(s string, allowed ...Format) (Format, error) {
	if s == "" {
		return FormatAuto, nil
	}
	if len(allowed) == 0 {
		allowed = []Format{FormatTable, FormatJSON, FormatCSV}
	}
	names := make([]string, len(allowed))
	for i, f := range allowed {
		if Format(strings.ToLower(s)) == f {
			return f, nil
		}
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown output format %q: use one of %s", s, strings.Join(names, ", "))
}

// Table is tabular output: a header and rows of cells.
type Table struct {
	Header []string
	Rows   [][]string
}

// AddRow appends a row.
func (t *Table) AddRow(cells ...string) { t.Rows = append(t.Rows, cells) }

// Print writes a result: data as JSON, or as CSV with the same field names (WriteRecordsCSV;
// the table's snake_case header when data is nil), or the table for people, or plain rows.
func Print(s *iostreams.IOStreams, f Format, t Table, data any) error {
	switch f {
	case FormatJSON:
		return WriteJSON(s.Out, data)
	case FormatCSV:
		if r, ok := data.(CSVRecorder); ok {
			return WriteRecordsCSV(s.Out, r.CSVRecords())
		}
		if data != nil {
			return WriteRecordsCSV(s.Out, data)
		}
		return WriteCSV(s.Out, t)
	case FormatTable:
		return WriteTable(s.Out, t)
	case FormatAuto:
		if s.IsStdoutTTY() {
			return WriteTable(s.Out, t)
		}
		return WritePlain(s.Out, t)
	default:
		return fmt.Errorf("output format %q is not available here", f)
	}
}

// WriteJSON writes v as indented JSON with a trailing newline. HTML characters are not escaped:
// DNs and descriptions should read as they are.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// WritePlain writes rows as tab-separated lines without a header, for `cut` and `while read`.
// Tabs and newlines inside cells become spaces so that one row stays one line.
func WritePlain(w io.Writer, t Table) error {
	for _, row := range oneLineCells(t.Rows) {
		if _, err := fmt.Fprintln(w, strings.Join(row, "\t")); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	return nil
}

// oneLineCells replaces tabs and line breaks inside cells with spaces so that a row is one line.
func oneLineCells(rows [][]string) [][]string {
	clean := strings.NewReplacer("\t", " ", "\r\n", " ", "\r", " ", "\n", " ")
	out := make([][]string, len(rows))
	for i, row := range rows {
		out[i] = make([]string, len(row))
		for j, c := range row {
			out[i][j] = clean.Replace(c)
		}
	}
	return out
}

// WriteTable writes a borderless, left-aligned table with an upper-case header, like gh and kubectl.
//
// It uses tablewriter v0.0.5 on purpose: v1 builds an 8,192-entry width cache in a package
// init, which costs every adkit invocation (even `adkit version`) ~0.7 MB of fresh heap and
// ~150 page faults, a third of a millisecond before main runs (docs/benchmarks.md).
func WriteTable(w io.Writer, t Table) error {
	var buf bytes.Buffer
	table := tablewriter.NewWriter(&buf)
	table.SetHeader(t.Header)
	table.SetAutoFormatHeaders(true)
	table.SetHeaderAlignment(tablewriter.ALIGN_LEFT)
	table.SetAlignment(tablewriter.ALIGN_LEFT)
	table.SetAutoWrapText(false)
	table.SetBorder(false)
	table.SetHeaderLine(false)
	table.SetCenterSeparator("")
	table.SetColumnSeparator("")
	table.SetRowSeparator("")
	table.SetTablePadding("  ")
	table.SetNoWhiteSpace(true)
	table.AppendBulk(oneLineCells(t.Rows))
	table.Render()
	// The last column is padded; trailing blanks only get in the way of copy and paste.
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " ")); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	return nil
}

// WriteJSONCompact writes v as one line of JSON without a trailing newline.
func WriteJSONCompact(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	_, err = w.Write(b)
	return err
}

// JSONArray writes a JSON array one element at a time, so a long list is never held in memory.
type JSONArray struct {
	w io.Writer
	n int
}

// NewJSONArray starts an array on w; call Close to finish it.
func NewJSONArray(w io.Writer) *JSONArray { return &JSONArray{w: w} }

// Add writes one element.
func (a *JSONArray) Add(v any) error {
	sep := ",\n"
	if a.n == 0 {
		sep = "[\n"
	}
	a.n++
	if _, err := io.WriteString(a.w, sep); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return WriteJSONCompact(a.w, v)
}

// Close ends the array; an array with no elements is written as [].
func (a *JSONArray) Close() error {
	end := "\n]\n"
	if a.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(a.w, end)
	return err
}
