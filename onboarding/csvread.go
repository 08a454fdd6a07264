package onboarding

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Sheet is an HR export read and checked row by row.
type Sheet struct {
	Rows      []Row
	Header    []string // the header cells as found, trimmed
	HeaderRow int      // usually 1; later when the file starts with blank lines
	// Missing lists the optional template fields (columns keys such as "department") whose
	// column the file does not have.
	Missing  []string
	Encoding string // EncodingUTF8, EncodingUTF16 or EncodingWindows1252
	// BOM: the file started with a byte-order mark, as Excel's "CSV UTF-8" and "Unicode
	// Text" do. Files made for the same people (credentials, results) then get one too.
	BOM       bool
	Delimiter rune
	Warnings  []string // about the file as a whole, e.g. that it was not UTF-8
}

// Row is one data row. Line is the row number people see when they open the file in Excel
// (the header is row 1), which is what every message about the row names.
type Row struct {
	Line          int
	TextLine      int // the line the row starts on in a text editor; differs from Line after a cell with a line break
	GivenName     string
	Surname       string
	PreferredName string
	EmployeeID    string
	Department    string
	Title         string
	ManagerEmail  string
	Location      string
	StartDate     *time.Time
	EndDate       *time.Time
	// DuplicateOf is the Line of an earlier row with the same employee ID and the same data:
	// exports often repeat a row, and that is no reason to refuse it.
	DuplicateOf int
	// Problems say why the row cannot be used; such a row is planned as invalid.
	Problems []string
}

// maxCSVSize bounds what is read into memory; it is far beyond any HR export.
const maxCSVSize = 64 << 20

// readText reads a whole (bounded) file and decodes it to UTF-8; fail phrases file-level
// problems for the caller's kind of file. Shared by the HR and the leavers readers.
func readText(r io.Reader, fail func(format string, args ...any) error) (text, encoding string, bom bool, err error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxCSVSize+1))
	if err != nil {
		return "", "", false, fmt.Errorf("read CSV: %w", err)
	}
	if len(raw) > maxCSVSize {
		return "", "", false, fail("it is larger than %d MiB; split it", maxCSVSize>>20)
	}
	text, encoding, err = decodeText(raw)
	if err != nil {
		return "", "", false, fail("%v", err)
	}
	return text, encoding, hasBOM(raw), nil
}

// ReadCSV reads an HR export. A file adkit cannot read at all — not text, not CSV, or without a
// required column — is an *InputError (wrapping directory.ErrInvalidInput) and nothing is
// planned. A bad row is not: it gets Problems and the other rows go ahead.
func ReadCSV(r io.Reader, cols Columns) (*Sheet, error) {
	fail := fileProblem("CSV file")
	text, enc, bom, err := readText(r, fail)
	if err != nil {
		return nil, err
	}
	sheet := &Sheet{Encoding: enc, BOM: bom, Delimiter: sniffDelimiter(text)}
	if enc == EncodingWindows1252 {
		sheet.Warnings = append(sheet.Warnings, "the CSV file is not UTF-8; it was read as Windows-1252 (Western European). "+
			"Check that accented names look right in the plan, or save the file from Excel as \"CSV UTF-8\"")
	}

	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sheet.Delimiter
	cr.FieldsPerRecord = -1 // a row with the wrong number of cells is that row's problem, not the file's
	cr.LazyQuotes = false   // a stray quote shifts every later cell; better to stop and say where
	var rows rowCounter

	header, err := rows.read(cr)
	if errors.Is(err, io.EOF) {
		return nil, fail("it is empty; the first row must be the header, with %q, %q and %q", cols.GivenName, cols.Surname, cols.EmployeeID)
	}
	if err != nil {
		return nil, err
	}
	sheet.HeaderRow = rows.row
	for _, h := range header {
		sheet.Header = append(sheet.Header, strings.TrimSpace(h))
	}
	idx, missing, err := mapHeader(sheet.Header, sheet.HeaderRow, cols)
	if err != nil {
		return nil, err
	}
	sheet.Missing = missing

	err = rows.each(cr, func(rec []string) {
		row := Row{Line: rows.row, TextLine: rows.startLine}
		if len(rec) != len(header) {
			row.Problems = append(row.Problems, fmt.Sprintf(
				"the row has %d cells but the header has %d; look for an unquoted %q in a name or a missing quote",
				len(rec), len(header), string(sheet.Delimiter)))
		} else {
			fillRow(&row, rec, idx, cols)
		}
		sheet.Rows = append(sheet.Rows, row)
	})
	if err != nil {
		return nil, err
	}
	markDuplicates(sheet.Rows, cols)
	if len(sheet.Rows) == 0 {
		sheet.Warnings = append(sheet.Warnings, "the CSV file has a header but no data rows")
	}
	return sheet, nil
}

// rowCounter turns csv.Reader's text lines into the row numbers Excel shows: one per record,
// however many lines its quoted cells span, and one per blank line, which Excel shows as an
// empty row but encoding/csv skips.
type rowCounter struct {
	row       int // the Excel row of the last record read
	startLine int // the text line it started on
	endLine   int // the text line it ended on
}

// fileProblem is how a reader of a file of rows (what: "CSV file", "leavers file") words a
// problem with the whole file: an *InputError, so nothing is planned.
func fileProblem(what string) func(format string, args ...any) error {
	return func(format string, args ...any) error {
		return &InputError{What: what, Problems: []string{fmt.Sprintf(format, args...)}}
	}
}

// each calls fn for every record cr has left that is not blank (empty lines and the ",,,,,"
// rows Excel leaves at the end), with c at that record's row.
func (c *rowCounter) each(cr *csv.Reader, fn func(rec []string)) error {
	for {
		rec, err := c.read(cr)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if !isBlank(rec) {
			fn(rec)
		}
	}
}

func (c *rowCounter) read(cr *csv.Reader) ([]string, error) {
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, err
	}
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return nil, fmt.Errorf("read CSV: %w", err)
		}
		return nil, &InputError{What: "CSV file", Problems: []string{c.explain(pe)}, Err: err}
	}
	start, _ := cr.FieldPos(0)
	last, _ := cr.FieldPos(len(rec) - 1)
	c.row = c.rowAt(start)
	c.startLine = start
	// encoding/csv turns CRLF inside quotes into LF, so the value's LFs are its line breaks.
	c.endLine = last + strings.Count(rec[len(rec)-1], "\n")
	return rec, nil
}

func (c *rowCounter) rowAt(startLine int) int {
	return c.row + 1 + max(0, startLine-c.endLine-1)
}

func (c *rowCounter) explain(pe *csv.ParseError) string {
	row := c.rowAt(pe.StartLine)
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Sprintf("row %d is not valid CSV: a \" appears inside a cell that does not start with one; "+
			"quote the whole cell and double the inner quote (\"Dwayne \"\"The Rock\"\" Johnson\")", row)
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Sprintf("row %d is not valid CSV: a quoted cell is not closed properly (read up to line %d of the file); "+
			"a quote inside a quoted cell must be doubled (\"\") and the closing quote must end the cell", row, pe.Line)
	default:
		return fmt.Sprintf("row %d is not valid CSV: %v", row, pe.Err)
	}
}

func isBlank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
