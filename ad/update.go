package ad

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// userFieldAttr is one attribute `user set` edits: its name on the command line and in
// output (directory.UserFieldNames), and the LDAP attribute behind it.
type userFieldAttr struct {
	Name      string // "title", "phone", "employee_id"
	Attribute string // "title", "telephoneNumber", "employeeID"
}

// userFields are the attributes `user set` may change (Set-ADUser's common parameters), in
// the order they are reported. manager and expires are special: a user identity resolved to
// a DN, and a FILETIME.
var userFields = []userFieldAttr{
	{"title", "title"},
	{"department", "department"},
	{"company", "company"},
	{"manager", "manager"},
	{"phone", "telephoneNumber"},
	{"mobile", "mobile"},
	{"office", "physicalDeliveryOfficeName"},
	{"description", "description"},
	{"employee_id", "employeeID"},
	{"expires", "accountExpires"},
}

// userField finds a field by its name, its flag spelling (employee-id) or its LDAP name.
func userField(name string) (userFieldAttr, bool) {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	for _, f := range userFields {
		if n == f.Name || strings.EqualFold(name, f.Attribute) {
			return f, true
		}
	}
	return userFieldAttr{}, false
}

// updateAttributes are read besides userAttributes so the audit record has before values.
var updateAttributes = []string{"telephoneNumber", "mobile", "physicalDeliveryOfficeName", "company"}

// UpdateUser changes an account's attributes in one atomic modify (Set-ADUser): the audit
// record lists each attribute before and after; attributes already as asked are left out, and
// an update that changes nothing is recorded as skipped. Every value is checked before
// anything is written: an unknown manager or an employee ID another account has changes
// nothing.
func (c *Client) UpdateUser(ctx context.Context, ident string, upd directory.UserUpdate) (directory.Outcome, error) {
	wanted, err := normaliseUpdate(upd)
	if err != nil {
		return directory.Outcome{}, err
	}
	e, err := c.findOne(ctx, kindUser, ident, append(userAttributeList(), updateAttributes...))
	if err != nil {
		return directory.Outcome{}, err
	}
	u := userFromEntry(e)
	if m, ok := wanted["manager"]; ok && m != "" {
		mgr, err := c.User(ctx, m)
		if err != nil {
			return directory.Outcome{User: u}, fmt.Errorf("manager of %s: %w", u.Name(), err)
		}
		if strings.EqualFold(mgr.DN, u.DN) {
			return directory.Outcome{User: u}, fmt.Errorf("%w: %s cannot be their own manager", directory.ErrInvalidInput, u.Name())
		}
		wanted["manager"] = mgr.DN
	}
	if id := wanted["employee_id"]; id != "" && !strings.EqualFold(id, u.EmployeeID) {
		found, err := c.ExistingByEmployeeID(ctx, []string{id})
		if err != nil {
			return directory.Outcome{User: u}, err
		}
		for _, other := range found {
			if !strings.EqualFold(other.DN, u.DN) {
				return directory.Outcome{User: u}, fmt.Errorf("%w: employee ID %s already belongs to %s (%s); employee IDs identify one person each",
					directory.ErrInvalidInput, id, other.Name(), other.DN)
			}
		}
	}

	req := ldap.NewModifyRequest(u.DN, nil)
	var changes []audit.Change
	var words []string
	for _, f := range userFields {
		after, ok := wanted[f.Name]
		if !ok {
			continue
		}
		before := e.GetAttributeValue(f.Attribute)
		if f.Name == "expires" {
			if sameExpiry(before, after) {
				continue
			}
			req.Replace(f.Attribute, []string{after})
			changes = append(changes, audit.Change{Attribute: f.Attribute, Before: expiryText(before), After: expiryText(after)})
			words = append(words, fmt.Sprintf("expires %s → %s", expiryText(before), expiryText(after)))
			continue
		}
		if before == after || (f.Name == "manager" && before != "" && after != "" && dnEqual(before, after)) {
			continue
		}
		if after == "" {
			req.Delete(f.Attribute, nil)
		} else {
			req.Replace(f.Attribute, []string{after})
		}
		changes = append(changes, audit.Change{Attribute: f.Attribute, Before: before, After: after})
		words = append(words, fmt.Sprintf("%s %s → %s", f.Name, quoteOrEmpty(before), quoteOrEmpty(after)))
	}
	if len(changes) == 0 {
		note := "already as asked; nothing to change"
		err := c.change(ctx, "user.update", target(u), nil, func(context.Context) error { return audit.Skipped(note) })
		if err := ignoreSkipped(err); err != nil {
			return directory.Outcome{User: u}, err
		}
		return directory.Outcome{User: u, Note: note}, nil
	}
	if err := c.modify(ctx, "user.update", u, changes, req); err != nil {
		if errors.Is(err, ErrPermission) {
			err = c.explainAttributeRefusal(ctx, u, changes, err)
		}
		return directory.Outcome{User: u}, fmt.Errorf("update %s: %w", u.Name(), err)
	}
	note := strings.Join(words, "; ")
	return c.dryRunAware(directory.Outcome{User: u, Changed: true, Note: note}, "would set "+note), nil
}

