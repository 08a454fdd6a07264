package onboarding

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/directory"
)

func TestLoadTemplateSpecExample(t *testing.T) {
	tpl, err := LoadTemplate(filepath.Join("testdata", "spec_template.yaml"))
	if err != nil {
		t.Fatalf("the spec's own example does not load: %v", err)
	}
	if tpl.Columns != DefaultColumns() {
		t.Errorf("columns = %+v, want the defaults %+v", tpl.Columns, DefaultColumns())
	}
	if got := tpl.OUFor("engineering"); got != "OU=Engineering,OU=Staff,DC=corp,DC=example,DC=com" {
		t.Errorf("OUFor(engineering) = %q", got)
	}
	if got := tpl.OUFor("Sales"); got != "OU=Staff,DC=corp,DC=example,DC=com" {
		t.Errorf("OUFor(Sales) = %q, want ou.default", got)
	}
	if got, want := tpl.GroupsFor("Engineering", "help desk technician"), []string{"Staff", "Engineers", "Helpdesk"}; !reflect.DeepEqual(got, want) {
		t.Errorf("GroupsFor = %q, want %q", got, want)
	}
	if tpl.Password != (PasswordRules{Length: 16, MustChange: true}) || tpl.Entra.UsageLocation != "US" ||
		tpl.Offboard.DisabledOU != "OU=Leavers,DC=corp,DC=example,DC=com" || tpl.Offboard.KeepGroups[0] != "Domain Users" {
		t.Errorf("template = %+v", tpl)
	}
}

