package output

import (
	"bytes"
	"cmp"
	"encoding"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// The CSV rule (docs/cli-extensions.md, "CSV and JSON"): a CSV file's columns are the JSON
// output's field names, in snake_case, and its cells are the JSON values; tables for people
// use captions. Two helpers keep every command to it:
//   - WriteCSV refuses a header that is not snake_case, so a caption ("Logon name") cannot
//     reach a CSV file unnoticed;
//   - WriteRecordsCSV makes the CSV from the very value -o json prints, so a command that
//     hands Print its JSON value gets a CSV that matches it, column for column, and takes
//     the columns from that value's Go type, so a command prints the same header every time.

// CSVRecorder is a JSON value whose CSV form is a list inside it (a report whose rows are
// its changes): Print writes CSVRecords() as the CSV, and the value itself as the JSON.
type CSVRecorder interface {
	CSVRecords() any
}

// WriteCSV writes the header and rows as RFC 4180 CSV. The header must be snake_case
// field names (the JSON ones); a caption is an error, not a file.
func WriteCSV(w io.Writer, t Table) error {
	for _, h := range t.Header {
		if !IsFieldName(h) {
			return fmt.Errorf("write csv: column %q is not a snake_case field name: CSV columns are the JSON field names", h)
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if err := cw.WriteAll(t.Rows); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// IsFieldName reports whether s is a snake_case field name: lower-case letters and digits in
// words joined by single underscores, starting with a letter.
func IsFieldName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' || s[len(s)-1] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '_' && s[i-1] != '_':
		default:
			return false
		}
	}
	return true
}

// WriteRecordsCSV writes data — what -o json prints: a list of objects, or one object — as
// CSV with one row per object. The header is the JSON field names of the element's Go type,
// in declaration order, whether or not a row has them (an omitempty field is a column
// too, empty where JSON leaves it out), so one command always prints one header; a nested
// struct's fields become parent_field columns; a list of plain values is one cell joined
// with ";"; a list of objects is one cell holding its JSON; null is an empty cell. Only
// where the type cannot tell (an interface, a map) do the rows' own fields become columns,
// after the type's.
func WriteRecordsCSV(w io.Writer, data any) error {
	header, rows, err := Records(data)
	if err != nil {
		return err
	}
	t := Table{Header: header}
	for _, row := range rows {
		cells := make([]string, len(header))
		for i, h := range header {
			cells[i] = row[h]
		}
		t.AddRow(cells...)
	}
	return WriteCSV(w, t)
}

// Records flattens data as WriteRecordsCSV does: the columns, and each object's cells by column.
func Records(data any) ([]string, []map[string]string, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, nil, fmt.Errorf("write csv: %w", err)
	}
	var items []json.RawMessage
	switch firstByte(raw) {
	case '[':
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, nil, fmt.Errorf("write csv: %w", err)
		}
	case '{':
		items = []json.RawMessage{raw}
	case 'n':
		// nil: no rows
	default:
		return nil, nil, fmt.Errorf("write csv: %T is not a list of objects", data)
	}
	typed := elementColumns(reflect.TypeOf(data))
	var extra header // what the type cannot tell: the rows' own fields, after the type's
	rows := make([]map[string]string, 0, len(items))
	for _, item := range items {
		fields, err := flatten(item)
		if err != nil {
			return nil, nil, err
		}
		row := make(map[string]string, len(fields))
		var untyped []cellField
		for _, f := range fields {
			switch {
			case typed.known[f.key]:
			case f.null && typed.objects[f.key]:
				continue // a nil struct pointer: its parent_field columns stay empty
			default:
				untyped = append(untyped, f)
			}
			row[f.key] = f.cell
		}
		extra.merge(untyped)
		rows = append(rows, row)
	}
	return append(slices.Clip(typed.keys), extra.keys...), rows, nil
}

// columns are the CSV columns a Go type promises, whatever the values.
type columns struct {
	keys  []string        // in declaration order
	known map[string]bool // keys, as a set
	// objects are the keys of nested structs: JSON's null there is the struct absent
	// (its columns empty), not a column of its own.
	objects map[string]bool
}

