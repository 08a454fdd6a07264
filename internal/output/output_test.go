package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/iostreams"
)

func sample() Table {
	return Table{
		Header: []string{"name", "mail"},
		Rows:   [][]string{{"jdoe", "john.doe@example.com"}, {"O'Brien, Conor", "a\tb\nc"}},
	}
}

func TestPrintPipedIsPlainRowsWithoutHeader(t *testing.T) {
	s, _, out, _ := iostreams.Test()
	if err := Print(s, FormatAuto, sample(), nil); err != nil {
		t.Fatal(err)
	}
	want := "jdoe\tjohn.doe@example.com\nO'Brien, Conor\ta b c\n"
	if out.String() != want {
		t.Errorf("piped output:\n%q\nwant\n%q", out.String(), want)
	}
}

func TestPrintTTYIsTableWithHeader(t *testing.T) {
	s, _, out, _ := iostreams.Test()
	s.SetTTY(true, true, true)
	if err := Print(s, FormatAuto, sample(), nil); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("table has %d lines, want 3:\n%s", len(lines), out.String())
	}
	if !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "MAIL") {
		t.Errorf("header line = %q", lines[0])
	}
	// Columns line up: MAIL starts where the mail addresses start.
	if strings.Index(lines[0], "MAIL") != strings.Index(lines[1], "john.doe") {
		t.Errorf("columns not aligned:\n%s", out.String())
	}
	if strings.ContainsAny(out.String(), "│|+─") {
		t.Errorf("table has borders:\n%s", out.String())
	}
}

func TestWriteCSVQuotes(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, sample()); err != nil {
		t.Fatal(err)
	}
	want := "name,mail\njdoe,john.doe@example.com\n\"O'Brien, Conor\",\"a\tb\nc\"\n"
	if b.String() != want {
		t.Errorf("csv:\n%q\nwant\n%q", b.String(), want)
	}
}

func TestWriteJSONKeepsDNsReadable(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, map[string]string{"dn": "CN=A&B <x>,DC=corp"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"CN=A&B <x>,DC=corp"`) {
		t.Errorf("json escaped HTML characters: %s", b.String())
	}
}

func TestParseFormat(t *testing.T) {
	if f, err := ParseFormat("JSON"); err != nil || f != FormatJSON {
		t.Errorf("ParseFormat(JSON) = %q, %v", f, err)
	}
	if f, err := ParseFormat(""); err != nil || f != FormatAuto {
		t.Errorf("ParseFormat(\"\") = %q, %v", f, err)
	}
	_, err := ParseFormat("yaml")
	if err == nil || !strings.Contains(err.Error(), "table, json, csv") {
		t.Errorf("ParseFormat(yaml) error = %v, want the list of formats", err)
	}
	if _, err := ParseFormat("html", FormatTable, FormatHTML); err != nil {
		t.Errorf("html allowed but refused: %v", err)
	}
}

func TestJSONArrayStreamsValidJSON(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		var b bytes.Buffer
		a := NewJSONArray(&b)
		for i := 0; i < n; i++ {
			if err := a.Add(map[string]int{"i": i}); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		var got []map[string]int
		if err := json.Unmarshal(b.Bytes(), &got); err != nil || len(got) != n {
			t.Errorf("n=%d: %v, %d elements in %q", n, err, len(got), b.String())
		}
	}
}
