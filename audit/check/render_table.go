package check

import (
	"strings"

	"github.com/adkit-dev/adkit/internal/output"
)

// Table lays a report out one object per row, for a terminal or for `cut`: the account
// (or the DN of an object without one), the detail, and the path as group names.
func (r *Report) Table() output.Table {
	t := output.Table{Header: []string{"Severity", "Check", "Account", "Detail", "Path"}}
	for _, f := range r.Findings {
		for _, o := range f.Objects {
			t.AddRow(f.Severity.String(), f.Check, displayName(o), o.Shown(), pathNames(o.Path))
		}
	}
	return t
}

// CSV lays a report out one object per row with every field, DNs in full.
func (r *Report) CSV() output.Table {
	t := output.Table{Header: []string{"check", "severity", "title", "dn", "sam_account_name", "detail", "path"}}
	for _, f := range r.Findings {
		for _, o := range f.Objects {
			t.AddRow(f.Check, f.Severity.String(), f.Title, o.DN, o.SAMAccountName, o.Detail, strings.Join(o.Path, " > "))
		}
	}
	return t
}

// CatalogTable lists checks for `audit checks`.
func CatalogTable(checks []Check) output.Table {
	t := output.Table{Header: []string{"ID", "Severity", "Finds"}}
	for _, c := range checks {
		t.AddRow(c.ID, c.Severity.String(), c.Title)
	}
	return t
}

// Table lays a diff out one change per row.
func (d *Diff) Table() output.Table {
	t := output.Table{Header: []string{"Change", "Group", "Account", "Detail", "DN"}}
	for _, c := range d.Changes {
		t.AddRow(c.Change, c.Group, c.SAMAccountName, c.Describe(), c.DN)
	}
	return t
}

func displayName(o Object) string {
	if o.SAMAccountName != "" {
		return o.SAMAccountName
	}
	return o.DN
}

// pathNames shows a path by group names: "Domain Admins > IT Admins".
func pathNames(path []string) string {
	names := make([]string, len(path))
	for i, dn := range path {
		names[i] = commonName(dn)
	}
	return strings.Join(names, " > ")
}
