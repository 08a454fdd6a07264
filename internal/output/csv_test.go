package output

import (
	"bytes"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/iostreams"
)

type csvEntra struct {
	ID     string   `json:"id"`
	Groups []string `json:"groups"`
}

type csvItem struct {
	Row     int       `json:"row"`
	Name    string    `json:"sam_account_name"`
	Warning string    `json:"warning,omitempty"`
	Groups  []string  `json:"groups"`
	Enabled bool      `json:"enabled"`
	Manager *string   `json:"manager"`
	Entra   *csvEntra `json:"entra,omitempty"`
	Changes []struct {
		Attribute string `json:"attribute"`
	} `json:"changes,omitempty"`
}

// A CSV made from the JSON value has the JSON field names as its header, in JSON's order,
// nested objects flattened and lists in one cell.
func TestWriteRecordsCSVUsesTheJSONFieldNames(t *testing.T) {
	items := []csvItem{
		{Row: 2, Name: "jdoe", Groups: []string{"Staff", "VPN"}, Enabled: true},
		{Row: 3, Name: "Siobhán, O'Neill", Warning: "no manager", Entra: &csvEntra{ID: "42", Groups: []string{"eng"}}},
	}
	items[1].Changes = append(items[1].Changes, struct {
		Attribute string `json:"attribute"`
	}{"mail"})
	var b bytes.Buffer
	if err := WriteRecordsCSV(&b, items); err != nil {
		t.Fatal(err)
	}
	want := "row,sam_account_name,warning,groups,enabled,manager,entra_id,entra_groups,changes\n" +
		"2,jdoe,,Staff;VPN,true,,,,\n" +
		"3,\"Siobhán, O'Neill\",no manager,,false,,42,eng,\"[{\"\"attribute\"\":\"\"mail\"\"}]\"\n"
	if b.String() != want {
		t.Errorf("csv:\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWriteRecordsCSVEmptyListKeepsItsHeader(t *testing.T) {
	var b bytes.Buffer
	if err := WriteRecordsCSV(&b, []csvItem{}); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "row,sam_account_name,groups,enabled,manager\n" {
		t.Errorf("empty list: %q", got)
	}
	b.Reset()
	if err := WriteRecordsCSV(&b, csvItem{Row: 1}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "row,sam_account_name,groups,enabled,manager\n1,") {
		t.Errorf("one object: %q", b.String())
	}
}

// A caption cannot reach a CSV file: the one shared writer refuses it.
func TestWriteCSVRefusesCaptions(t *testing.T) {
	for _, h := range []string{"Logon name", "Seq", "DN", "sam-account-name", "_x", "a__b", "x_", ""} {
		var b bytes.Buffer
		if err := WriteCSV(&b, Table{Header: []string{"row", h}}); err == nil || b.Len() != 0 {
			t.Errorf("header %q: err %v, wrote %q; want an error and nothing written", h, err, b.String())
		}
	}
	for _, h := range []string{"row", "sam_account_name", "entra_id", "v", "x509_cert"} {
		if !IsFieldName(h) {
			t.Errorf("%q should be a field name", h)
		}
	}
}

// Print's CSV is made from the data, not from the captions of the table.
func TestPrintCSVFollowsTheData(t *testing.T) {
	s, _, out, _ := iostreams.Test()
	table := Table{Header: []string{"Row", "Logon name"}, Rows: [][]string{{"2", "jdoe"}}}
	if err := Print(s, FormatCSV, table, []csvItem{{Row: 2, Name: "jdoe"}}); err != nil {
		t.Fatal(err)
	}
	if got := strings.SplitN(out.String(), "\n", 2)[0]; got != "row,sam_account_name,groups,enabled,manager" {
		t.Errorf("header %q", got)
	}
	out.Reset()
	if err := Print(s, FormatCSV, table, nil); err == nil {
		t.Errorf("a caption table without data was written as CSV: %q", out.String())
	}
}
