package onboarding

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is the onboarding template (see the spec, "The onboarding template (YAML)").
// The YAML keys are part of the public contract: add keys, never rename them.
type Template struct {
	Columns    Columns       `yaml:"columns"`
	Username   UsernameRules `yaml:"username"`
	UPNSuffix  string        `yaml:"upn_suffix"`
	MailDomain string        `yaml:"mail_domain"`
	// MailPattern builds the local part of mail addresses, with the username placeholders.
	// Not in the spec's example; the default gives the spec's first.last form, using the
	// preferred name because that is the name people are addressed by.
	MailPattern string        `yaml:"mail_pattern"`
	OU          OURules       `yaml:"ou"`
	Groups      GroupRules    `yaml:"groups"`
	Password    PasswordRules `yaml:"password"`
	Entra       EntraRules    `yaml:"entra"`
	Offboard    OffboardRules `yaml:"offboard"`
}

// Columns maps each field adkit reads to the CSV header that holds it. An optional column set
// to "" is not read at all.
type Columns struct {
	GivenName     string `yaml:"given_name"`
	Surname       string `yaml:"surname"`
	PreferredName string `yaml:"preferred_name"`
	EmployeeID    string `yaml:"employee_id"`
	Department    string `yaml:"department"`
	Title         string `yaml:"title"`
	Manager       string `yaml:"manager"`
	StartDate     string `yaml:"start_date"`
	EndDate       string `yaml:"end_date"`
	Location      string `yaml:"location"`
}

// UsernameRules says how sAMAccountNames are made.
type UsernameRules struct {
	Patterns  []string `yaml:"patterns"`
	MaxLength int      `yaml:"max_length"`
}

// OURules says where accounts are created.
type OURules struct {
	Default      string            `yaml:"default"`
	ByDepartment map[string]string `yaml:"by_department"`
}

// GroupRules says which groups a new account joins.
type GroupRules struct {
	All          []string            `yaml:"all"`
	ByDepartment map[string][]string `yaml:"by_department"`
	ByTitle      map[string][]string `yaml:"by_title"`
}

// PasswordRules says how initial passwords are made.
type PasswordRules struct {
	Length     int  `yaml:"length"`
	MustChange bool `yaml:"must_change"`
	// Format is "random" (the default) or "readable": groups of four without look-alike
	// characters (Kx7p-Rm4q-Tz9w-Bn3c), for passwords read out over the phone.
	Format string `yaml:"format"`
}

// EntraRules is for hybrid and cloud-only tenants (see entra.go).
type EntraRules struct {
	GroupsByDepartment map[string][]string `yaml:"groups_by_department"`
	Licenses           []string            `yaml:"licenses"`
	UsageLocation      string              `yaml:"usage_location"`
	Groups             []string            `yaml:"groups"`        // cloud groups for every hire
	Mode               string              `yaml:"mode"`          // cloud | hybrid | "" (not applied)
	SyncTimeout        string              `yaml:"sync_timeout"`  // hybrid: how long to wait for sync, e.g. 30m
	FirstSignIn        string              `yaml:"first_sign_in"` // password | tap (entra_tap.go)
	TAPLifetime        string              `yaml:"tap_lifetime"`  // first_sign_in tap: e.g. 8h
}

// OffboardRules is read by the leaver commands.
type OffboardRules struct {
	DisabledOU string        `yaml:"disabled_ou"`
	KeepGroups []string      `yaml:"keep_groups"`
	Columns    LeaverHeaders `yaml:"columns"`
}

// LeaverHeaders are the headers a leavers file may name its people by, besides the employee
// ID (columns.employee_id). Each is a list because HR and ticketing exports spell them in
// many ways; a file may use one of each. An empty list turns that column off.
type LeaverHeaders struct {
	Username []string `yaml:"username"` // the logon name (sAMAccountName)
	Email    []string `yaml:"email"`    // mail, UPN or proxy address
}

// DefaultLeaverHeaders are the usual headers of HR and ticketing exports.
func DefaultLeaverHeaders() LeaverHeaders {
	return LeaverHeaders{
		Username: []string{"sAMAccountName", "Username", "User Name", "Logon Name", "Login"},
		Email:    []string{"Email", "E-mail", "Email Address", "Mail", "Work Email"},
	}
}

// LeaverColumns is how the leaver commands read a leavers file with this template.
func (t *Template) LeaverColumns() LeaverColumns {
	return LeaverColumns{EmployeeID: t.Columns.EmployeeID, Username: t.Offboard.Columns.Username, Email: t.Offboard.Columns.Email}
}

