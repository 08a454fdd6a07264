package onboarding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
)

const (
	staffOU = "OU=Staff,DC=corp,DC=example,DC=com"
	engOU   = "OU=Engineering,OU=Staff,DC=corp,DC=example,DC=com"
	salesOU = "OU=Sales,OU=Staff,DC=corp,DC=example,DC=com"
	anaDN   = "CN=Ana Lead," + engOU
)

// corpDomain is the directory the HR export is planned against.
func corpDomain() *fakeDomain {
	d := newFakeDomain(
		&directory.User{DN: anaDN, SAMAccountName: "alead", UserPrincipalName: "alead@corp.example.com",
			Mail: "ana.lead@corp.example.com", EmployeeID: "E0999", DisplayName: "Ana Lead"},
		// An earlier John Smith: his logon name and his mail address are both taken.
		&directory.User{DN: "CN=John Smith," + staffOU, SAMAccountName: "jsmith", UserPrincipalName: "jsmith@corp.example.com",
			Mail: "john.smith@corp.example.com", EmployeeID: "E0001"},
	)
	// Shared mailboxes hold these addresses: one is Seán's natural mail address, the other
	// would be Mary's UPN if she got the username mjones.
	d.proxies = []string{"sean.obrien@corp.example.com", "mjones@corp.example.com"}
	d.otherDNs = []string{`CN=Bob Smith\, Jr.,` + staffOU} // a contact with the same name
	return d
}

