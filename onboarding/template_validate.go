package onboarding

import (
	"fmt"
	"github.com/adkit-dev/adkit/internal/password"
	"sort"
	"strings"

	"github.com/adkit-dev/adkit/internal/lazyregexp"
	"github.com/go-ldap/ldap/v3"
)

// Limits the template is checked against.
const (
	samMaxLength      = 20  // sAMAccountName, as pre-Windows 2000 logon names allow
	mailLocalMax      = 64  // RFC 5321 local part
	passwordMinLength = 16  // the spec's floor for generated passwords
	passwordMaxLength = 128 // long enough for any policy, short enough to type
)

var (
	domainRE        = lazyregexp.New(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)
	usageLocationRE = lazyregexp.New(`^[A-Z]{2}$`)
)

// Validate checks the whole template and reports every problem at once, each naming its key,
// so that one edit fixes them all. The error wraps directory.ErrInvalidInput.
func (t *Template) Validate() error {
	var v validator
	v.columns(t.Columns)
	v.username(t.Username)
	v.domain("upn_suffix", t.UPNSuffix, true)
	if v.domain("mail_domain", t.MailDomain, false) && t.MailDomain != "" {
		if _, err := compilePattern(t.MailPattern); err != nil {
			v.addf("mail_pattern: %v", err)
		}
	}
	v.dn("ou.default", t.OU.Default, !t.Entra.CloudOnly())
	v.foldKeys("ou.by_department", keysOf(t.OU.ByDepartment))
	for _, dept := range sortedKeys(t.OU.ByDepartment) {
		v.dn(fmt.Sprintf("ou.by_department[%q]", dept), t.OU.ByDepartment[dept], true)
	}
	v.names("groups.all", t.Groups.All)
	v.nameMap("groups.by_department", t.Groups.ByDepartment)
	v.nameMap("groups.by_title", t.Groups.ByTitle)
	if f := t.Password.Format; f != "" && f != password.FormatRandom && f != password.FormatReadable {
		v.addf("password.format is %q; use %s or %s", f, password.FormatRandom, password.FormatReadable)
	}
	if t.Password.Length < passwordMinLength || t.Password.Length > passwordMaxLength {
		v.addf("password.length is %d; it must be between %d and %d", t.Password.Length, passwordMinLength, passwordMaxLength)
	}
	v.entra(t)
	v.dn("offboard.disabled_ou", t.Offboard.DisabledOU, false)
	v.names("offboard.keep_groups", t.Offboard.KeepGroups)
	v.leaverHeaders(t.Columns.EmployeeID, t.Offboard.Columns)
	if len(v.problems) > 0 {
		return &InputError{What: "template", Problems: v.problems}
	}
	return nil
}

type validator struct{ problems []string }

func (v *validator) addf(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

func (v *validator) columns(c Columns) {
	byHeader := map[string]string{}
	for _, f := range c.fields() {
		key := "columns." + f.key
		h := collapseSpace(f.header)
		if h == "" {
			if f.required {
				v.addf("%s is required: it names the CSV column that holds the %s", key, f.label)
			}
			continue
		}
		norm := strings.ToLower(h)
		if other, dup := byHeader[norm]; dup {
			v.addf("%s and %s both name the column %q; each field needs its own column", other, key, h)
			continue
		}
		byHeader[norm] = key
	}
}

// leaverHeaders refuses empty headers and a header given for two things: a leavers file's
// column must mean one thing.
func (v *validator) leaverHeaders(employeeID string, h LeaverHeaders) {
	v.names("offboard.columns.username", h.Username)
	v.names("offboard.columns.email", h.Email)
	owner := map[string]string{}
	if id := strings.ToLower(collapseSpace(employeeID)); id != "" {
		owner[id] = "columns.employee_id"
	}
	for _, list := range []struct {
		key     string
		headers []string
	}{{"offboard.columns.username", h.Username}, {"offboard.columns.email", h.Email}} {
		for _, hd := range list.headers {
			norm := strings.ToLower(collapseSpace(hd))
			if norm == "" {
				continue
			}
			if other, dup := owner[norm]; dup {
				v.addf("%s and %s both name the column %q; a leavers file's column must mean one thing", other, list.key, collapseSpace(hd))
				continue
			}
			owner[norm] = list.key
		}
	}
}

func (v *validator) username(u UsernameRules) {
	if len(u.Patterns) == 0 {
		v.addf("username.patterns is empty; give at least one, such as \"{first:1}{last}\"")
	}
	for i, p := range u.Patterns {
		if _, err := compilePattern(p); err != nil {
			v.addf("username.patterns[%d]: %v", i, err)
		}
	}
	if u.MaxLength < 1 || u.MaxLength > samMaxLength {
		v.addf("username.max_length is %d; it must be between 1 and %d (the sAMAccountName limit)", u.MaxLength, samMaxLength)
	}
}

// domain checks a DNS domain and reports whether it is acceptable (an absent optional one is).
func (v *validator) domain(key, value string, required bool) bool {
	switch {
	case value == "":
		if required {
			v.addf("%s is required, such as corp.example.com", key)
			return false
		}
		return true
	case strings.HasPrefix(value, "@"):
		v.addf("%s %q: write the domain without the @, such as %s", key, value, strings.TrimPrefix(value, "@"))
		return false
	case !domainRE.MatchString(value):
		v.addf("%s %q is not a domain name such as corp.example.com", key, value)
		return false
	}
	return true
}

func (v *validator) dn(key, value string, required bool) {
	if strings.TrimSpace(value) == "" {
		if required {
			v.addf("%s is required: the distinguished name of an OU, such as OU=Staff,DC=corp,DC=example,DC=com", key)
		}
		return
	}
	parsed, err := ldap.ParseDN(value)
	if err != nil || len(parsed.RDNs) == 0 {
		reason := "it is empty"
		if err != nil {
			reason = err.Error()
		}
		v.addf("%s %q is not a valid distinguished name (%s); write it like OU=Staff,DC=corp,DC=example,DC=com", key, value, reason)
	}
}

func (v *validator) names(key string, names []string) {
	for i, n := range names {
		if strings.TrimSpace(n) == "" {
			v.addf("%s[%d] is empty", key, i)
		}
	}
}

func (v *validator) nameMap(key string, m map[string][]string) {
	v.foldKeys(key, keysOf(m))
	for _, k := range sortedKeys(m) {
		v.names(fmt.Sprintf("%s[%q]", key, k), m[k])
	}
}

// foldKeys refuses keys that differ only in case or spacing: rows are matched without regard
// to either, so such keys would make the result depend on which one happened to match.
func (v *validator) foldKeys(key string, keys []string) {
	sort.Strings(keys)
	seen := map[string]string{}
	for _, k := range keys {
		norm := strings.ToLower(collapseSpace(k))
		if norm == "" {
			v.addf("%s has an empty key", key)
			continue
		}
		if prev, dup := seen[norm]; dup {
			v.addf("%s has both %q and %q; rows are matched without regard to case, so keep one", key, prev, k)
			continue
		}
		seen[norm] = k
	}
}

func keysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

func sortedKeys[V any](m map[string]V) []string {
	keys := keysOf(m)
	sort.Strings(keys)
	return keys
}
