package onboarding

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/adkit-dev/adkit/internal/directory"
)

// testColumns are the test template's columns.
func testColumns() Columns { return DefaultColumns() }

func readHRExport(t *testing.T) *Sheet {
	t.Helper()
	raw := readTestdata(t, "hr_export.csv")
	// The file must stay what the tests say it is; an editor or git may "fix" it.
	if !bytes.HasPrefix(raw, utf8BOM) || !bytes.Contains(raw, []byte("\r\n")) {
		t.Fatal("testdata/hr_export.csv lost its BOM or CRLF line endings")
	}
	sheet, err := ReadCSV(bytes.NewReader(raw), testColumns())
	if err != nil {
		t.Fatal(err)
	}
	return sheet
}

func rowByLine(t *testing.T, sheet *Sheet, line int) Row {
	t.Helper()
	return findOne(t, sheet.Rows, func(r Row) bool { return r.Line == line }, fmt.Sprintf("row %d", line))
}

// findOne is the first of items that match accepts; the test stops if there is none (what
// names what was looked for).
func findOne[T any](t *testing.T, items []T, match func(T) bool, what string) T {
	t.Helper()
	i := slices.IndexFunc(items, match)
	if i < 0 {
		t.Fatalf("no %s", what)
	}
	return items[i]
}

func TestReadCSVRealisticExport(t *testing.T) {
	sheet := readHRExport(t)
	if sheet.Encoding != EncodingUTF8 || len(sheet.Warnings) != 0 {
		t.Errorf("encoding %q, warnings %q; want utf-8 and none", sheet.Encoding, sheet.Warnings)
	}
	if !sheet.BOM {
		t.Error("the export starts with Excel's byte-order mark, but Sheet.BOM is false")
	}
	if sheet.Header[0] != "First Name" {
		t.Errorf("first header cell = %q: the BOM or the spaces were not removed", sheet.Header[0])
	}
	// Row numbers are Excel's: the blank row 10 is not in the list, and the title with a line
	// break (row 7) moves text lines but not rows.
	var lines []int
	for _, r := range sheet.Rows {
		lines = append(lines, r.Line)
	}
	want := []int{2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("row numbers = %v, want %v", lines, want)
	}
	if r := rowByLine(t, sheet, 8); r.TextLine != 9 || r.GivenName != "John" {
		t.Errorf("row 8 = %+v, want John Smith starting on text line 9", r)
	}

	jose := rowByLine(t, sheet, 3)
	if jose.GivenName != "José" || jose.Surname != "Müller" || jose.EmployeeID != "E1001" || len(jose.Problems) != 0 {
		t.Errorf("row 3 = %+v", jose)
	}
	if r := rowByLine(t, sheet, 6); r.Surname != "Smith, Jr." || r.PreferredName != "Bob" || r.Location != "New York" {
		t.Errorf("row 6 = %+v, want the quoted comma kept in the surname", r)
	}
	if r := rowByLine(t, sheet, 7); r.Title != "Senior Engineer" {
		t.Errorf("row 7 title = %q, want the line break turned into a space", r.Title)
	}
	if r := rowByLine(t, sheet, 11); r.DuplicateOf != 8 || len(r.Problems) != 0 {
		t.Errorf("row 11 = %+v, want a harmless duplicate of row 8", r)
	}
	contractor := rowByLine(t, sheet, 15)
	if contractor.EndDate == nil || !contractor.EndDate.Equal(time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("row 15 end date = %v", contractor.EndDate)
	}

	problems := map[int][]string{
		12: {`Employee ID E1008 is also on row 13 with a different First Name ("Anna" here, "Anne" there)`},
		13: {`Employee ID E1008 is also on row 12 with a different First Name ("Anna" there, "Anne" here)`},
		14: {"Last Name is empty"},
		16: {`Start Date "31/03/2025" is not a date in the form YYYY-MM-DD`},
		17: {"Employee Id is empty"}, // the file's own spelling of the header
		18: {`Manager Email "Kim's boss" is not an email address`},
		19: {"the row has 12 cells but the header has 11"},
	}
	for _, r := range sheet.Rows {
		want := problems[r.Line]
		if len(want) == 0 {
			if len(r.Problems) > 0 {
				t.Errorf("row %d has unexpected problems: %q", r.Line, r.Problems)
			}
			continue
		}
		if len(r.Problems) != len(want) {
			t.Errorf("row %d problems = %q, want %d", r.Line, r.Problems, len(want))
			continue
		}
		for i, w := range want {
			if !strings.Contains(r.Problems[i], w) {
				t.Errorf("row %d problem %q does not say %q", r.Line, r.Problems[i], w)
			}
		}
	}
}