func planHRExport(t *testing.T, d *fakeDomain) *PlanResult {
	t.Helper()
	plan, err := Plan(context.Background(), readHRExport(t), loadTestTemplate(t), d)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func entryFor(t *testing.T, plan *PlanResult, row int) Entry {
	t.Helper()
	return findOne(t, plan.Entries, func(e Entry) bool { return e.Row == row }, fmt.Sprintf("plan entry for row %d", row))
}

func TestPlanHRExport(t *testing.T) {
	d := corpDomain()
	plan := planHRExport(t, d)

	expires := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	creates := []Entry{
		{Row: 3, EmployeeID: "E1001", SAMAccountName: "jmuller", Mail: "jose.muller@corp.example.com",
			DN: "CN=José Müller," + engOU, Groups: []string{"Staff", "Engineers"}, Manager: anaDN},
		{Row: 4, EmployeeID: "E1002", SAMAccountName: "zodegard", Mail: "zoe.odegard@corp.example.com",
			DN: "CN=Zoë Ødegård," + engOU, Groups: []string{"Staff", "Engineers", "Helpdesk"}, Manager: anaDN},
		{Row: 5, EmployeeID: "E1003", SAMAccountName: "sobrien", Mail: "sean.obrien2@corp.example.com",
			DN: "CN=Seán O'Brien," + salesOU, Groups: []string{"Staff", "Sales Team"},
			Reason: "manager missing.boss@corp.example.com was not found in the directory; the account is created without a manager"},
		{Row: 6, EmployeeID: "E1004", SAMAccountName: "rsmithjr", Mail: "bob.smithjr@corp.example.com",
			DN: `CN=Bob Smith\, Jr. (rsmithjr),` + staffOU, Groups: []string{"Staff"},
			Reason: `"CN=Bob Smith, Jr." is already used in ` + staffOU + `, so the account is named "Bob Smith, Jr. (rsmithjr)"`},
		{Row: 7, EmployeeID: "E1005", SAMAccountName: "mary.jones", Mail: "mary.jones@corp.example.com",
			DN: "CN=Mary Jones," + engOU, Groups: []string{"Staff", "Engineers"}},
		// jsmith is taken; john.smith is free as a logon name, but john.smith@corp.example.com
		// is the old John Smith's mail, so it cannot be a UPN: the first twin gets jsmith2.
		{Row: 8, EmployeeID: "E1006", SAMAccountName: "jsmith2", Mail: "john.smith2@corp.example.com",
			DN: "CN=John Smith," + salesOU, Groups: []string{"Staff", "Sales Team"}},
		{Row: 9, EmployeeID: "E1007", SAMAccountName: "jsmith3", Mail: "john.smith3@corp.example.com",
			DN: "CN=John Smith (jsmith3)," + salesOU, Groups: []string{"Staff", "Sales Team", "Helpdesk"},
			Reason: `"CN=John Smith" is row 8's name in ` + salesOU + `, so the account is named "John Smith (jsmith3)"`},
		{Row: 15, EmployeeID: "E1010", SAMAccountName: "clee", Mail: "chris.lee@corp.example.com",
			DN: "CN=Chris Lee," + engOU, Groups: []string{"Staff", "Engineers"}, Manager: anaDN, AccountExpires: &expires},
	}
	for _, want := range creates {
		got := entryFor(t, plan, want.Row)
		if got.Action != ActionCreate {
			t.Errorf("row %d: action %q (%s), want create", want.Row, got.Action, got.Reason)
			continue
		}
		if got.EmployeeID != want.EmployeeID || got.SAMAccountName != want.SAMAccountName ||
			got.UserPrincipalName != want.SAMAccountName+"@corp.example.com" || got.Mail != want.Mail ||
			got.DN != want.DN || !reflect.DeepEqual(got.Groups, want.Groups) || got.Manager != want.Manager ||
			got.Reason != want.Reason || !reflect.DeepEqual(got.AccountExpires, want.AccountExpires) {
			t.Errorf("row %d:\n got %+v\nwant %+v", want.Row, got, want)
		}
	}

	jose := entryFor(t, plan, 3)
	if jose.DisplayName != "José Müller" || jose.GivenName != "José" || jose.OU != engOU || jose.StartDate != "2025-03-03" {
		t.Errorf("row 3 details: %+v", jose)
	}
	if bob := entryFor(t, plan, 6); bob.DisplayName != "Bob Smith, Jr." || bob.GivenName != "Robert" {
		t.Errorf("row 6 names: display %q, given %q", bob.DisplayName, bob.GivenName)
	}
	if mary := entryFor(t, plan, 7); mary.Title != "Senior Engineer" || mary.OU != engOU {
		t.Errorf("row 7: title %q, OU %q (department %q should match Engineering)", mary.Title, mary.OU, mary.Department)
	}
	if chris := entryFor(t, plan, 15); chris.EndDate != "2025-06-30" {
		t.Errorf("row 15 end date %q", chris.EndDate)
	}

	skips := map[int]string{
		2:  "employee ID E0999 already has an account: alead (" + anaDN + ")",
		11: "duplicate of row 8 (same employee ID and data)",
	}
	invalid := map[int]string{
		12: "Employee ID E1008 is also on row 13 with a different First Name",
		13: "Employee ID E1008 is also on row 12 with a different First Name",
		14: "Last Name is empty",
		16: `Start Date "31/03/2025" is not a date in the form YYYY-MM-DD`,
		17: "Employee Id is empty",
		18: `Manager Email "Kim's boss" is not an email address`,
		19: "the row has 12 cells but the header has 11",
	}
	if got, want := len(plan.Entries), len(creates)+len(skips)+len(invalid); got != want {
		t.Errorf("%d entries, want one per data row: %d", got, want)
	}
	for row, reason := range skips {
		e := entryFor(t, plan, row)
		if e.Action != ActionSkip || !strings.Contains(e.Reason, reason) {
			t.Errorf("row %d: %s %q, want skip with %q", row, e.Action, e.Reason, reason)
		}
	}
	if ana := entryFor(t, plan, 2); ana.DN != anaDN || ana.SAMAccountName != "alead" || !reflect.DeepEqual(ana.Groups, []string{"Staff", "Engineers"}) {
		t.Errorf("existing account entry %+v: want its DN, name and the template's groups, for apply to complete", ana)
	}
	for row, reason := range invalid {
		e := entryFor(t, plan, row)
		if e.Action != ActionInvalid || !strings.Contains(e.Reason, reason) || e.SAMAccountName != "" || len(e.Groups) != 0 {
			t.Errorf("row %d: %s %q (sam %q), want invalid with %q", row, e.Action, e.Reason, e.SAMAccountName, reason)
		}
	}

	wantWarnings := []string{
		"row 5: manager missing.boss@corp.example.com was not found",
		`row 6: "CN=Bob Smith, Jr." is already used`,
		`row 9: "CN=John Smith" is row 8's name in`,
		`department "Finance" (row 6) is not in ou.by_department; it goes to ` + staffOU,
	}
	if len(plan.Warnings) != len(wantWarnings) {
		t.Errorf("warnings = %q", plan.Warnings)
	}
	for i, w := range wantWarnings {
		if i < len(plan.Warnings) && !strings.HasPrefix(plan.Warnings[i], w) {
			t.Errorf("warning %d = %q, want %q", i, plan.Warnings[i], w)
		}
	}
	if plan.PasswordLength != 16 || !plan.MustChangePassword {
		t.Errorf("password settings %d %v", plan.PasswordLength, plan.MustChangePassword)
	}
	if c := plan.Counts(); c[ActionCreate] != 8 || c[ActionSkip] != 2 || c[ActionInvalid] != 7 {
		t.Errorf("counts = %v", c)
	}
	// Planning is read-only and batched: one call per lookup for the whole file, and a second
	// look-up by employee ID for the rows whose names the directory had (the two John Smiths,
	// Seán's address, Mary's UPN, Bob's CN). Names: every row's first names, then the other
	// names of the rows whose first ones were taken.
	for _, m := range []string{"GroupsByName", "DNsInUse", "ManagersByMail"} {
		if d.calls[m] != 1 {
			t.Errorf("%s called %d times, want 1", m, d.calls[m])
		}
	}
	if d.calls["NamesInUse"] != 2 {
		t.Errorf("NamesInUse called %d times, want 2: the first names, then the others of the rows whose first ones were taken", d.calls["NamesInUse"])
	}
	if d.calls["ExistingByEmployeeID"] != 2 || d.asked["ExistingByEmployeeID"] != 9+5 {
		t.Errorf("ExistingByEmployeeID: %d calls for %d IDs, want 2 calls: the 9 rows', then the 5 that collided",
			d.calls["ExistingByEmployeeID"], d.asked["ExistingByEmployeeID"])
	}
	if d.calls["CreateAccount"]+d.calls["EnsureMember"] != 0 {
		t.Error("planning changed the directory")
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	first := planHRExport(t, corpDomain())
	second := planHRExport(t, corpDomain())
	if !reflect.DeepEqual(first, second) {
		t.Error("two plans of the same file against the same directory differ")
	}
}

func TestPlanJSONHasTheSpecFields(t *testing.T) {
	plan := planHRExport(t, corpDomain())
	b, err := json.Marshal(plan.Entries)
	if err != nil {
		t.Fatal(err)
	}
	var entries []map[string]any
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		for _, key := range []string{"row", "employee_id", "action", "sam_account_name", "user_principal_name", "dn", "groups", "reason"} {
			if _, ok := e[key]; !ok {
				t.Errorf("entry for row %v has no %q: %v", e["row"], key, e)
			}
		}
		if _, isList := e["groups"].([]any); !isList {
			t.Errorf("row %v: groups is %v, want a list (even an empty one)", e["row"], e["groups"])
		}
	}
	if got := entries[0]["row"]; got != float64(2) {
		t.Errorf("first entry row = %v", got)
	}
}

func sheetOf(t *testing.T, csv string) *Sheet {
	t.Helper()
	s, err := ReadCSV(strings.NewReader(csv), DefaultColumns())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPlanNameTwinsFollowPatternOrder(t *testing.T) {
	sheet := sheetOf(t, "First Name,Last Name,Employee ID\nJohn,Smith,1\nJohn,Smith,2\nJohn,Smith,3\nJane,Smith,4\n")
	check := func(t *testing.T, plan *PlanResult, want [][3]string) {
		t.Helper()
		for i, w := range want {
			e := plan.Entries[i]
			if e.SAMAccountName != w[0] || e.Mail != w[1] || e.DN != w[2] {
				t.Errorf("row %d: %s %s %s, want %v", e.Row, e.SAMAccountName, e.Mail, e.DN, w)
			}
		}
	}

	t.Run("usernames only", func(t *testing.T) {
		tpl := loadTestTemplate(t)
		tpl.MailDomain = ""
		plan, err := Plan(context.Background(), sheet, tpl, newFakeDomain())
		if err != nil {
			t.Fatal(err)
		}
		check(t, plan, [][3]string{
			{"jsmith", "", "CN=John Smith," + staffOU},
			{"john.smith", "", "CN=John Smith (john.smith)," + staffOU},
			{"jsmith2", "", "CN=John Smith (jsmith2)," + staffOU},
			{"jane.smith", "", "CN=Jane Smith," + staffOU},
		})
	})

	t.Run("with mail", func(t *testing.T) {
		plan, err := Plan(context.Background(), sheet, loadTestTemplate(t), newFakeDomain())
		if err != nil {
			t.Fatal(err)
		}
		// The first John's mail is john.smith@, so the second cannot have it as his UPN.
		check(t, plan, [][3]string{
			{"jsmith", "john.smith@corp.example.com", "CN=John Smith," + staffOU},
			{"jsmith2", "john.smith2@corp.example.com", "CN=John Smith (jsmith2)," + staffOU},
			{"jsmith3", "john.smith3@corp.example.com", "CN=John Smith (jsmith3)," + staffOU},
			{"jane.smith", "jane.smith@corp.example.com", "CN=Jane Smith," + staffOU},
		})
		// A person's mail may be their own UPN.
		if jane := plan.Entries[3]; jane.UserPrincipalName != jane.Mail {
			t.Errorf("row 5: UPN %s and mail %s should be the same address", jane.UserPrincipalName, jane.Mail)
		}
	})
}

func TestPlanUnusableNames(t *testing.T) {
	sheet := sheetOf(t, "First Name,Last Name,Employee ID,Manager Email\nИван,Петров,1,\nAna,Lee,2,bob.boss@corp.example.com\nBob,Boss,3,\n")
	plan, err := Plan(context.Background(), sheet, loadTestTemplate(t), newFakeDomain())
	if err != nil {
		t.Fatal(err)
	}
	if e := plan.Entries[0]; e.Action != ActionInvalid || !strings.Contains(e.Reason, `cannot make a username from "Иван Петров"`) {
		t.Errorf("row 2: %s %q", e.Action, e.Reason)
	}
	// The manager starts on the same day: not in the directory yet, but a row of the file
	// plans that address, so the manager is that row's account, set once both exist.
	boss := plan.Entries[2]
	if e := plan.Entries[1]; e.Action != ActionCreate || e.Manager != boss.DN || e.ManagerRow != 4 || e.Reason != "" {
		t.Errorf("row 3: %s manager %q (row %d) reason %q; want %s from row 4 and no warning", e.Action, e.Manager, e.ManagerRow, e.Reason, boss.DN)
	}
}

// everythingTaken is a directory in which every name is in use.
type everythingTaken struct{ *fakeDomain }

func (d everythingTaken) NamesInUse(ctx context.Context, names []string) (map[string]bool, error) {
	out, err := d.fakeDomain.NamesInUse(ctx, names)
	for _, n := range names {
		out[n] = true
	}
	return out, err
}

func TestPlanNoFreeUsername(t *testing.T) {
	d := everythingTaken{newFakeDomain()}
	plan, err := Plan(context.Background(), sheetOf(t, "First Name,Last Name,Employee ID\nAl,Li,1\n"), loadTestTemplate(t), d)
	if err != nil {
		t.Fatal(err)
	}
	e := plan.Entries[0]
	if e.Action != ActionInvalid || e.Reason != "no free username: ali, al.li and ali2 up to ali999 are all taken; add a pattern to username.patterns" {
		t.Errorf("row 2: %s %q", e.Action, e.Reason)
	}
	// The first names of every row, then the rest of each round's names as the row needs them.
	if got := d.calls["NamesInUse"]; got != len(numberRounds)+1 {
		t.Errorf("NamesInUse called %d times, want the first names, then one per round (%d)", got, len(numberRounds)+1)
	}
}

type failingDirectory struct{ *fakeDomain }

func (failingDirectory) ManagersByMail(context.Context, []string) (map[string]string, error) {
	return nil, errors.New("LDAP Result Code 51 \"Busy\"")
}

func TestPlanDirectoryError(t *testing.T) {
	_, err := Plan(context.Background(), readHRExport(t), loadTestTemplate(t), failingDirectory{corpDomain()})
	if err == nil || !strings.Contains(err.Error(), "plan onboarding: look up managers by email address: LDAP Result Code 51") {
		t.Errorf("error = %v", err)
	}
	if errors.Is(err, directory.ErrInvalidInput) {
		t.Error("a directory failure must not look like invalid input (exit 1, not 2)")
	}
}

func TestPlanRefusesInvalidTemplate(t *testing.T) {
	tpl := loadTestTemplate(t)
	tpl.Username.Patterns = []string{"{middle}"}
	_, err := Plan(context.Background(), readHRExport(t), tpl, corpDomain())
	if !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "username.patterns[0]") {
		t.Errorf("error = %v", err)
	}
}

func TestPlanWarnsAboutMissingRoutingColumns(t *testing.T) {
	plan, err := Plan(context.Background(), sheetOf(t, "First Name,Last Name,Employee ID\nAna,Lee,1\n"), loadTestTemplate(t), newFakeDomain())
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(plan.Warnings, "\n")
	for _, w := range []string{`no "Department" column, so ou.by_department and groups.by_department do not apply`, `no "Job Title" column, so groups.by_title does not apply`} {
		if !strings.Contains(joined, w) {
			t.Errorf("warnings %q do not say %q", plan.Warnings, w)
		}
	}
}

// TestPlanThousandRowsIsBatched plans a large file full of namesakes against a directory
// that already uses many of their names, and checks that the directory is asked a bounded
// number of times and that no two accounts share a name.
func TestPlanThousandRowsIsBatched(t *testing.T) {
	firsts := []string{"John", "Jane", "Jim", "Maria", "Mark", "Anna", "Ahmed", "Li", "Lars", "Lena"}
	lasts := []string{"Smith", "Müller", "García", "Nguyen", "Kim", "O'Neil", "Jones", "Ødegård", "Lee", "Brown"}
	var b strings.Builder
	b.WriteString("First Name,Last Name,Employee ID,Department,Manager Email\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "%s,%s,E%05d,%s,boss%d@corp.example.com\n", firsts[i%10], lasts[(i/10)%10], i, []string{"Engineering", "Sales", "Finance"}[i%3], i%7)
	}
	d := newFakeDomain()
	for i, f := range firsts {
		for _, l := range lasts[:5] {
			sam := asciiFold(f)[:1] + asciiFold(l)
			d.users = append(d.users, &directory.User{
				DN: fmt.Sprintf("CN=%s %s,%s", f, l, salesOU), SAMAccountName: sam, UserPrincipalName: sam + "@corp.example.com",
				Mail: asciiFold(f) + "." + asciiFold(l) + "@corp.example.com", EmployeeID: fmt.Sprintf("OLD%d%s", i, l),
			})
		}
	}
	plan, err := Plan(context.Background(), sheetOf(t, b.String()), loadTestTemplate(t), d)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"GroupsByName", "ExistingByEmployeeID", "NamesInUse", "DNsInUse", "ManagersByMail"} {
		t.Logf("%s: %d calls, %d keys", m, d.calls[m], d.asked[m])
		if d.calls[m] < 1 || d.calls[m] > 3 {
			t.Errorf("%s called %d times for 1,000 rows, want 1 to 3", m, d.calls[m])
		}
	}
	if d.calls["NamesInUse"] < 2 {
		t.Error("this many namesakes should need a second round of numbered names; the test no longer tests rounds")
	}
	seen := map[string]int{}
	for _, e := range plan.Entries {
		if e.Action != ActionCreate {
			t.Fatalf("row %d: %s %s", e.Row, e.Action, e.Reason)
		}
		if len(e.SAMAccountName) > 20 {
			t.Errorf("row %d: %q is longer than 20 characters", e.Row, e.SAMAccountName)
		}
		for _, name := range []string{e.SAMAccountName, e.UserPrincipalName, e.Mail, strings.ToLower(e.DN)} {
			if prev, dup := seen[name]; dup && !(name == e.Mail && seen[name] == e.Row) {
				t.Errorf("row %d reuses %q of row %d", e.Row, name, prev)
			}
			seen[name] = e.Row
			if d.nameInUse(name) {
				t.Errorf("row %d got %q, which the directory already uses", e.Row, name)
			}
		}
	}
}

