package onboarding

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/adkit-dev/adkit/internal/directory"
)

func readLeavers(t *testing.T, text string) *LeaverSheet {
	t.Helper()
	s, err := ReadLeaversCSV(strings.NewReader(text), DefaultLeaverColumns(DefaultColumns()))
	if err != nil {
		t.Fatalf("ReadLeaversCSV: %v", err)
	}
	return s
}

func TestReadLeaversExcelExport(t *testing.T) {
	// Excel in a European locale: BOM, semicolons, CRLF, header spelt its own way, a blank row,
	// a cell with a line break, and the empty rows it leaves at the end.
	text := "\ufeffemployee id ; E-MAIL;Notes\r\n" +
		"1001;jdoe@corp.example.com;last day Friday\r\n" +
		"\r\n" +
		";;\"moved to\r\npartner company\"\r\n" +
		"1003;not-an-address;\r\n" +
		"1004\x07;;\r\n" +
		"1005;;;extra\r\n" +
		";kim@corp.example.com;\r\n" +
		";;\r\n"
	s := readLeavers(t, text)
	var got []string
	for _, l := range s.Leavers {
		got = append(got, strings.Join([]string{strconv.Itoa(l.Row), l.EmployeeID, l.Email, strings.Join(l.Problems, "|")}, ","))
	}
	want := []string{
		"2,1001,jdoe@corp.example.com,",
		"4,,,the row names nobody: employee id or E-MAIL is empty",
		`5,1003,not-an-address,E-MAIL "not-an-address" is not an email address such as jane.doe@example.com`,
		"6,1004\a,,employee id contains a control character",
		`7,,,the row has 4 cells but the header has 3; look for an unquoted ";" or a missing quote`,
		"8,,kim@corp.example.com,",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("leavers =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if s.Encoding != EncodingUTF8 || len(s.Warnings) != 0 {
		t.Errorf("encoding %s, warnings %v", s.Encoding, s.Warnings)
	}
}

func TestReadLeaversColumnsFromTemplateAndWindows1252(t *testing.T) {
	cols := DefaultColumns()
	cols.EmployeeID = "Personnel No"
	raw, _ := charmap.Windows1252.NewEncoder().String("Personnel No,Username,Name\n77,jmüller,José Müller\n")
	s, err := ReadLeaversCSV(strings.NewReader(raw), DefaultLeaverColumns(cols))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Leavers) != 1 || s.Leavers[0].EmployeeID != "77" || s.Leavers[0].Username != "jmüller" {
		t.Errorf("leavers = %+v, want employee ID 77 from the template's column and jmüller decoded", s.Leavers)
	}
	if s.Encoding != EncodingWindows1252 || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "Windows-1252") {
		t.Errorf("encoding %s, warnings %v: want the guess said out loud", s.Encoding, s.Warnings)
	}
}

func TestReadLeaversRefusesFilesItCannotUse(t *testing.T) {
	for name, tc := range map[string]struct{ text, want string }{
		"no identifying column": {"Name,Department\nJo,Sales\n", `needs one of "Employee ID", "sAMAccountName"`},
		"lists what it has":     {"Name,Department\nJo,Sales\n", `the columns it has are: "Name", "Department"`},
		"two username columns":  {"Username,sAMAccountName\na,a\n", `has both "Username" and "sAMAccountName"`},
		"a column twice":        {"Email,Email\na@b.c,a@b.c\n", `has the column "Email" 2 times (cells 1, 2)`},
		"empty":                 {"", "it is empty"},
		"a workbook":            {"PK\x03\x04rest", "Excel workbook"},
		"bad quoting":           {"Employee ID\n\"12\"3\n", "row 2 is not valid CSV"},
	} {
		_, err := ReadLeaversCSV(strings.NewReader(tc.text), DefaultLeaverColumns(DefaultColumns()))
		var ie *InputError
		if !errors.As(err, &ie) || !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want an InputError containing %q", name, err, tc.want)
		}
	}
}

