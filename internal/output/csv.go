package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// The CSV rule (docs/cli-extensions.md, "CSV and JSON"): a CSV file's columns are the JSON
// output's field names, in snake_case, and its cells are the JSON values; tables for people
// use captions. Two helpers keep every command to it:
//   - WriteCSV refuses a header that is not snake_case, so a caption ("Logon name") cannot
//     reach a CSV file unnoticed;
//   - WriteRecordsCSV makes the CSV from the very value -o json prints, so a command that
//     hands Print its JSON value gets a CSV that matches it, column for column.

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
// CSV with one row per object. The header is the objects' JSON field names in the order JSON
// gives them (a field some objects omit takes its place after the field before it); a
// nested object's fields become parent_field columns; a list of plain values is one cell
// joined with ";"; a list of objects is one cell holding its JSON; null is an empty cell.
// An empty list still has its header, taken from the element type.
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
	var h header
	if zero, ok := zeroElement(data); ok {
		fields, err := flatten(zero)
		if err != nil {
			return nil, nil, err
		}
		h.merge(fields)
	}
	rows := make([]map[string]string, 0, len(items))
	for _, item := range items {
		fields, err := flatten(item)
		if err != nil {
			return nil, nil, err
		}
		h.merge(fields)
		row := make(map[string]string, len(fields))
		for _, f := range fields {
			row[f.key] = f.cell
		}
		rows = append(rows, row)
	}
	return h.keys, rows, nil
}

// zeroElement is the JSON of a zero element of data's list type, for the header of a list
// that may be empty.
func zeroElement(data any) (json.RawMessage, bool) {
	t := reflect.TypeOf(data)
	if t == nil || (t.Kind() != reflect.Slice && t.Kind() != reflect.Array) {
		return nil, false
	}
	elem := t.Elem()
	var v reflect.Value
	if elem.Kind() == reflect.Pointer {
		v = reflect.New(elem.Elem())
	} else {
		v = reflect.Zero(elem)
	}
	raw, err := json.Marshal(v.Interface())
	if err != nil || firstByte(raw) != '{' {
		return nil, false
	}
	return raw, true
}

type cellField struct{ key, cell string }

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
			*out = append(*out, cellField{key, cell})
		default:
			cell, err := scalarCell(v)
			if err != nil {
				return err
			}
			*out = append(*out, cellField{key, cell})
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
