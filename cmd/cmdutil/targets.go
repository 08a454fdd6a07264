package cmdutil

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ReadTargets expands the USER or GROUP arguments of a command that takes several: "-" reads
// names from stdin and "@FILE" from a file, one per line; other arguments are names. In a
// list, blank lines and lines starting with "#" are ignored, and so is anything after a tab
// (the plain output of `adkit user search` piped in gives its logon-name column). A list whose
// first line is a CSV header naming sam_account_name, user_principal_name, dn or name (the
// `-o csv` of adkit's own lists) is read as CSV and that column taken, so
// `adkit user search --disabled -o csv | adkit user move - --ou …` works. stdin is read once
// at most; an empty result is a usage error naming where the list came from.
func ReadTargets(stdin io.Reader, args []string) ([]string, error) {
	var out []string
	usedStdin := false
	for _, a := range args {
		var (
			r    io.Reader
			from string
		)
		switch {
		case a == "-":
			if usedStdin {
				return nil, FlagErrorf(`"-" (read the list from stdin) may be given once`)
			}
			usedStdin, r, from = true, stdin, "stdin"
		case strings.HasPrefix(a, "@") && len(a) > 1:
			f, err := os.Open(a[1:])
			if err != nil {
				return nil, &FlagError{Err: fmt.Errorf("read the list %s: %w", a[1:], err)}
			}
			defer f.Close()
			r, from = f, a[1:]
		default:
			out = append(out, a)
			continue
		}
		names, err := parseList(r)
		if err != nil {
			return nil, &FlagError{Err: fmt.Errorf("read the list from %s: %w", from, err)}
		}
		if len(names) == 0 {
			return nil, FlagErrorf("the list from %s names nobody (blank lines and # comments are ignored)", from)
		}
		out = append(out, names...)
	}
	return out, nil
}

// csvColumns are the columns a CSV list is read from, best first.
var csvColumns = []string{"sam_account_name", "user_principal_name", "dn", "name", "target"}

func parseList(r io.Reader) ([]string, error) {
	data, err := io.ReadAll(bufio.NewReader(r))
	if err != nil {
		return nil, err
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return nil, nil
	}
	if col, ok := csvHeaderColumn(lines[0]); ok {
		return csvColumn(strings.Join(lines, "\n"), col)
	}
	out := make([]string, 0, len(lines))
	for _, line := range lines {
		name, _, _ := strings.Cut(line, "\t")
		if name = strings.TrimSpace(name); name != "" {
			out = append(out, name)
		}
	}
	return out, nil
}

// csvHeaderColumn finds, in a line that looks like a CSV header, the column to take.
func csvHeaderColumn(line string) (int, bool) {
	if !strings.Contains(line, ",") {
		return 0, false
	}
	fields, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		return 0, false
	}
	for _, want := range csvColumns {
		for i, f := range fields {
			if strings.EqualFold(strings.TrimSpace(f), want) {
				return i, true
			}
		}
	}
	return 0, false
}

func csvColumn(text string, col int) ([]string, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line %d of the CSV list: %w", pe.Line, pe.Err)
		}
		return nil, err
	}
	var out []string
	for i, row := range rows[1:] {
		if col >= len(row) {
			return nil, fmt.Errorf("row %d of the CSV list has no %s column", i+2, rows[0][col])
		}
		if v := strings.TrimSpace(row[col]); v != "" {
			out = append(out, v)
		}
	}
	return out, nil
}

// NameList says which accounts a question is about: the first few and how many in all,
// "jdoe, asmith, bwayne and 9 more".
func NameList(names []string) string {
	const shown = 5
	if len(names) <= shown {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:shown], ", "), len(names)-shown)
}
