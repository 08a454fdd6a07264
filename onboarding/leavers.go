package onboarding

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
)

// LeaverColumns names the columns of a leavers file. A file needs at least one of them; a row
// needs at least one value, and when it has several they must all name the same account.
type LeaverColumns struct {
	EmployeeID string   // the template's columns.employee_id ("Employee ID")
	Username   []string // headers accepted for the logon name (sAMAccountName)
	Email      []string // headers accepted for the email address (mail, UPN or proxy address)
}

// DefaultLeaverColumns takes the employee ID header from the template's columns and accepts
// the usual headers of HR and ticketing exports for the other two (the defaults of the
// template's offboard.columns; Template.LeaverColumns gives a template's own).
func DefaultLeaverColumns(cols Columns) LeaverColumns {
	h := DefaultLeaverHeaders()
	return LeaverColumns{EmployeeID: cols.EmployeeID, Username: h.Username, Email: h.Email}
}

// Leaver is one person to offboard: a row of a leavers file, or a USER argument.
type Leaver struct {
	Row        int // the CSV row as Excel numbers it (header = 1), or the argument's position
	EmployeeID string
	Username   string
	Email      string
	Ident      string // a USER argument: any name an account is found by
	Problems   []string
}

// LeaverSheet is a leavers file read and checked, or the USER arguments.
type LeaverSheet struct {
	Leavers  []Leaver
	Encoding string
	Warnings []string
}

// LeaversFromArgs makes a sheet of USER arguments, numbered from 1.
func LeaversFromArgs(idents []string) *LeaverSheet {
	s := &LeaverSheet{}
	for i, id := range idents {
		l := Leaver{Row: i + 1, Ident: strings.TrimSpace(id)}
		if l.Ident == "" {
			l.Problems = []string{"the account name is empty"}
		}
		s.Leavers = append(s.Leavers, l)
	}
	return s
}

// ReadLeaversCSV reads a leavers file with the robustness of ReadCSV: Excel's encodings and
// delimiters, row numbers as Excel shows them, a file-level *InputError (exit 2) only when
// nothing can be read, and a bad row's problems kept on the row.
func ReadLeaversCSV(r io.Reader, cols LeaverColumns) (*LeaverSheet, error) {
	fail := fileProblem("leavers file")
	text, enc, _, err := readText(r, fail)
	if err != nil {
		return nil, err
	}
	sheet := &LeaverSheet{Encoding: enc}
	if enc == EncodingWindows1252 {
		sheet.Warnings = append(sheet.Warnings, "the leavers file is not UTF-8; it was read as Windows-1252 (Western European)")
	}
	delim := sniffDelimiter(text)
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma, cr.FieldsPerRecord = delim, -1
	var rows rowCounter
	header, err := rows.read(cr)
	if errors.Is(err, io.EOF) {
		return nil, fail("it is empty; the first row must be the header, with a column such as %q", cols.EmployeeID)
	}
	if err != nil {
		return nil, err
	}
	idx, err := leaverHeader(header, rows.row, cols)
	if err != nil {
		return nil, err
	}
	err = rows.each(cr, func(rec []string) {
		l := Leaver{Row: rows.row}
		if len(rec) != len(header) {
			l.Problems = append(l.Problems, fmt.Sprintf("the row has %d cells but the header has %d; look for an unquoted %q or a missing quote",
				len(rec), len(header), string(delim)))
		} else {
			idx.fill(&l, rec)
		}
		sheet.Leavers = append(sheet.Leavers, l)
	})
	if err != nil {
		return nil, err
	}
	if len(sheet.Leavers) == 0 {
		sheet.Warnings = append(sheet.Warnings, "the leavers file has a header but no data rows")
	}
	return sheet, nil
}

// leaverIndex is where each identifying column is (-1: absent) and what the file calls it.
type leaverIndex struct {
	col  [3]int
	name [3]string
}

const (
	colEmployeeID = iota
	colUsername
	colEmail
)