func TestSuggestUsername(t *testing.T) {
	tpl := DefaultTemplate()
	dir := newFakeDomain(
		&directory.User{SAMAccountName: "jmuller", Mail: "jose.muller@corp.example.com"}, &directory.User{SAMAccountName: "jmuller2"})
	got, err := SuggestUsername(context.Background(), tpl, dir, "José", "Müller", "corp.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got != "jmuller3" {
		t.Errorf("SuggestUsername = %q, want jmuller3 (jmuller and jmuller2 are taken, and jose.muller@ is jmuller's mail)", got)
	}
	if _, err := SuggestUsername(context.Background(), tpl, dir, "Дмитрий", "Иванов", "corp.example.com"); err == nil {
		t.Error("a name that folds to nothing must ask for --sam")
	}
}

// slowCommit is a directory still carrying out an earlier run's create while a plan is made:
// the first look-up by employee ID misses the account, the name checks after it see its names.
type slowCommit struct {
	*fakeDomain
	late  *directory.User
	added bool
}

func (d *slowCommit) ExistingByEmployeeID(ctx context.Context, ids []string) (map[string]*directory.User, error) {
	out, err := d.fakeDomain.ExistingByEmployeeID(ctx, ids)
	if !d.added {
		d.added = true
		d.fakeDomain.users = append(d.fakeDomain.users, d.late) // committed right after this search
	}
	return out, err
}