func TestReadCSVWindows1252(t *testing.T) {
	utf8Sheet := readHRExport(t)
	raw := bytes.TrimPrefix(readTestdata(t, "hr_export.csv"), utf8BOM)
	ansi, err := charmap.Windows1252.NewEncoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := ReadCSV(bytes.NewReader(ansi), testColumns())
	if err != nil {
		t.Fatal(err)
	}
	if sheet.Encoding != EncodingWindows1252 {
		t.Errorf("encoding = %q", sheet.Encoding)
	}
	if len(sheet.Warnings) != 1 || !strings.Contains(sheet.Warnings[0], "Windows-1252") {
		t.Errorf("warnings = %q, want one saying the file was read as Windows-1252", sheet.Warnings)
	}
	if !reflect.DeepEqual(sheet.Rows, utf8Sheet.Rows) {
		t.Errorf("rows differ from the UTF-8 file's:\n%+v\n%+v", sheet.Rows, utf8Sheet.Rows)
	}
}

func TestReadCSVSeparatorsAndUTF16(t *testing.T) {
	const semicolons = "First Name;Last Name;Employee ID;Department\nJürgen;\"Groß; Sr\";42;Sales\n"
	sheet, err := ReadCSV(strings.NewReader(semicolons), testColumns())
	if err != nil {
		t.Fatal(err)
	}
	if sheet.Delimiter != ';' || sheet.Rows[0].Surname != "Groß; Sr" || sheet.Rows[0].Department != "Sales" {
		t.Errorf("semicolon file read as %q / %+v", sheet.Delimiter, sheet.Rows)
	}

	// Excel's "Unicode Text": UTF-16LE with a BOM, tab-separated.
	text := "First Name\tLast Name\tEmployee ID\r\nZoë\tØdegård\t7\r\n"
	var utf16 bytes.Buffer
	utf16.Write(utf16LEBOM)
	for _, r := range text {
		utf16.WriteByte(byte(r))
		utf16.WriteByte(byte(r >> 8))
	}
	sheet, err = ReadCSV(&utf16, testColumns())
	if err != nil {
		t.Fatal(err)
	}
	if sheet.Encoding != EncodingUTF16 || sheet.Rows[0].GivenName != "Zoë" || sheet.Rows[0].Surname != "Ødegård" {
		t.Errorf("UTF-16 file read as %q / %+v", sheet.Encoding, sheet.Rows)
	}
}