func leaverHeader(header []string, headerRow int, cols LeaverColumns) (leaverIndex, error) {
	where := map[string][]int{}
	for i, h := range header {
		if k := strings.ToLower(collapseSpace(h)); k != "" {
			where[k] = append(where[k], i)
		}
	}
	idx := leaverIndex{col: [3]int{-1, -1, -1}}
	var problems, wanted []string
	for f, names := range [3][]string{{cols.EmployeeID}, cols.Username, cols.Email} {
		for _, n := range names {
			n = collapseSpace(n)
			if n == "" {
				continue
			}
			wanted = append(wanted, strconv.Quote(n))
			found := where[strings.ToLower(n)]
			switch {
			case len(found) == 0:
			case len(found) > 1:
				problems = append(problems, fmt.Sprintf("the header (row %d) has the column %q %d times (cells %s); keep one", headerRow, n, len(found), cellList(found)))
			case idx.col[f] >= 0:
				a, b := idx.col[f], found[0]
				problems = append(problems, fmt.Sprintf("the header (row %d) has both %q and %q, which mean the same; keep one",
					headerRow, collapseSpace(header[min(a, b)]), collapseSpace(header[max(a, b)])))
			default:
				idx.col[f], idx.name[f] = found[0], collapseSpace(header[found[0]])
			}
		}
	}
	if idx.col == [3]int{-1, -1, -1} {
		problems = append(problems, fmt.Sprintf("the header (row %d) has no column naming the leavers: it needs one of %s; the columns it has are: %s",
			headerRow, joinOr(wanted), quoteList(header)))
	}
	if len(problems) > 0 {
		return idx, &InputError{What: "leavers file", Problems: problems}
	}
	return idx, nil
}

func (idx leaverIndex) fill(l *Leaver, rec []string) {
	var v [3]string
	var named []string
	for f, c := range idx.col {
		if c < 0 {
			continue
		}
		v[f] = cleanText(rec[c])
		named = append(named, idx.name[f])
		if hasControl(v[f]) {
			l.Problems = append(l.Problems, idx.name[f]+" contains a control character")
		}
	}
	l.EmployeeID, l.Username, l.Email = v[colEmployeeID], v[colUsername], v[colEmail]
	if l.EmployeeID == "" && l.Username == "" && l.Email == "" {
		l.Problems = append(l.Problems, "the row names nobody: "+joinOr(named)+" is empty")
	}
	if l.Email != "" && !isMailAddress(l.Email) {
		l.Problems = append(l.Problems, fmt.Sprintf("%s %q is not an email address such as jane.doe@example.com", idx.name[colEmail], l.Email))
	}
}

// LeaverDirectory is what planning leavers reads. The batched lookups return every account a
// key matches, keyed by the key in lower case, so that a key shared by two accounts is seen.
type LeaverDirectory interface {
	UsersByEmployeeID(ctx context.Context, ids []string) (map[string][]*directory.User, error)
	// UsersByLogonName: a name without "@" is a sAMAccountName; with "@" a UPN, mail or proxy address.
	UsersByLogonName(ctx context.Context, names []string) (map[string][]*directory.User, error)
	// User finds one account by any accepted name (a USER argument).
	User(ctx context.Context, ident string) (*directory.User, error)
	// GroupDNs resolves group names to DNs; an unknown name is an error.
	GroupDNs(ctx context.Context, names []string) ([]string, error)
	// CheckOU says whether an OU exists: nil, or an error wrapping directory.ErrNotFound.
	CheckOU(ctx context.Context, dn string) error
}

// LeaverRules is the template's offboard: section (or the flags that replace it).
type LeaverRules struct {
	DisabledOU string   // "" : leavers stay where they are
	KeepGroups []string // group names whose membership leavers keep
}

// Leaver plan actions, besides ActionSkip and ActionInvalid.
const (
	ActionOffboard = "offboard"
	ActionNotFound = "not_found"
)

// LeaverEntry is the plan for one leaver. The JSON names are part of the public contract.
type LeaverEntry struct {
	Row            int      `json:"row"`
	EmployeeID     string   `json:"employee_id"`
	SAMAccountName string   `json:"sam_account_name"`
	DN             string   `json:"dn"`
	Action         string   `json:"action"` // offboard, skip, invalid, not_found
	GroupsToRemove []string `json:"groups_to_remove"`
	Reason         string   `json:"reason"`
	Input          string   `json:"input"` // what the row or argument named
	Enabled        bool     `json:"enabled"`
	MoveTo         string   `json:"move_to,omitempty"` // the leavers OU, when the account is not in it yet
	// User is the account as planned, for apply.
	User *directory.User `json:"-"`
}

// LeaverPlan is the plan for every leaver, in input order.
type LeaverPlan struct {
	Entries    []LeaverEntry `json:"entries"`
	DisabledOU string        `json:"disabled_ou"`
	KeepGroups []string      `json:"keep_groups"` // DNs
}

// Counts returns how many entries have each action.
func (p *LeaverPlan) Counts() map[string]int {
	c := map[string]int{ActionOffboard: 0, ActionSkip: 0, ActionInvalid: 0, ActionNotFound: 0}
	for _, e := range p.Entries {
		c[e.Action]++
	}
	return c
}