// TestPlanRechecksRowsWhoseNamesAreTaken: without the second look-up the person got a
// second account as jsmith2 — what a re-run started the moment a frozen DC woke up did.
func TestPlanRechecksRowsWhoseNamesAreTaken(t *testing.T) {
	d := &slowCommit{fakeDomain: newFakeDomain(), late: &directory.User{DN: "CN=John Smith," + staffOU, SAMAccountName: "jsmith",
		UserPrincipalName: "jsmith@corp.example.com", Mail: "john.smith@corp.example.com", EmployeeID: "7"}}
	plan, err := Plan(context.Background(), sheetOf(t, "First Name,Last Name,Employee ID\nJohn,Smith,7\nAna,Lee,8\n"), loadTestTemplate(t), d)
	if err != nil {
		t.Fatal(err)
	}
	if e := plan.Entries[0]; e.Action != ActionSkip || e.SAMAccountName != "jsmith" || len(e.Warnings) != 0 {
		t.Errorf("row 2: %s %s %q %q; want skip: the account is John's own", e.Action, e.SAMAccountName, e.Reason, e.Warnings)
	}
	if e := plan.Entries[1]; e.Action != ActionCreate {
		t.Errorf("row 3: %s", e.Action)
	}
	if d.calls["ExistingByEmployeeID"] != 2 || d.asked["ExistingByEmployeeID"] != 3 {
		t.Errorf("ExistingByEmployeeID: %d calls, %d IDs; want the second call for row 2 alone", d.calls["ExistingByEmployeeID"], d.asked["ExistingByEmployeeID"])
	}
}