// TestReadLeaversColumnsFromTemplateKeys: offboard.columns replaces the built-in headers
// for the username and email columns (defaults: the usual ones); the employee ID header is
// still columns.employee_id.
func TestReadLeaversColumnsFromTemplateKeys(t *testing.T) {
	tpl, err := ParseTemplate(strings.NewReader(`upn_suffix: corp.example.com
ou: {default: "OU=Staff,DC=corp,DC=example,DC=com"}
columns: {employee_id: Personnel No}
offboard:
  columns:
    username: [Benutzername]
    email: [Mailadresse, Private Mail]
`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ReadLeaversCSV(strings.NewReader("Personnel No;Benutzername;Mailadresse;Username\n77;jmuller;jm@corp.example.com;ignored\n"), tpl.LeaverColumns())
	if err != nil {
		t.Fatal(err)
	}
	if l := s.Leavers[0]; l.EmployeeID != "77" || l.Username != "jmuller" || l.Email != "jm@corp.example.com" || len(l.Problems) > 0 {
		t.Errorf("leaver = %+v", l)
	}
	// The built-in headers no longer count: a file with only "Username" names nobody.
	_, err = ReadLeaversCSV(strings.NewReader("Username\njdoe\n"), tpl.LeaverColumns())
	if err == nil || !strings.Contains(err.Error(), `needs one of "Personnel No", "Benutzername", "Mailadresse" or "Private Mail"`) {
		t.Errorf("err = %v", err)
	}
	// Without offboard.columns, the defaults.
	def, err := ParseTemplate(strings.NewReader("upn_suffix: corp.example.com\nou: {default: \"OU=Staff,DC=corp,DC=example,DC=com\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := def.LeaverColumns(), DefaultLeaverColumns(DefaultColumns()); !reflect.DeepEqual(got, want) {
		t.Errorf("default leaver columns = %+v, want %+v", got, want)
	}
}

func TestLeaversFromArgs(t *testing.T) {
	s := LeaversFromArgs([]string{"jdoe", "  ", "CN=X,DC=y"})
	if len(s.Leavers) != 3 || s.Leavers[0].Row != 1 || s.Leavers[2].Ident != "CN=X,DC=y" || len(s.Leavers[1].Problems) != 1 {
		t.Errorf("LeaversFromArgs = %+v", s.Leavers)
	}
}

// fakeLeaverDir answers the planner from a list of accounts and counts its calls.
type fakeLeaverDir struct {
	users  []*directory.User
	groups map[string]string // name → DN
	ous    []string
	calls  map[string]int
}

const (
	fBase    = "DC=corp,DC=example,DC=com"
	fLeavers = "OU=Leavers," + fBase
	fStaff   = "OU=Staff," + fBase
	fSales   = "CN=Sales,OU=Groups," + fBase
	fVPN     = "CN=VPN,OU=Groups," + fBase
	fAll     = "CN=All Staff,OU=Groups," + fBase
)

func newFakeLeaverDir(users ...*directory.User) *fakeLeaverDir {
	return &fakeLeaverDir{users: users, calls: map[string]int{}, ous: []string{fLeavers, fStaff},
		groups: map[string]string{"sales": fSales, "vpn": fVPN, "all staff": fAll}}
}

func person(sam, id, ou string, enabled bool, groups ...string) *directory.User {
	return &directory.User{DN: "CN=" + sam + "," + ou, SAMAccountName: sam, UserPrincipalName: sam + "@corp.example.com",
		Mail: sam + "@corp.example.com", EmployeeID: id, Enabled: enabled, MemberOf: groups, ObjectSID: "S-1-5-21-1-2-3-" + strconv.Itoa(1100+len(sam)+len(id))}
}

func (d *fakeLeaverDir) UsersByEmployeeID(_ context.Context, ids []string) (map[string][]*directory.User, error) {
	d.calls["UsersByEmployeeID"]++
	out := map[string][]*directory.User{}
	for _, id := range ids {
		for _, u := range d.users {
			if strings.EqualFold(u.EmployeeID, id) {
				out[strings.ToLower(id)] = append(out[strings.ToLower(id)], u)
			}
		}
	}
	return out, nil
}

func (d *fakeLeaverDir) UsersByLogonName(_ context.Context, names []string) (map[string][]*directory.User, error) {
	d.calls["UsersByLogonName"]++
	out := map[string][]*directory.User{}
	for _, n := range names {
		for _, u := range d.users {
			if strings.EqualFold(u.SAMAccountName, n) || strings.EqualFold(u.Mail, n) || strings.EqualFold(u.UserPrincipalName, n) {
				out[strings.ToLower(n)] = append(out[strings.ToLower(n)], u)
			}
		}
	}
	return out, nil
}

func (d *fakeLeaverDir) User(_ context.Context, ident string) (*directory.User, error) {
	d.calls["User"]++
	var found []*directory.User
	for _, u := range d.users {
		if strings.EqualFold(u.SAMAccountName, ident) || strings.EqualFold(u.DN, ident) || strings.EqualFold(u.EmployeeID, ident) {
			found = append(found, u)
		}
	}
	switch len(found) {
	case 0:
		return nil, &directory.NotFoundError{Kind: "user", Ident: ident}
	case 1:
		return found[0], nil
	}
	return nil, &directory.AmbiguousError{Kind: "user", Ident: ident, Candidates: []string{found[0].DN, found[1].DN}}
}

func (d *fakeLeaverDir) GroupDNs(_ context.Context, names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		dn, ok := d.groups[strings.ToLower(n)]
		if !ok {
			return nil, &directory.NotFoundError{Kind: "group", Ident: n}
		}
		out = append(out, dn)
	}
	return out, nil
}

func (d *fakeLeaverDir) CheckOU(_ context.Context, dn string) error {
	for _, ou := range d.ous {
		if sameDN(ou, dn) {
			return nil
		}
	}
	return &directory.NotFoundError{Kind: "OU", Ident: dn}
}

func TestPlanLeaversFromAFile(t *testing.T) {
	admin := person("administrator", "", "CN=Users,"+fBase, true)
	admin.ObjectSID = "S-1-5-21-1-2-3-500"
	dir := newFakeLeaverDir(
		person("jdoe", "1001", fStaff, true, fSales, fAll, fVPN),
		person("gone", "1002", "ou=leavers,dc=corp,dc=example,dc=com", false, strings.ToLower(fAll)),
		person("half", "1003", fLeavers, false, fSales),
		person("twin1", "1004", fStaff, true),
		person("twin2", "1004", fStaff, true),
		person("ann", "1005", fStaff, true),
		person("bob", "", fStaff, true),
		person("nomail", "1007", fStaff, true),
		admin,
	)
	dir.users[7].Mail = ""
	text := "Employee ID,Username,Email\n" +
		"1001,,\n" + // 2: offboard, kept group stays
		"1002,gone,\n" + // 3: already done (the OU in another spelling)
		"1003,,\n" + // 4: disabled and moved, but still in a group
		"1004,,\n" + // 5: two accounts share the ID
		"1005,bob,\n" + // 6: ID and username are two people
		"1001,jdoe,jdoe@corp.example.com\n" + // 7: jdoe again
		"9999,,\n" + // 8: nobody
		",bob,\n" + // 9: a username only (bob has no employee ID)
		"1005,annie,\n" + // 10: the username matches nobody but ann has another
		"1007,,nomail@old.example.com\n" + // 11: the address matches nobody, and the account has none to contradict it
		",administrator,\n" + // 12: built-in
		"1006,bob,\n" // 13: bob has no ID; the row's ID matches nobody: not a contradiction
	plan, err := PlanLeavers(context.Background(), readLeavers(t, text), LeaverRules{DisabledOU: fLeavers, KeepGroups: []string{"All Staff"}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		action, sam, reason string
		remove              []string
	}{
		{ActionOffboard, "jdoe", "", []string{fSales, fVPN}},
		{ActionSkip, "gone", "already offboarded", nil},
		{ActionOffboard, "half", "already disabled", []string{fSales}},
		{ActionInvalid, "", "employee ID 1004 matches 2 accounts (twin1, twin2)", nil},
		{ActionInvalid, "", "the row names two people: employee ID 1005 is ann, but username bob is bob", nil},
		{ActionSkip, "jdoe", "same account as row 2", []string{fSales, fVPN}},
		{ActionNotFound, "", "no account has employee ID 9999", nil},
		{ActionOffboard, "bob", "", nil},
		{ActionInvalid, "", "the row's username is annie, but the account ann found by the rest of the row has ann", nil},
		{ActionOffboard, "nomail", "", nil},
		{ActionInvalid, "", "administrator is a built-in account", nil},
		{ActionSkip, "bob", "same account as row 9", nil},
	}
	if len(plan.Entries) != len(want) {
		t.Fatalf("%d entries, want %d", len(plan.Entries), len(want))
	}
	for i, w := range want {
		e := plan.Entries[i]
		if e.Row != i+2 || e.Action != w.action || e.SAMAccountName != w.sam || !strings.Contains(e.Reason, w.reason) ||
			(w.reason == "" && e.Reason != "") || len(e.GroupsToRemove) != len(w.remove) {
			t.Errorf("row %d: %+v\n   want %s %s %q remove %v", i+2, e, w.action, w.sam, w.reason, w.remove)
			continue
		}
		for j := range w.remove {
			if e.GroupsToRemove[j] != w.remove[j] {
				t.Errorf("row %d: groups to remove %v, want %v", i+2, e.GroupsToRemove, w.remove)
			}
		}
	}
	if e := plan.Entries[0]; e.MoveTo != fLeavers || e.DN != "CN=jdoe,"+fStaff || e.User == nil || e.EmployeeID != "1001" || e.Input != "1001" {
		t.Errorf("row 2 details: %+v", e)
	}
	if dir.calls["UsersByEmployeeID"] != 1 || dir.calls["UsersByLogonName"] != 1 || dir.calls["User"] != 0 {
		t.Errorf("directory calls = %v; want one batched lookup of each kind for a file", dir.calls)
	}
	if c := plan.Counts(); c[ActionOffboard] != 4 || c[ActionSkip] != 3 || c[ActionInvalid] != 4 || c[ActionNotFound] != 1 {
		t.Errorf("counts = %v", c)
	}
	if !reflect.DeepEqual(plan.KeepGroups, []string{fAll}) {
		t.Errorf("keep groups = %v", plan.KeepGroups)
	}
}

func TestPlanLeaversFromArguments(t *testing.T) {
	dir := newFakeLeaverDir(person("jdoe", "1", fStaff, true, fSales), person("x1", "7", fStaff, true), person("x2", "7", fStaff, true))
	// No leavers OU: the account stays where it is, and without groups a disabled one is done.
	plan, err := PlanLeavers(context.Background(), LeaversFromArgs([]string{"jdoe", "nobody", "7", "JDOE"}), LeaverRules{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range plan.Entries {
		got = append(got, e.Action)
	}
	if strings.Join(got, ",") != "offboard,not_found,invalid,skip" {
		t.Errorf("actions = %v, want offboard, not_found, invalid (ambiguous), skip (same account)", got)
	}
	if e := plan.Entries[0]; e.MoveTo != "" || len(e.GroupsToRemove) != 1 || e.Input != "jdoe" {
		t.Errorf("jdoe: %+v", e)
	}
	if !strings.Contains(plan.Entries[2].Reason, "ambiguous") || !strings.Contains(plan.Entries[1].Reason, "not found") {
		t.Errorf("reasons: %q / %q", plan.Entries[1].Reason, plan.Entries[2].Reason)
	}
	if dir.calls["User"] != 4 {
		t.Errorf("User calls = %d, want one per distinct argument", dir.calls["User"])
	}

	admins := newFakeLeaverDir(person("adm", "3", fStaff, true))
	admins.users[0].PrimaryGroupID = 512
	plan, err = PlanLeavers(context.Background(), LeaversFromArgs([]string{"adm"}), LeaverRules{}, admins)
	if err != nil || !strings.Contains(plan.Entries[0].Reason, "primary group (RID 512) stays") {
		t.Errorf("an account whose primary group is not Domain Users: %+v, %v; want it said", plan.Entries, err)
	}

	disabled := newFakeLeaverDir(person("old", "2", fStaff, false))
	plan, err = PlanLeavers(context.Background(), LeaversFromArgs([]string{"old"}), LeaverRules{}, disabled)
	if err != nil || plan.Entries[0].Action != ActionSkip || strings.Contains(plan.Entries[0].Reason, "leavers OU") {
		t.Errorf("a disabled account in no group, no leavers OU: %+v, %v; want skip", plan.Entries, err)
	}
}

func TestPlanLeaversRefusesUnknownRules(t *testing.T) {
	dir := newFakeLeaverDir(person("jdoe", "1", fStaff, true))
	sheet := LeaversFromArgs([]string{"jdoe"})
	for name, tc := range map[string]struct {
		rules LeaverRules
		want  error
		text  string
	}{
		"keep group":    {LeaverRules{KeepGroups: []string{"Salse"}}, directory.ErrNotFound, `group "Salse" not found`},
		"leavers OU":    {LeaverRules{DisabledOU: "OU=Gone," + fBase}, directory.ErrNotFound, "OU=Gone"},
		"not even a DN": {LeaverRules{DisabledOU: "Leavers"}, directory.ErrInvalidInput, `"Leavers" is not a distinguished name`},
	} {
		_, err := PlanLeavers(context.Background(), sheet, tc.rules, dir)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: error = %v, want %v mentioning %q", name, err, tc.want, tc.text)
		}
	}
	if dir.calls["User"] != 0 {
		t.Error("accounts were looked up although the rules are wrong")
	}
}