// PlanLeavers finds each leaver's account — the file's in two batched lookups, USER arguments
// one by one — and decides: offboard; skip when there is nothing left to do (disabled, in the
// leavers OU if there is one, in no group but the kept ones) or when an earlier entry is the
// same account; invalid when the input is bad, names several accounts, disagrees with itself,
// or names a built-in account; not_found. It changes nothing. An error means the directory
// could not be read, or a kept group or the leavers OU is unknown (before any row is looked at).
func PlanLeavers(ctx context.Context, sheet *LeaverSheet, rules LeaverRules, dir LeaverDirectory) (*LeaverPlan, error) {
	if rules.DisabledOU != "" {
		if _, err := ldap.ParseDN(rules.DisabledOU); err != nil {
			return nil, fmt.Errorf("%w: leavers OU %q is not a distinguished name: %v", directory.ErrInvalidInput, rules.DisabledOU, err)
		}
		if err := dir.CheckOU(ctx, rules.DisabledOU); err != nil {
			return nil, fmt.Errorf("leavers OU: %w", err)
		}
	}
	keep, err := dir.GroupDNs(ctx, rules.KeepGroups)
	if err != nil {
		return nil, err
	}
	found, err := lookUpLeavers(ctx, sheet, dir)
	if err != nil {
		return nil, fmt.Errorf("plan leavers: %w", err)
	}
	plan := &LeaverPlan{DisabledOU: rules.DisabledOU, KeepGroups: keep}
	seen := map[string]int{} // lower-case DN (Entra ID: object id) → row
	for _, l := range sheet.Leavers {
		e := LeaverEntry{Row: l.Row, EmployeeID: l.EmployeeID, Input: l.input(), GroupsToRemove: []string{}}
		u, action, reason := found.account(l)
		switch {
		case u == nil:
			e.Action, e.Reason = action, reason
		case builtIn(u):
			e.Action, e.Reason = ActionInvalid, fmt.Sprintf("%s is a built-in account (%s); adkit does not offboard it", u.Name(), u.ObjectSID)
		default:
			e.fill(u, plan)
			key := u.DN
			if key == "" { // Entra ID: no DNs
				key = u.ID
			}
			if row, dup := seen[strings.ToLower(key)]; dup {
				e.Action, e.Reason = ActionSkip, fmt.Sprintf("same account as row %d", row)
			} else {
				seen[strings.ToLower(key)] = l.Row
			}
		}
		plan.Entries = append(plan.Entries, e)
	}
	return plan, nil
}

func (e *LeaverEntry) fill(u *directory.User, plan *LeaverPlan) {
	e.User, e.SAMAccountName, e.DN, e.Enabled = u, u.SAMAccountName, u.DN, u.Enabled
	if e.EmployeeID == "" {
		e.EmployeeID = u.EmployeeID
	}
	for _, g := range u.MemberOf {
		if !containsDN(plan.KeepGroups, g) {
			e.GroupsToRemove = append(e.GroupsToRemove, g)
		}
	}
	if plan.DisabledOU != "" && !inOU(u.DN, plan.DisabledOU) {
		e.MoveTo = plan.DisabledOU
	}
	if !u.Enabled && e.MoveTo == "" && len(e.GroupsToRemove) == 0 {
		e.Action, e.Reason = ActionSkip, "already offboarded: disabled"
		if plan.DisabledOU != "" {
			e.Reason += ", in the leavers OU"
		}
		e.Reason += ", in no group that is not kept"
		return
	}
	e.Action = ActionOffboard
	var notes []string
	if !u.Enabled {
		notes = append(notes, "already disabled; the rest is still to do")
	}
	if u.PrimaryGroupID != 0 && u.PrimaryGroupID != domainUsersRID {
		notes = append(notes, fmt.Sprintf("its primary group (RID %d) stays: AD does not remove an account from its primary group", u.PrimaryGroupID))
	}
	e.Reason = strings.Join(notes, "; ")
}

// domainUsersRID is the primary group of almost every account.
const domainUsersRID = 513

func (l Leaver) input() string {
	if l.Ident != "" {
		return l.Ident
	}
	var parts []string
	for _, v := range []string{l.EmployeeID, l.Username, l.Email} {
		if v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " / ")
}

// leaverLookups holds what the directory said about every key of the input.
type leaverLookups struct {
	byID, byName map[string][]*directory.User
	byArg        map[string]*directory.User
	argErr       map[string]error
}