// DefaultColumns returns the spec's default CSV headers.
func DefaultColumns() Columns {
	return Columns{
		GivenName:     "First Name",
		Surname:       "Last Name",
		PreferredName: "Preferred Name",
		EmployeeID:    "Employee ID",
		Department:    "Department",
		Title:         "Job Title",
		Manager:       "Manager Email",
		StartDate:     "Start Date",
		EndDate:       "End Date",
		Location:      "Office",
	}
}

// DefaultTemplate returns a template holding every default. It is not valid on its own:
// upn_suffix and ou.default have no sensible default.
func DefaultTemplate() *Template {
	return &Template{
		Columns:     DefaultColumns(),
		Username:    UsernameRules{Patterns: []string{"{first:1}{last}", "{first}.{last}"}, MaxLength: 20},
		MailPattern: "{preferred}.{last}",
		Password:    PasswordRules{Length: 16, MustChange: true},
		Offboard:    OffboardRules{Columns: DefaultLeaverHeaders()},
	}
}

// maxTemplateSize bounds what is read: a template is a page of YAML, not megabytes.
const maxTemplateSize = 1 << 20

// LoadTemplate reads and validates the template at path.
func LoadTemplate(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &InputError{What: "template " + path, Err: err}
	}
	t, err := ParseTemplate(bytes.NewReader(data))
	var ie *InputError
	if errors.As(err, &ie) {
		ie.What = "template " + path
	}
	return t, err
}

// ParseTemplate reads and validates a template. Keys not given take the spec's defaults;
// unknown keys are errors, because a misspelt key silently ignored would create accounts in
// the wrong place.
func ParseTemplate(r io.Reader) (*Template, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxTemplateSize+1))
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	fail := func(problems []string, cause error) error {
		return &InputError{What: "template", Problems: problems, Err: cause}
	}
	if len(data) > maxTemplateSize {
		return nil, fail([]string{fmt.Sprintf("it is larger than %d bytes", maxTemplateSize)}, nil)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fail(yamlProblems(err), err)
	}
	if len(root.Content) == 0 {
		return nil, fail([]string{"it is empty"}, nil)
	}
	if root.Content[0].Kind != yaml.MappingNode {
		return nil, fail([]string{fmt.Sprintf("line %d: expected keys such as ou: and groups:, found a %s",
			root.Content[0].Line, nodeKindName(root.Content[0].Kind))}, nil)
	}
	if problems := unknownKeys(root.Content[0], templateType, ""); len(problems) > 0 {
		return nil, fail(problems, nil)
	}
	t := DefaultTemplate()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // unknownKeys said it better; this is the safety net
	if err := dec.Decode(t); err != nil {
		return nil, fail(yamlProblems(err), err)
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// OUFor returns the OU for a department: ou.by_department, matched without regard to case
// (HR systems are not consistent about it), else ou.default.
func (t *Template) OUFor(department string) string {
	if ou, ok := lookupFold(t.OU.ByDepartment, department); ok {
		return ou
	}
	return t.OU.Default
}

// GroupsFor returns groups.all, then the department's and the title's groups, without
// repeats (compared without regard to case, as the directory does).
func (t *Template) GroupsFor(department, title string) []string {
	byDepartment, _ := lookupFold(t.Groups.ByDepartment, department)
	byTitle, _ := lookupFold(t.Groups.ByTitle, title)
	out := unionFold(t.Groups.All, byDepartment, byTitle)
	if out == nil {
		out = []string{}
	}
	return out
}

// unionFold is the names of lists, in order, each once: a name differing from an earlier one
// only in case is a repeat, as the directory compares them. Nil when there are none.
func unionFold(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, list := range lists {
		for _, g := range list {
			if k := strings.ToLower(g); !seen[k] {
				seen[k] = true
				out = append(out, g)
			}
		}
	}
	return out
}

// lookupFold finds key in m, exactly or else ignoring case. Validate refuses maps with keys
// that differ only in case, so at most one key matches; the keys are sorted anyway so the
// answer never depends on map order.
func lookupFold[V any](m map[string]V, key string) (V, bool) {
	var zero V
	key = collapseSpace(key)
	if key == "" {
		return zero, false
	}
	if v, ok := m[key]; ok {
		return v, true
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.EqualFold(collapseSpace(k), key) {
			return m[k], true
		}
	}
	return zero, false
}