func TestParseTemplateDefaults(t *testing.T) {
	tpl, err := ParseTemplate(strings.NewReader(`
columns:
  employee_id: Staff Number
upn_suffix: corp.example.com
ou: {default: "OU=Staff,DC=corp,DC=example,DC=com"}
password: {must_change: false}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultColumns()
	want.EmployeeID = "Staff Number"
	if tpl.Columns != want {
		t.Errorf("columns = %+v, want defaults except employee_id: %+v", tpl.Columns, want)
	}
	if !reflect.DeepEqual(tpl.Username.Patterns, []string{"{first:1}{last}", "{first}.{last}"}) || tpl.Username.MaxLength != 20 {
		t.Errorf("username = %+v, want the spec's defaults", tpl.Username)
	}
	if tpl.Password.Length != 16 || tpl.Password.MustChange {
		t.Errorf("password = %+v, want length 16 (default) and must_change false (given)", tpl.Password)
	}
	if got := tpl.GroupsFor("x", "y"); got == nil || len(got) != 0 {
		t.Errorf("GroupsFor with no groups = %#v, want an empty list", got)
	}
}

// password.format: readable is accepted and kept.
func TestTemplatePasswordFormat(t *testing.T) {
	tpl, err := ParseTemplate(strings.NewReader("upn_suffix: corp.example.com\nou: {default: \"OU=Staff,DC=corp,DC=example,DC=com\"}\npassword: {format: readable}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Password.Format != "readable" {
		t.Errorf("password.format = %q", tpl.Password.Format)
	}
}

func TestParseTemplateErrors(t *testing.T) {
	const valid = "upn_suffix: corp.example.com\nou: {default: \"OU=Staff,DC=corp,DC=example,DC=com\"}\n"
	tests := []struct {
		name string
		yaml string
		want []string // each must appear in the message
	}{
		{"empty", "", []string{"it is empty"}},
		{"not a mapping", "- a\n- b\n", []string{"line 1", "found a list"}},
		{"syntax", "ou: [unclosed\n", []string{"line"}},
		{"unknown top-level key", valid + "upn_sufix: x\n", []string{`line 3: unknown key "upn_sufix"`, "the top level can have: columns, username"}},
		{"unknown nested key", valid + "username:\n  pattern: [\"{first}\"]\n", []string{`line 4: unknown key "username.pattern"`, "username can have: patterns, max_length"}},
		{"unknown column", valid + "columns:\n  first_name: Vorname\n", []string{`unknown key "columns.first_name"`, "given_name"}},
		{"ou.default missing", "upn_suffix: corp.example.com\n", []string{"ou.default is required"}},
		{"upn_suffix missing", "ou: {default: \"OU=Staff,DC=corp,DC=example,DC=com\"}\n", []string{"upn_suffix is required"}},
		{"upn_suffix with @", "upn_suffix: \"@corp.example.com\"\nou: {default: \"OU=Staff,DC=x\"}\n", []string{"upn_suffix", "without the @"}},
		{"unknown placeholder", valid + "username: {patterns: [\"{first:1}{last}\", \"{first}{middle}\"]}\n", []string{"username.patterns[1]: unknown placeholder {middle}"}},
		{"bad length", valid + "username: {patterns: [\"{first:x}{last}\"]}\n", []string{"username.patterns[0]", "{first:x}"}},
		{"unclosed brace", valid + "username: {patterns: [\"{first\"]}\n", []string{"username.patterns[0]", "without a closing }"}},
		{"no placeholder", valid + "username: {patterns: [\"admin\"]}\n", []string{"username.patterns[0]", "no placeholder"}},
		{"bad literal", valid + "username: {patterns: [\"{first} {last}\"]}\n", []string{"username.patterns[0]", `' '`}},
		{"max_length over 20", valid + "username: {max_length: 21}\n", []string{"username.max_length is 21", "between 1 and 20"}},
		{"max_length not a number", valid + "username: {max_length: twenty}\n", []string{"line 3", `"twenty" is not a whole number`}},
		{"invalid default DN", "upn_suffix: corp.example.com\nou: {default: \"Staff,DC=corp\"}\n", []string{`ou.default "Staff,DC=corp" is not a valid distinguished name`}},
		{"invalid department DN", "upn_suffix: corp.example.com\nou:\n  default: \"OU=Staff,DC=x\"\n  by_department: {Sales: \"OU=Sales,,DC=x\"}\n", []string{`ou.by_department["Sales"] "OU=Sales,,DC=x" is not a valid`}},
		{"duplicate key", valid + "upn_suffix: other.example.com\n", []string{`line 3: mapping key "upn_suffix" already defined at line 1`}},
		{"keys differing in case", valid + "groups: {by_title: {Engineer: [a], engineer: [b]}}\n", []string{"groups.by_title has both \"Engineer\" and \"engineer\""}},
		{"short password", valid + "password: {length: 8}\n", []string{"password.length is 8", "between 16 and 128"}},
		{"unknown password format", valid + "password: {format: pronounceable}\n", []string{`password.format is "pronounceable"`, "random or readable"}},
		{"usage location", valid + "entra: {usage_location: usa}\n", []string{"entra.usage_location \"usa\""}},
		{"entra mode", valid + "entra: {mode: off}\n", []string{`entra.mode "off"`, "none (Active Directory only)"}},
		{"same column twice", valid + "columns: {title: Department}\n", []string{"columns.department and columns.title both name the column \"Department\""}},
		{"required column blank", valid + "columns: {employee_id: \"\"}\n", []string{"columns.employee_id is required"}},
		{"group list not a list", valid + "groups: {all: Staff}\n", []string{"expected a list"}},
		{"disabled_ou", valid + "offboard: {disabled_ou: \"nonsense\"}\n", []string{"offboard.disabled_ou"}},
		{"empty group name", valid + "groups: {all: [Staff, \"\"]}\n", []string{"groups.all[1] is empty"}},
		{"mail pattern", valid + "mail_domain: corp.example.com\nmail_pattern: \"{first}+{last}\"\n", []string{"mail_pattern"}},
		{"leaver column misspelt", valid + "offboard: {columns: {usernames: [Login]}}\n", []string{`unknown key "offboard.columns.usernames"`, "username, email"}},
		{"leaver column twice", valid + "offboard: {columns: {username: [Login], email: [login]}}\n",
			[]string{`offboard.columns.username and offboard.columns.email both name the column "login"`}},
		{"leaver column is the employee ID", valid + "offboard: {columns: {username: [Employee ID]}}\n",
			[]string{`columns.employee_id and offboard.columns.username both name the column "Employee ID"`}},
		{"leaver column empty", valid + "offboard: {columns: {email: [\"\"]}}\n", []string{"offboard.columns.email[0] is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := ParseTemplate(strings.NewReader(tt.yaml))
			if err == nil {
				t.Fatalf("ParseTemplate succeeded: %+v", tpl)
			}
			if !errors.Is(err, directory.ErrInvalidInput) {
				t.Errorf("error %v does not wrap ErrInvalidInput (exit 2)", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestParseTemplateReportsEveryProblem(t *testing.T) {
	_, err := ParseTemplate(strings.NewReader("username: {max_length: 0}\npassword: {length: 4}\n"))
	if err == nil {
		t.Fatal("invalid template accepted")
	}
	for _, key := range []string{"upn_suffix", "ou.default", "username.max_length", "password.length"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not mention %s:\n%v", key, err)
		}
	}
	if !strings.HasPrefix(err.Error(), "template: 4 problems:") {
		t.Errorf("error = %q, want it to count the problems", err)
	}
}

func TestLoadTemplateNamesTheFile(t *testing.T) {
	_, err := LoadTemplate(filepath.Join("testdata", "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("missing file: error %v should be both not-exist and invalid input", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	writeFile(t, path, "upn_suffix: corp.example.com\n")
	_, err = LoadTemplate(path)
	if err == nil || !strings.HasPrefix(err.Error(), "template "+path+": ou.default is required") {
		t.Errorf("error = %v, want it to name the file and the key", err)
	}
}

// entra.mode: none is Active Directory only: valid, and an entra: section beside it is
// reported as not applied.
func TestEntraModeNone(t *testing.T) {
	const valid = "upn_suffix: corp.example.com\nou: {default: \"OU=Staff,DC=corp,DC=example,DC=com\"}\n"
	tpl, err := ParseTemplate(strings.NewReader(valid + "entra: {mode: none}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Entra.Hybrid() || tpl.Entra.CloudOnly() || tpl.EntraSectionIgnored() != "" {
		t.Errorf("mode none: hybrid %v, cloud %v, warning %q", tpl.Entra.Hybrid(), tpl.Entra.CloudOnly(), tpl.EntraSectionIgnored())
	}
	tpl, err = ParseTemplate(strings.NewReader(valid + "entra: {mode: none, groups: [Staff]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if w := tpl.EntraSectionIgnored(); !strings.Contains(w, "entra.mode is none") {
		t.Errorf("warning = %q", w)
	}
}