func TestReadCSVRows(t *testing.T) {
	tests := []struct {
		name    string
		csv     string
		line    int
		problem string // "" for none
	}{
		{"trailing comma rows are blank", "First Name,Last Name,Employee ID\n,,\nAna,Lee,1\n", 3, ""},
		{"whitespace is tidied", "First Name,Last Name,Employee ID\n  Ana\u00a0 Maria , Lee ,1\n", 2, ""},
		{"employee ID too long", "First Name,Last Name,Employee ID\nAna,Lee,12345678901234567\n", 2, "Employee ID is 17 characters long; the directory allows at most 16"},
		{"end before start", "First Name,Last Name,Employee ID,Start Date,End Date\nAna,Lee,1,2025-05-01,2025-04-30\n", 2, "End Date 2025-04-30 is before Start Date 2025-05-01"},
		{"US date", "First Name,Last Name,Employee ID,End Date\nAna,Lee,1,4/30/2025\n", 2, `End Date "4/30/2025" is not a date in the form YYYY-MM-DD`},
		{"manager with a name", "First Name,Last Name,Employee ID,Manager Email\nAna,Lee,1,Bob <bob@example.com>\n", 2, "is not an email address"},
		{"control character", "First Name,Last Name,Employee ID\nA\x07na,Lee,1\n", 2, "First Name contains a control character"},
		{"IDs differing in case are one ID", "First Name,Last Name,Employee ID\nAna,Lee,e1\nAnn,Lee,E1\n", 3, "Employee ID E1 is also on row 2 with a different First Name"},
		{"too few cells", "First Name,Last Name,Employee ID\nAna,Lee\n", 2, "the row has 2 cells but the header has 3"},
		{"after a line break in the last cell", "First Name,Last Name,Employee ID,Job Title\r\nAna,Lee,1,\"Senior\r\nEngineer\"\r\nBob,Lee,2,\"x\"\r\n", 3, ""},
		{"after a blank line and a line break", "First Name,Last Name,Employee ID,Job Title\nAna,Lee,1,\"a\n\nb\"\n\nBob,Lee,,\n", 4, "Employee ID is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sheet, err := ReadCSV(strings.NewReader(tt.csv), testColumns())
			if err != nil {
				t.Fatal(err)
			}
			r := rowByLine(t, sheet, tt.line)
			switch {
			case tt.problem == "" && len(r.Problems) > 0:
				t.Errorf("row %d problems = %q, want none", r.Line, r.Problems)
			case tt.problem != "" && !strings.Contains(strings.Join(r.Problems, "; "), tt.problem):
				t.Errorf("row %d problems = %q, want %q", r.Line, r.Problems, tt.problem)
			}
			if tt.name == "whitespace is tidied" && (r.GivenName != "Ana Maria" || r.Surname != "Lee") {
				t.Errorf("names = %q %q", r.GivenName, r.Surname)
			}
			if strings.HasPrefix(tt.name, "after a line break") && r.GivenName != "Bob" {
				t.Errorf("row %d is %q, want Bob", r.Line, r.GivenName)
			}
		})
	}
}

// TestReadCSVNormalizesUnicode: a Mac writes "é" as e + combining accent, Windows as one
// code point; the directory must not get two spellings of one name.
func TestReadCSVNormalizesUnicode(t *testing.T) {
	sheet := sheetOf(t, "First Name,Last Name,Employee ID\nJose\u0301,Mu\u0308ller,1\n")
	if r := sheet.Rows[0]; r.GivenName != "Jos\u00e9" || r.Surname != "M\u00fcller" {
		t.Errorf("names = %q %q, want the composed (NFC) forms", r.GivenName, r.Surname)
	}
}

func TestReadCSVFileErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"empty", "", `it is empty; the first row must be the header, with "First Name", "Last Name" and "Employee ID"`},
		{"only blank lines", "\r\n\r\n", "it is empty"},
		{"missing column", "First Name,Surname,Staff No,Dept\nAna,Lee,1,IT\n",
			`the header (row 1) has no "Last Name" (columns.surname) or "Employee ID" (columns.employee_id) column; the columns it has are: "First Name", "Surname", "Staff No", "Dept"`},
		{"not CSV at all", strings.Repeat("x", 5000) + "\n", `the header (row 1) has no "First Name" (columns.given_name), "Last Name" (columns.surname) or "Employee ID" (columns.employee_id) column; the columns it has are: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…". Rename`},
		{"header after blank lines", "\n\nFirst Name,Employee ID\n", `the header (row 3) has no "Last Name"`},
		{"column twice", "First Name,Last Name,Employee ID,employee id\n", `the column "Employee ID" 2 times (cells 3, 4)`},
		{"bare quote", "First Name,Last Name,Employee ID\nAna,Lee,1\nDwayne \"The Rock\",Johnson,2\n", `row 3 is not valid CSV: a " appears inside a cell`},
		{"bare quote after a multi-line cell", "First Name,Last Name,Employee ID\n\"Ana\nMaria\",Lee,1\n\nBo\"b,Lee,2\n", "row 4 is not valid CSV"},
		{"unclosed quote", "First Name,Last Name,Employee ID\nAna,\"Lee,1\nBob,Lee,2\n", "row 2 is not valid CSV: a quoted cell is not closed properly"},
		{"xlsx", "PK\x03\x04\x14\x00rest of a zip", "Excel workbook (.xlsx)"},
		{"binary", "First Name\x00,Last", "binary data"},
		{"BOM but not UTF-8", "\xef\xbb\xbfFirst Name,Last Name\n\xe9", "byte order mark but is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sheet, err := ReadCSV(strings.NewReader(tt.data), testColumns())
			if err == nil {
				t.Fatalf("ReadCSV succeeded: %+v", sheet)
			}
			if !errors.Is(err, directory.ErrInvalidInput) {
				t.Errorf("error %v does not wrap ErrInvalidInput (exit 2)", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReadCSVOptionalColumns(t *testing.T) {
	cols := testColumns()
	cols.Location = "" // switched off: the file's Office column is not read
	sheet, err := ReadCSV(strings.NewReader("First Name,Last Name,Employee ID,Office\nAna,Lee,1,Paris\n"), cols)
	if err != nil {
		t.Fatal(err)
	}
	if sheet.Rows[0].Location != "" {
		t.Errorf("a switched-off column was read: %q", sheet.Rows[0].Location)
	}
	want := []string{"preferred_name", "department", "title", "manager", "start_date", "end_date"}
	if !reflect.DeepEqual(sheet.Missing, want) {
		t.Errorf("Missing = %q, want %q", sheet.Missing, want)
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add(readTestdata(f, "hr_export.csv"))
	f.Add([]byte("First Name,Last Name,Employee ID\n\"a\nb\",\"c\"\"d\",1\n\n\"unclosed"))
	f.Add([]byte("First Name;Last Name;Employee ID\r\nA;B;1;extra\r\n\xe9;\xff;2"))
	f.Add([]byte("\xff\xfeF\x00i\x00"))
	f.Add([]byte("First Name,Last Name,Employee ID,Start Date,Manager Email\nA,B,1,2025-13-40,@\nA,B,1,,x@y"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sheet, err := ReadCSV(bytes.NewReader(data), testColumns())
		if err != nil {
			if !errors.Is(err, directory.ErrInvalidInput) {
				t.Fatalf("a bad file gave an error that is not invalid input: %v", err)
			}
			return
		}
		prev := sheet.HeaderRow
		for _, r := range sheet.Rows {
			if r.Line <= prev {
				t.Fatalf("row numbers not increasing: %d after %d", r.Line, prev)
			}
			prev = r.Line
			if len(r.Problems) == 0 && (r.GivenName == "" || r.Surname == "" || r.EmployeeID == "") {
				t.Fatalf("row %d accepted without a required field: %+v", r.Line, r)
			}
		}
	})
}

// Sheet.BOM says whether the file came with a byte-order mark (Excel's "CSV UTF-8"), so
// that the files written back for the same people can have one too.
func TestReadCSVNotesTheBOM(t *testing.T) {
	for _, tc := range []struct {
		text string
		bom  bool
	}{
		{"First Name,Last Name,Employee ID\nSiobhán,Ó Briain,E1\n", false},
		{"\ufeffFirst Name,Last Name,Employee ID\nSiobhán,Ó Briain,E1\n", true},
	} {
		sheet, err := ReadCSV(strings.NewReader(tc.text), DefaultColumns())
		if err != nil {
			t.Fatal(err)
		}
		if sheet.BOM != tc.bom || sheet.Rows[0].GivenName != "Siobhán" {
			t.Errorf("%q: BOM %v, first row %+v; want BOM %v", tc.text[:5], sheet.BOM, sheet.Rows[0], tc.bom)
		}
	}
}
