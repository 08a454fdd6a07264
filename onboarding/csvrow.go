package onboarding

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// dateLayout is the only date form accepted: 03/04/2025 is 3 April in most of the world and
// March 4 in the US, and an account that expires a month early or late is worse than a row
// sent back to HR.
const dateLayout = "2006-01-02"

// headerIndex says, for each template field key, which cell holds it and what the file calls it.
type headerIndex map[string]struct {
	col  int
	name string
}

// mapHeader finds the template's columns in the header, ignoring case and extra spaces.
// It returns the optional fields that are absent.
func mapHeader(header []string, headerRow int, cols Columns) (headerIndex, []string, error) {
	where := map[string][]int{}
	for i, h := range header {
		if k := strings.ToLower(collapseSpace(h)); k != "" {
			where[k] = append(where[k], i)
		}
	}
	idx := headerIndex{}
	var missing, absentRequired, problems []string
	for _, f := range cols.fields() {
		name := collapseSpace(f.header)
		if name == "" {
			continue // the template switched this column off
		}
		found := where[strings.ToLower(name)]
		switch {
		case len(found) == 0 && f.required:
			absentRequired = append(absentRequired, fmt.Sprintf("%q (columns.%s)", name, f.key))
		case len(found) == 0:
			missing = append(missing, f.key)
		case len(found) > 1:
			problems = append(problems, fmt.Sprintf("the header (row %d) has the column %q %d times (cells %s); keep one",
				headerRow, name, len(found), cellList(found)))
		default:
			idx[f.key] = struct {
				col  int
				name string
			}{found[0], header[found[0]]}
		}
	}
	if len(absentRequired) > 0 {
		msg := fmt.Sprintf("the header (row %d) has no %s column; the columns it has are: %s. "+
			"Rename the column in the file or map it under columns: in the template",
			headerRow, joinOr(absentRequired), quoteList(header))
		problems = append([]string{msg}, problems...)
	}
	if len(problems) > 0 {
		return nil, nil, &InputError{What: "CSV file", Problems: problems}
	}
	return idx, missing, nil
}

func cellList(cols []int) string {
	s := make([]string, len(cols))
	for i, c := range cols {
		s[i] = fmt.Sprint(c + 1)
	}
	return strings.Join(s, ", ")
}

// quoteList quotes the header cells for a message, shortened: a file that is not CSV at all
// has one enormous "header cell", and the admin needs a hint, not the file.
func quoteList(items []string) string {
	const maxItems, maxLen = 30, 40
	var q []string
	for _, it := range items {
		if it == "" {
			continue
		}
		if len(q) == maxItems {
			q = append(q, fmt.Sprintf("and %d more", len(items)-maxItems))
			break
		}
		if r := []rune(it); len(r) > maxLen {
			it = string(r[:maxLen]) + "…"
		}
		q = append(q, fmt.Sprintf("%q", it))
	}
	if len(q) == 0 {
		return "(none)"
	}
	return strings.Join(q, ", ")
}

// joinOr joins items as "a", "a or b", "a, b or c".
func joinOr(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// fillRow copies the mapped cells into row and records what is wrong with them.
func fillRow(row *Row, rec []string, idx headerIndex, cols Columns) {
	values := map[string]string{}
	for _, f := range cols.fields() {
		h, ok := idx[f.key]
		if !ok {
			continue
		}
		v := cleanText(rec[h.col])
		values[f.key] = v
		switch {
		case v == "" && f.required:
			row.Problems = append(row.Problems, h.name+" is empty")
		case hasControl(v):
			row.Problems = append(row.Problems, h.name+" contains a control character")
		case f.maxLen > 0 && len([]rune(v)) > f.maxLen:
			row.Problems = append(row.Problems, fmt.Sprintf("%s is %d characters long; the directory allows at most %d",
				h.name, len([]rune(v)), f.maxLen))
		}
	}
	row.GivenName = values["given_name"]
	row.Surname = values["surname"]
	row.PreferredName = values["preferred_name"]
	row.EmployeeID = values["employee_id"]
	row.Department = values["department"]
	row.Title = values["title"]
	row.ManagerEmail = values["manager"]
	row.Location = values["location"]
	row.StartDate = parseDate(row, values["start_date"], idx["start_date"].name)
	row.EndDate = parseDate(row, values["end_date"], idx["end_date"].name)
	if row.StartDate != nil && row.EndDate != nil && row.EndDate.Before(*row.StartDate) {
		row.Problems = append(row.Problems, fmt.Sprintf("%s %s is before %s %s",
			idx["end_date"].name, row.EndDate.Format(dateLayout), idx["start_date"].name, row.StartDate.Format(dateLayout)))
	}
	if m := row.ManagerEmail; m != "" && !isMailAddress(m) {
		row.Problems = append(row.Problems, fmt.Sprintf("%s %q is not an email address such as jane.doe@example.com", idx["manager"].name, m))
	}
}

func parseDate(row *Row, v, name string) *time.Time {
	if v == "" {
		return nil
	}
	t, err := time.Parse(dateLayout, v)
	if err != nil {
		row.Problems = append(row.Problems, fmt.Sprintf("%s %q is not a date in the form YYYY-MM-DD (such as 2025-03-31); "+
			"other forms are refused because 03/04/2025 is 3 April in some countries and March 4 in others", name, v))
		return nil
	}
	return &t
}

// isMailAddress accepts a bare address only: "Jane <jane@x>" in a manager column is a sign
// the column holds something else.
func isMailAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

// markDuplicates finds employee IDs used on more than one row. A repeat with the same data is
// harmless and marked DuplicateOf; with different data nobody can tell which row is right,
// so every row involved gets a problem naming the other. IDs are compared without regard to
// case, as AD compares employeeID.
func markDuplicates(rows []Row, cols Columns) {
	first := map[string]int{}
	for i := range rows {
		r := &rows[i]
		if r.EmployeeID == "" {
			continue
		}
		key := strings.ToLower(r.EmployeeID)
		j, seen := first[key]
		if !seen {
			first[key] = i
			continue
		}
		orig := &rows[j]
		label, was, is, differ := firstDifference(orig, r, cols)
		if !differ {
			r.DuplicateOf = orig.Line
			continue
		}
		r.Problems = append(r.Problems, fmt.Sprintf("%s %s is also on row %d with a different %s (%q there, %q here); each person must have one row",
			cols.EmployeeID, r.EmployeeID, orig.Line, label, was, is))
		orig.Problems = append(orig.Problems, fmt.Sprintf("%s %s is also on row %d with a different %s (%q here, %q there); each person must have one row",
			cols.EmployeeID, orig.EmployeeID, r.Line, label, was, is))
	}
}

// firstDifference names the first field in which two rows differ, ignoring case.
func firstDifference(a, b *Row, cols Columns) (label, av, bv string, differ bool) {
	pairs := []struct{ label, a, b string }{
		{cols.GivenName, a.GivenName, b.GivenName},
		{cols.Surname, a.Surname, b.Surname},
		{cols.PreferredName, a.PreferredName, b.PreferredName},
		{cols.Department, a.Department, b.Department},
		{cols.Title, a.Title, b.Title},
		{cols.Manager, a.ManagerEmail, b.ManagerEmail},
		{cols.Location, a.Location, b.Location},
		{cols.StartDate, formatDate(a.StartDate), formatDate(b.StartDate)},
		{cols.EndDate, formatDate(a.EndDate), formatDate(b.EndDate)},
	}
	for _, p := range pairs {
		if !strings.EqualFold(p.a, p.b) {
			return p.label, p.a, p.b, true
		}
	}
	return "", "", "", false
}

func formatDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(dateLayout)
}