// elementColumns are the columns of t's elements: t is the type of what -o json prints, a
// list (or array) of structs or one struct, possibly through pointers. Any other element
// (an interface, a map) tells nothing: every column then comes from the data.
func elementColumns(t reflect.Type) columns {
	c := columns{known: map[string]bool{}, objects: map[string]bool{}}
	if t == nil {
		return c
	}
	if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if shapeOf(t, nil) == shapeObject {
		c.addStruct("", t, []reflect.Type{t})
	}
	return c
}

// addStruct adds the columns of struct type t's JSON fields, each key prefixed. seen holds
// the structs being expanded, so a type that contains itself stops instead of recursing.
func (c *columns) addStruct(prefix string, t reflect.Type, seen []reflect.Type) {
	for _, f := range jsonFields(t) {
		key := prefix + f.name
		ft := f.typ
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch shapeOf(ft, seen) {
		case shapeCell:
			if !c.known[key] {
				c.keys = append(c.keys, key)
				c.known[key] = true
			}
		case shapeObject:
			c.objects[key] = true
			c.addStruct(key+"_", ft, append(slices.Clip(seen), ft))
		case shapeUnknown:
			// an interface, a map, a type that contains itself: the data's columns
		}
	}
}

type shape int

const (
	shapeCell    shape = iota // one cell: a plain value or a list
	shapeObject               // a JSON object with the struct's fields: parent_field columns
	shapeUnknown              // only the data can tell
)

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// shapeOf says how encoding/json writes a value of type t (not a pointer).
func shapeOf(t reflect.Type, seen []reflect.Type) shape {
	if t.Kind() == reflect.Struct && slices.Contains(seen, t) {
		return shapeUnknown // a struct inside itself: its depth depends on the data
	}
	if implements(t, jsonMarshaler) {
		return marshalerShape(t, seen)
	}
	if implements(t, textMarshaler) {
		return shapeCell // always a JSON string
	}
	switch t.Kind() {
	case reflect.Struct:
		return shapeObject
	case reflect.Map, reflect.Interface:
		return shapeUnknown
	default:
		return shapeCell // a plain value, or a list (one cell)
	}
}

// implements also counts methods on *t: encoding/json calls them on the addressable
// values it meets (the elements of a list, the fields within them).
func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || reflect.PointerTo(t).Implements(iface)
}

// marshalerShape reads a type that writes its own JSON from what it writes for its zero
// value: a plain value or a list is one cell; an object whose fields are all the struct's
// own JSON fields (the usual MarshalJSON that fills a default and marshals the struct)
// has the struct's columns; anything else only the data can tell.
func marshalerShape(t reflect.Type, seen []reflect.Type) shape {
	raw, err := json.Marshal(reflect.New(t).Interface())
	if err != nil {
		return shapeUnknown
	}
	switch firstByte(raw) {
	case 'n':
		return shapeUnknown
	case '{':
	default:
		return shapeCell
	}
	if t.Kind() != reflect.Struct {
		return shapeUnknown
	}
	own := columns{known: map[string]bool{}, objects: map[string]bool{}}
	own.addStruct("", t, append(slices.Clip(seen), t))
	fields, err := flatten(raw)
	if err != nil {
		return shapeUnknown
	}
	for _, f := range fields {
		if !own.known[f.key] && !(f.null && own.objects[f.key]) {
			return shapeUnknown
		}
	}
	return shapeObject
}

// jsonField is a field as encoding/json names it.
type jsonField struct {
	name   string
	tagged bool  // named by its json tag
	index  []int // its path through embedded structs
	typ    reflect.Type
}

