package onboarding

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// planner holds one planning run: the rows, the entries being decided, and what the
// directory said. Entries start as create (or invalid, or a duplicate to settle at the end)
// and each step may turn a create into a skip or an invalid.
type planner struct {
	tpl     *Template
	dir     Directory
	rows    []Row
	entries []Entry
	users   nameGenerator
	mails   *nameGenerator // nil when the template sets no mail_domain
	// noManager holds the entries of existing accounts that have no manager: apply may
	// finish them by setting the row's manager.
	noManager map[int]bool
	// collided holds the entries that could not have a name because the directory had it.
	collided map[int]bool
	// extraWarnings are about the template, found while planning.
	extraWarnings []string
	// entraOnly, set by CheckCloudNames (hybrid mode), is where the entra: section is
	// checked; only that section is.
	entraOnly CloudCatalogue
}

func newPlanner(sheet *Sheet, tpl *Template, dir Directory) (*planner, error) {
	p := &planner{tpl: tpl, dir: dir, rows: sheet.Rows, entries: make([]Entry, len(sheet.Rows)),
		noManager: map[int]bool{}, collided: map[int]bool{}}
	users, err := usernameGenerator(tpl)
	if err != nil {
		return nil, err
	}
	p.users = users
	if tpl.MailDomain != "" {
		pat, err := compilePattern(tpl.MailPattern)
		if err != nil {
			return nil, fmt.Errorf("plan onboarding: mail pattern %q: %w", tpl.MailPattern, err)
		}
		p.mails = &nameGenerator{patterns: []pattern{pat}, max: mailLocalMax}
	}
	for i := range p.rows {
		p.entries[i] = p.startEntry(&p.rows[i])
	}
	return p, nil
}

func (p *planner) startEntry(r *Row) Entry {
	e := Entry{
		Row:          r.Line,
		EmployeeID:   r.EmployeeID,
		Groups:       []string{},
		DisplayName:  displayName(r),
		GivenName:    r.GivenName,
		Surname:      r.Surname,
		Department:   r.Department,
		Title:        r.Title,
		Location:     r.Location,
		ManagerEmail: r.ManagerEmail,
		StartDate:    formatDate(r.StartDate),
		EndDate:      formatDate(r.EndDate),
	}
	switch {
	case len(r.Problems) > 0:
		e.Action = ActionInvalid
		e.Reason = strings.Join(r.Problems, "; ")
	case r.DuplicateOf > 0:
		e.Action = ActionSkip // settled by finishDuplicates, once the original's fate is known
	default:
		e.Action = ActionCreate
		e.OU = p.tpl.OUFor(r.Department)
		e.Groups = p.tpl.GroupsFor(r.Department, r.Title)
		if r.EndDate != nil {
			end := r.EndDate.AddDate(0, 0, 1)
			e.AccountExpires = &end
		}
	}
	return e
}

// creating returns the indexes of the entries still planned for creation, in file order.
func (p *planner) creating() []int {
	var out []int
	for i := range p.entries {
		if p.entries[i].Action == ActionCreate {
			out = append(out, i)
		}
	}
	return out
}

func (p *planner) invalidate(i int, reason string) {
	e := &p.entries[i]
	e.Action = ActionInvalid
	e.Reason = reason
	e.SAMAccountName, e.UserPrincipalName, e.DN, e.Mail = "", "", "", ""
	e.Groups = []string{}
	e.Warnings = nil
}

func (p *planner) warn(i int, msg string) {
	e := &p.entries[i]
	e.Warnings = append(e.Warnings, msg)
	e.Reason = strings.Join(e.Warnings, "; ")
}

// skipExisting makes the spec's guarantee: an employee ID that has an account is not created
// again. The entry keeps the template's groups so that apply can finish a half-done row.
func (p *planner) skipExisting(ctx context.Context) error {
	return p.skipIfExisting(ctx, p.creating())
}

// recheckCollided asks once more about the employee IDs of the rows whose names the
// directory had taken. If a DC was still carrying out an earlier, interrupted run's create
// while this plan was made, the first look-up missed the account but the name checks saw its
// names: without this the person would get a second account under numbered names.
func (p *planner) recheckCollided(ctx context.Context) error {
	var idx []int
	for _, i := range p.creating() {
		if p.collided[i] {
			idx = append(idx, i)
		}
	}
	return p.skipIfExisting(ctx, idx)
}