func lookUpLeavers(ctx context.Context, sheet *LeaverSheet, dir LeaverDirectory) (*leaverLookups, error) {
	f := &leaverLookups{byArg: map[string]*directory.User{}, argErr: map[string]error{}}
	var ids, names []string
	for _, l := range sheet.Leavers {
		if len(l.Problems) > 0 {
			continue
		}
		if l.Ident != "" {
			if _, done := f.byArg[l.Ident]; done || f.argErr[l.Ident] != nil {
				continue
			}
			u, err := dir.User(ctx, l.Ident)
			if err != nil && !errors.Is(err, directory.ErrNotFound) {
				return nil, err
			}
			f.byArg[l.Ident], f.argErr[l.Ident] = u, err
			continue
		}
		ids = appendNonEmpty(ids, l.EmployeeID)
		names = appendNonEmpty(appendNonEmpty(names, l.Username), l.Email)
	}
	var err error
	if f.byID, err = dir.UsersByEmployeeID(ctx, uniqueFold(ids)); err != nil {
		return nil, err
	}
	if f.byName, err = dir.UsersByLogonName(ctx, uniqueFold(names)); err != nil {
		return nil, err
	}
	return f, nil
}

// account decides which account a leaver is, or why none.
func (f *leaverLookups) account(l Leaver) (*directory.User, string, string) {
	if len(l.Problems) > 0 {
		return nil, ActionInvalid, strings.Join(l.Problems, "; ")
	}
	if l.Ident != "" {
		var amb *directory.AmbiguousError
		switch err := f.argErr[l.Ident]; {
		case errors.As(err, &amb):
			return nil, ActionInvalid, err.Error()
		case err != nil:
			return nil, ActionNotFound, err.Error()
		}
		return f.byArg[l.Ident], "", ""
	}
	keys := []struct {
		label, value string
		matches      []*directory.User
	}{
		{"employee ID", l.EmployeeID, f.byID[strings.ToLower(l.EmployeeID)]},
		{"username", l.Username, f.byName[strings.ToLower(l.Username)]},
		{"email", l.Email, f.byName[strings.ToLower(l.Email)]},
	}
	var u *directory.User
	var named []string
	for _, k := range keys {
		if k.value == "" {
			continue
		}
		named = append(named, k.label+" "+k.value)
		if len(k.matches) > 1 {
			return nil, ActionInvalid, fmt.Sprintf("%s %s matches %d accounts (%s); name the account by its username instead",
				k.label, k.value, len(k.matches), userNames(k.matches))
		}
		if len(k.matches) == 1 {
			if u != nil && !strings.EqualFold(u.DN+u.ID, k.matches[0].DN+k.matches[0].ID) {
				return nil, ActionInvalid, fmt.Sprintf("the row names two people: %s is %s, but %s is %s",
					named[0], u.Name(), k.label+" "+k.value, k.matches[0].Name())
			}
			u = k.matches[0]
		}
	}
	if u == nil {
		return nil, ActionNotFound, "no account has " + joinOr(named)
	}
	// A key that found nothing must not contradict the account the others found.
	for _, k := range keys {
		if k.value == "" || len(k.matches) > 0 {
			continue
		}
		if have := accountValue(u, k.label); have != "" {
			return nil, ActionInvalid, fmt.Sprintf("the row's %s is %s, but the account %s found by the rest of the row has %s",
				k.label, k.value, u.Name(), have)
		}
	}
	return u, "", ""
}

// accountValue is what an account holds for a leaver key that did not match it.
func accountValue(u *directory.User, label string) string {
	switch label {
	case "employee ID":
		return u.EmployeeID
	case "email":
		return u.Mail
	}
	return u.SAMAccountName
}

// builtIn is true for the domain's well-known accounts (Administrator, Guest, krbtgt...),
// whose RIDs are below 1000: a typo in a leavers file must not disable them.
func builtIn(u *directory.User) bool {
	i := strings.LastIndex(u.ObjectSID, "-")
	if i < 0 {
		return false
	}
	rid, err := strconv.Atoi(u.ObjectSID[i+1:])
	return err == nil && rid < 1000
}

func userNames(users []*directory.User) string {
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Name()
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func appendNonEmpty(list []string, v string) []string {
	if v == "" {
		return list
	}
	return append(list, v)
}

func containsDN(list []string, dn string) bool {
	for _, d := range list {
		if sameDN(d, dn) {
			return true
		}
	}
	return false
}

func sameDN(a, b string) bool {
	da, err1 := ldap.ParseDN(a)
	db, err2 := ldap.ParseDN(b)
	if err1 != nil || err2 != nil {
		return strings.EqualFold(a, b)
	}
	return da.EqualFold(db)
}

// inOU reports whether dn is directly in ou.
func inOU(dn, ou string) bool {
	d, err1 := ldap.ParseDN(dn)
	o, err2 := ldap.ParseDN(ou)
	if err1 != nil || err2 != nil || len(d.RDNs) != len(o.RDNs)+1 {
		return false
	}
	return (&ldap.DN{RDNs: d.RDNs[1:]}).EqualFold(o)
}