// jsonFields are the fields encoding/json writes for struct type t, in its order, by its
// rules: exported fields; json:"-" dropped; the tag's name, else the Go name; an embedded
// struct without a tag name lends its fields to t, where a shallower field, then a tagged
// one, hides another of the same name, and two that tie hide each other.
func jsonFields(t reflect.Type) []jsonField {
	type embedded struct {
		typ   reflect.Type
		index []int
	}
	var fields []jsonField
	next := []embedded{{typ: t}}
	nextCount := map[reflect.Type]int{}
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		current, count := next, nextCount
		next, nextCount = nil, map[reflect.Type]int{}
		for _, e := range current {
			if visited[e.typ] {
				continue
			}
			visited[e.typ] = true
			for i := range e.typ.NumField() {
				sf := e.typ.Field(i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if !sf.IsExported() && (!sf.Anonymous || ft.Kind() != reflect.Struct) {
					continue // unexported, unless an embedded struct that may lend exported fields
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, _, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				index := append(slices.Clip(e.index), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					nextCount[ft]++
					if nextCount[ft] == 1 {
						next = append(next, embedded{typ: ft, index: index})
					}
					continue
				}
				f := jsonField{name: cmp.Or(name, sf.Name), tagged: name != "", index: index, typ: sf.Type}
				fields = append(fields, f)
				if count[e.typ] > 1 {
					fields = append(fields, f) // the type is embedded twice at this depth: its fields tie
				}
			}
		}
	}
	// By name, the dominant field first: the shallowest, then the tagged.
	slices.SortStableFunc(fields, func(a, b jsonField) int {
		return cmp.Or(strings.Compare(a.name, b.name), cmp.Compare(len(a.index), len(b.index)),
			cmp.Compare(b2i(b.tagged), b2i(a.tagged)), slices.Compare(a.index, b.index))
	})
	var out []jsonField
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].name == fields[i].name {
			j++
		}
		if j-i == 1 || len(fields[i].index) < len(fields[i+1].index) || fields[i].tagged != fields[i+1].tagged {
			out = append(out, fields[i])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b jsonField) int { return slices.Compare(a.index, b.index) })
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// validTagName is encoding/json's test of a tag name; an invalid one falls back to the Go name.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// cellField is one cell of a record; null says JSON had null there.
type cellField struct {
	key, cell string
	null      bool
}

// header is the union of the records' columns, in order.
type header struct{ keys []string }

func (h *header) merge(fields []cellField) {
	pos := -1 // where the previous field of this record sits in keys
	for _, f := range fields {
		i := indexOf(h.keys, f.key)
		if i < 0 {
			i = pos + 1
			h.keys = append(h.keys[:i], append([]string{f.key}, h.keys[i:]...)...)
		}
		pos = i
	}
}

func indexOf(keys []string, k string) int {
	for i, key := range keys {
		if key == k {
			return i
		}
	}
	return -1
}

// flatten turns one JSON object into its cells, in field order.
func flatten(obj json.RawMessage) ([]cellField, error) {
	var out []cellField
	if err := flattenInto(&out, "", obj); err != nil {
		return nil, fmt.Errorf("write csv: %w", err)
	}
	return out, nil
}

func flattenInto(out *[]cellField, prefix string, obj json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("a record is not a JSON object: %.40s", obj)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key := prefix + tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		switch firstByte(v) {
		case '{':
			if err := flattenInto(out, key+"_", v); err != nil {
				return err
			}
		case '[':
			cell, err := listCell(v)
			if err != nil {
				return err
			}
			*out = append(*out, cellField{key: key, cell: cell})
		default:
			cell, err := scalarCell(v)
			if err != nil {
				return err
			}
			*out = append(*out, cellField{key: key, cell: cell, null: firstByte(v) == 'n'})
		}
	}
	return nil
}

// listCell is a list of plain values joined with ";", or the JSON of a list of objects.
func listCell(v json.RawMessage) (string, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(v, &items); err != nil {
		return "", err
	}
	cells := make([]string, len(items))
	for i, item := range items {
		if b := firstByte(item); b == '{' || b == '[' {
			var compact bytes.Buffer
			if err := json.Compact(&compact, v); err != nil {
				return "", err
			}
			return compact.String(), nil
		}
		cell, err := scalarCell(item)
		if err != nil {
			return "", err
		}
		cells[i] = cell
	}
	return strings.Join(cells, ";"), nil
}

func scalarCell(v json.RawMessage) (string, error) {
	switch firstByte(v) {
	case 'n':
		return "", nil
	case '"':
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	}
	return string(bytes.TrimSpace(v)), nil // a number, true or false, as JSON writes it
}

func firstByte(b []byte) byte {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return 0
	}
	return b[0]
}