// skipIfExisting turns the entries (indexes) whose employee ID has an account into skips.
func (p *planner) skipIfExisting(ctx context.Context, idx []int) error {
	if len(idx) == 0 {
		return nil
	}
	ids := make([]string, 0, len(idx))
	for _, i := range idx {
		ids = append(ids, p.entries[i].EmployeeID)
	}
	found, err := p.dir.ExistingByEmployeeID(ctx, uniqueFold(ids))
	if err != nil {
		return fmt.Errorf("look up existing accounts by employee ID: %w", err)
	}
	existing := lowerKeys(found)
	for _, i := range idx {
		e := &p.entries[i]
		u := existing[strings.ToLower(e.EmployeeID)]
		if u == nil {
			continue
		}
		e.Action = ActionSkip
		e.SAMAccountName, e.UserPrincipalName, e.DN, e.Mail = u.SAMAccountName, u.UserPrincipalName, u.DN, u.Mail
		e.OU, e.AccountExpires, e.Warnings = "", nil, nil
		e.Reason = fmt.Sprintf("employee ID %s already has an account: %s (%s)", e.EmployeeID, u.Name(), u.DN)
		if u.Manager == "" {
			p.noManager[i] = true
		}
	}
	return nil
}

// finishDuplicates settles rows that repeat an earlier row: they are done once, through the
// original, and are invalid if the original is.
func (p *planner) finishDuplicates() {
	byLine := map[int]int{}
	for i := range p.entries {
		byLine[p.entries[i].Row] = i
	}
	for i, r := range p.rows {
		if r.DuplicateOf == 0 || len(r.Problems) > 0 {
			continue
		}
		orig := p.entries[byLine[r.DuplicateOf]]
		if orig.Action == ActionInvalid {
			p.invalidate(i, fmt.Sprintf("same as row %d, which is invalid: %s", r.DuplicateOf, orig.Reason))
			continue
		}
		p.entries[i].Reason = fmt.Sprintf("duplicate of row %d (same employee ID and data); the person is handled once, on row %d",
			r.DuplicateOf, r.DuplicateOf)
	}
}

// warnings gathers the file's warnings and the rows', prefixed with their row numbers.
func (p *planner) warnings(sheet *Sheet) []string {
	out := append([]string{}, sheet.Warnings...)
	out = append(out, p.columnWarnings(sheet)...)
	out = append(out, p.extraWarnings...)
	for _, e := range p.entries {
		for _, w := range e.Warnings {
			out = append(out, fmt.Sprintf("row %d: %s", e.Row, w))
		}
	}
	return append(out, p.departmentWarnings()...)
}

// columnWarnings speak up when the template routes by a column the file does not have,
// since every account would then quietly land in ou.default with only groups.all.
func (p *planner) columnWarnings(sheet *Sheet) []string {
	var out []string
	missing := map[string]bool{}
	for _, m := range sheet.Missing {
		missing[m] = true
	}
	if missing["department"] && (len(p.tpl.OU.ByDepartment) > 0 || len(p.tpl.Groups.ByDepartment) > 0) {
		out = append(out, fmt.Sprintf("the CSV file has no %q column, so ou.by_department and groups.by_department do not apply: "+
			"every account goes to %s", p.tpl.Columns.Department, p.tpl.OU.Default))
	}
	if missing["title"] && len(p.tpl.Groups.ByTitle) > 0 {
		out = append(out, fmt.Sprintf("the CSV file has no %q column, so groups.by_title does not apply", p.tpl.Columns.Title))
	}
	return out
}

// departmentWarnings name departments that ou.by_department does not list — usually a
// spelling difference between HR and the template.
func (p *planner) departmentWarnings() []string {
	if len(p.tpl.OU.ByDepartment) == 0 {
		return nil
	}
	rowsOf := map[string][]string{}
	var order []string
	for _, e := range p.entries {
		if e.Action != ActionCreate || e.Department == "" {
			continue
		}
		if _, ok := lookupFold(p.tpl.OU.ByDepartment, e.Department); ok {
			continue
		}
		if _, seen := rowsOf[e.Department]; !seen {
			order = append(order, e.Department)
		}
		rowsOf[e.Department] = append(rowsOf[e.Department], fmt.Sprint(e.Row))
	}
	var out []string
	for _, d := range order {
		rows := "rows " + strings.Join(rowsOf[d], ", ")
		if len(rowsOf[d]) == 1 {
			rows = "row " + rowsOf[d][0]
		}
		out = append(out, fmt.Sprintf("department %q (%s) is not in ou.by_department; it goes to %s",
			d, rows, p.tpl.OU.Default))
	}
	return out
}

// uniqueFold sorts items and drops repeats that differ only in case, keeping the first
// spelling: a deterministic request whatever the file's order.
func uniqueFold(items []string) []string {
	set := map[string]bool{}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if k := strings.ToLower(it); !set[k] {
			set[k] = true
			out = append(out, it)
		}
	}
	sort.Strings(out)
	return out
}

// lowerKeys lower-cases a map's keys, so an implementation may answer in any case.
func lowerKeys[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// usernameGenerator compiles the template's username patterns.
func usernameGenerator(tpl *Template) (nameGenerator, error) {
	g := nameGenerator{max: tpl.Username.MaxLength}
	for _, src := range tpl.Username.Patterns {
		pat, err := compilePattern(src)
		if err != nil { // Validate has checked them; this is a guard, not a message for admins
			return g, fmt.Errorf("plan onboarding: username pattern %q: %w", src, err)
		}
		g.patterns = append(g.patterns, pat)
	}
	return g, nil
}