// normaliseUpdate turns an update into field name → new LDAP value ("" to clear), refusing
// unknown fields and a field both set and cleared.
func normaliseUpdate(upd directory.UserUpdate) (map[string]string, error) {
	wanted := map[string]string{}
	for name, v := range upd.Values {
		f, ok := userField(name)
		if !ok || f.Name == "expires" {
			return nil, fmt.Errorf("%w: %q is not an attribute adkit user set changes; it changes %s",
				directory.ErrInvalidInput, name, strings.Join(directory.UserFieldNames, ", "))
		}
		if strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("%w: --%s is empty; to empty an attribute use --clear %s",
				directory.ErrInvalidInput, strings.ReplaceAll(f.Name, "_", "-"), f.Name)
		}
		wanted[f.Name] = strings.TrimSpace(v)
	}
	if upd.SetExpires {
		wanted["expires"] = expiryValue(upd.Expires)
	}
	for _, name := range upd.Clear {
		f, ok := userField(name)
		if !ok {
			return nil, fmt.Errorf("%w: --clear %q: not an attribute adkit user set changes; it changes %s",
				directory.ErrInvalidInput, name, strings.Join(directory.UserFieldNames, ", "))
		}
		if _, set := wanted[f.Name]; set {
			return nil, fmt.Errorf("%w: %s is both set and cleared; give one of the two", directory.ErrInvalidInput, f.Name)
		}
		wanted[f.Name] = ""
		if f.Name == "expires" {
			wanted[f.Name] = expiryValue(nil)
		}
	}
	if len(wanted) == 0 {
		return nil, fmt.Errorf("%w: nothing to change: give at least one attribute (such as --title) or --clear", directory.ErrInvalidInput)
	}
	return wanted, nil
}

// accountExpiresNever is what AD writes for "never" on a new account (0 means the same).
const accountExpiresNever = "9223372036854775807"

func expiryValue(t *time.Time) string {
	if t == nil {
		return accountExpiresNever
	}
	return toFileTime(*t)
}

func expiryText(v string) string {
	if t := fileTime(v); t != nil {
		return t.UTC().Format(time.RFC3339)
	}
	return "never"
}

func sameExpiry(a, b string) bool {
	ta, tb := fileTime(a), fileTime(b)
	if ta == nil || tb == nil {
		return ta == nil && tb == nil
	}
	return ta.Equal(*tb)
}

func quoteOrEmpty(s string) string {
	if s == "" {
		return "(empty)"
	}
	return fmt.Sprintf("%q", s)
}

// explainAttributeRefusal names the attributes the bound account may not write on this
// account, from allowedAttributesEffective (which AD and Samba compute per object for the
// requester), so a help-desk technician learns what to ask delegation for.
func (c *Client) explainAttributeRefusal(ctx context.Context, u *directory.User, changes []audit.Change, refused error) error {
	e, err := c.readEntry(ctx, u.DN, "(objectClass=*)", []string{"allowedAttributesEffective"})
	if err != nil || e == nil {
		return refused
	}
	allowed := map[string]bool{}
	for _, a := range e.GetAttributeValues("allowedAttributesEffective") {
		allowed[strings.ToLower(a)] = true
	}
	var denied []string
	for _, ch := range changes {
		if !allowed[strings.ToLower(ch.Attribute)] {
			denied = append(denied, ch.Attribute)
		}
	}
	if len(denied) == 0 {
		return refused
	}
	sort.Strings(denied)
	return &RefusedError{
		Reason: fmt.Sprintf("not permitted: %s may not change %s of %s; ask a domain admin to delegate write access to %s for its OU, or use an account that has it (nothing was changed)",
			c.identity, strings.Join(denied, ", "), u.Name(), plural(len(denied), "that attribute", "those attributes")),
		Err: refused,
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
