package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

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

const csvItemHeader = "row,sam_account_name,warning,groups,enabled,manager,entra_id,entra_groups,changes"

// The header comes from the type: an empty list, one object and a list whose rows leave
// out every omitempty field all have the same one.
func TestWriteRecordsCSVEmptyListKeepsItsHeader(t *testing.T) {
	for _, data := range []any{[]csvItem{}, []*csvItem{}, csvItem{Row: 1}, &csvItem{Row: 1}, []csvItem{{Row: 1}, {Row: 2}}, [1]csvItem{}} {
		var b bytes.Buffer
		if err := WriteRecordsCSV(&b, data); err != nil {
			t.Fatal(err)
		}
		if got := strings.SplitN(b.String(), "\n", 2)[0]; got != csvItemHeader {
			t.Errorf("%T: header %q, want %q", data, got, csvItemHeader)
		}
	}
}

// A field JSON leaves out when empty (omitempty) has its column although no row has it,
// and a nil struct pointer (omitempty or null) still gives its parent_field columns, empty.
func TestWriteRecordsCSVColumnsDoNotDependOnTheRows(t *testing.T) {
	type boss struct {
		Name string `json:"name"`
		Mail string `json:"mail,omitempty"`
	}
	type row struct {
		ID      string    `json:"id"`
		Error   string    `json:"error,omitempty"`
		Boss    *boss     `json:"boss"` // null when nil
		Entra   *csvEntra `json:"entra,omitempty"`
		Deleted *bool     `json:"deleted,omitempty"`
		Tags    []string  `json:"tags,omitempty"`
	}
	header, rows, err := Records([]row{{ID: "a"}, {ID: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "id,error,boss_name,boss_mail,entra_id,entra_groups,deleted,tags"
	if strings.Join(header, ",") != want {
		t.Errorf("header %q, want %q", strings.Join(header, ","), want)
	}
	if len(rows) != 2 || rows[1]["id"] != "b" || rows[1]["boss_name"] != "" {
		t.Errorf("rows %v", rows)
	}
	yes := true
	full, _, err := Records([]row{{ID: "a", Error: "x", Boss: &boss{"b", "m"}, Entra: &csvEntra{ID: "1"}, Deleted: &yes, Tags: []string{"t"}}})
	if err != nil || strings.Join(full, ",") != want {
		t.Errorf("a row with every field: header %q (%v), want %q", strings.Join(full, ","), err, want)
	}
}

type csvBase struct {
	DN   string `json:"dn"`
	Name string `json:"name"`
	Mail string `json:"mail,omitempty"`
}

type csvMore struct {
	Mail  string `json:"mail"` // ties with csvBase.Mail at the same depth: JSON writes neither
	Phone string `json:"phone"`
}

type csvDeep struct {
	Level string `json:"level"`
}

type csvMid struct {
	csvDeep
	Name string // untagged "Name": csvBase's tagged "name" is another name, both stay
}

type csvEmbedding struct {
	User string `json:"user"`
	csvBase
	*csvMore
	csvMid
	Owner  csvBase `json:"owner"`             // a tag name makes an embedded struct a nested object
	Secret string  `json:"-"`                 // never written
	Dash   string  `json:"-,"`                // written as "-": the tag's name
	Count  int     `json:"count,string"`      // a number in a string: still one cell
	Renamd string  `json:"renamed,omitempty"` // the tag's name, not the Go one
	Plain  string  // no tag: the Go name
	hidden string
	Bad    string `json:"bad\\name"` // an invalid name: the Go one
}

// The columns follow encoding/json's field rules: embedded structs lend their fields (a
// shallower field wins, a tie writes neither), json:"-" drops a field, a tag renames it.
// Checked against encoding/json itself: a value with every field set writes exactly the
// columns, in their order.
func TestWriteRecordsCSVFollowsEncodingJSONFieldRules(t *testing.T) {
	header, _, err := Records([]csvEmbedding{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"user", "dn", "name", "phone", "level", "Name", "owner_dn", "owner_name", "owner_mail",
		"-", "count", "renamed", "Plain", "Bad"}
	if strings.Join(header, ",") != strings.Join(want, ",") {
		t.Errorf("header\n%q\nwant\n%q", header, want)
	}
	full := csvEmbedding{User: "u", csvBase: csvBase{"d", "n", "m"}, csvMore: &csvMore{"m2", "p"},
		csvMid: csvMid{csvDeep{"l"}, "N"}, Owner: csvBase{"od", "on", "om"}, Secret: "s", Dash: "x", Count: 3,
		Renamd: "r", Plain: "p", hidden: "h", Bad: "b"}
	raw, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, _, err := Records(json.RawMessage(raw)) // no type to read: the JSON's own fields
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(fromJSON, ",") != strings.Join(header, ",") {
		t.Errorf("encoding/json writes\n%q\nthe header is\n%q", fromJSON, header)
	}
}

type csvStamped struct {
	Seq  int    `json:"seq"`
	Note string `json:"note,omitempty"`
	Tags []string
}

// MarshalJSON fills a default and writes the struct's own fields, as audit.Record does.
func (s csvStamped) MarshalJSON() ([]byte, error) {
	type plain csvStamped
	if s.Tags == nil {
		s.Tags = []string{}
	}
	return json.Marshal(plain(s))
}

type csvToken struct{ v string }

func (c csvToken) MarshalJSON() ([]byte, error) { return json.Marshal("tok:" + c.v) }

// A type that writes its own JSON: a string is one cell (time.Time, a secret); an object
// made of the struct's own fields has the struct's columns.
func TestWriteRecordsCSVMarshalers(t *testing.T) {
	type row struct {
		At      time.Time  `json:"at"`
		Token   csvToken   `json:"token"`
		Stamped csvStamped `json:"stamped"`
	}
	header, _, err := Records([]row{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(header, ","); got != "at,token,stamped_seq,stamped_note,stamped_Tags" {
		t.Errorf("header %q", got)
	}
	header, _, err = Records([]csvStamped{})
	if err != nil || strings.Join(header, ",") != "seq,note,Tags" {
		t.Errorf("list of a marshaler: header %q (%v)", header, err)
	}
}

// Where the type cannot tell (an interface, a map, a struct inside itself) the rows' own
// fields become columns, after the type's, as the rows give them.
func TestWriteRecordsCSVInterfaceFieldsComeFromTheData(t *testing.T) {
	type node struct {
		Name   string `json:"name"`
		Parent *node  `json:"parent,omitempty"`
	}
	type row struct {
		Value  any               `json:"value"`
		Labels map[string]string `json:"labels,omitempty"`
		Tree   *node             `json:"tree,omitempty"`
		ID     string            `json:"id"`
	}
	var b bytes.Buffer
	if err := WriteRecordsCSV(&b, []row{}); err != nil {
		t.Fatal(err)
	}
	if b.String() != "tree_name,id\n" {
		t.Errorf("empty list: %q", b.String())
	}
	b.Reset()
	rows := []row{
		{Value: "x", ID: "1"},
		{Value: map[string]any{"a": 1}, Labels: map[string]string{"k": "v"}, Tree: &node{"c", &node{Name: "p"}}, ID: "2"},
	}
	if err := WriteRecordsCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	// The data's columns merge as the rows give them: value_a takes its place before value,
	// which the second row lacks.
	want := "tree_name,id,value_a,labels_k,tree_parent_name,value\n" +
		",1,,,,x\n" +
		"c,2,1,v,p,\n"
	if b.String() != want {
		t.Errorf("csv:\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := WriteRecordsCSV(&b, []any{map[string]any{"b": 1, "a": 2}}); err != nil || b.String() != "a,b\n2,1\n" {
		t.Errorf("a list of maps: %q (%v)", b.String(), err)
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
	if got := strings.SplitN(out.String(), "\n", 2)[0]; got != csvItemHeader {
		t.Errorf("header %q", got)
	}
	out.Reset()
	if err := Print(s, FormatCSV, table, nil); err == nil {
		t.Errorf("a caption table without data was written as CSV: %q", out.String())
	}
}
