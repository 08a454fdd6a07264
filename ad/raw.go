package ad

import (
	"context"
	"fmt"

	"github.com/go-ldap/ldap/v3"
)

// Entry is a raw directory object for read-only analysis (the permission audit): its DN and
// attribute values, binary ones as raw bytes.
type Entry struct {
	DN    string
	attrs map[string][][]byte
}

// Values returns an attribute's values as strings.
func (e *Entry) Values(name string) []string {
	raw := e.attrs[lower(name)]
	out := make([]string, len(raw))
	for i, v := range raw {
		out[i] = string(v)
	}
	return out
}

// Value returns an attribute's first value, or "".
func (e *Entry) Value(name string) string {
	if raw := e.attrs[lower(name)]; len(raw) > 0 {
		return string(raw[0])
	}
	return ""
}

// Raw returns an attribute's first value as bytes (objectSid, nTSecurityDescriptor).
func (e *Entry) Raw(name string) []byte {
	if raw := e.attrs[lower(name)]; len(raw) > 0 {
		return raw[0]
	}
	return nil
}

// SID returns objectSid in S-1-5-... form.
func (e *Entry) SID() string { return sidString(e.Raw("objectSid")) }

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func entryFrom(le *ldap.Entry) *Entry {
	e := &Entry{DN: le.DN, attrs: make(map[string][][]byte, len(le.Attributes))}
	for _, a := range le.Attributes {
		e.attrs[lower(a.Name)] = a.ByteValues
	}
	return e
}

// SearchOptions refines Search.
type SearchOptions struct {
	// Base defaults to the domain's naming context.
	Base string
	// BaseOnly reads just the base object.
	BaseOnly bool
	// SecurityDescriptor asks for nTSecurityDescriptor with the SD-flags control set to owner,
	// group and DACL (not the SACL), which any authenticated user may read: a non-admin
	// auditor can run the permission checks.
	SecurityDescriptor bool
}

// SDFlags for owner, group and DACL (MS-ADTS 3.1.1.3.4.1.11).
const sdFlagsOwnerGroupDACL = 0x1 | 0x2 | 0x4

// Search streams the objects matching a filter, page by page. The filter is used as given:
// callers build it from constants, never from user input (use EscapeFilter for values).
func (c *Client) Search(ctx context.Context, filter string, attrs []string, opts SearchOptions, fn func(*Entry) error) error {
	base := opts.Base
	if base == "" {
		base = c.info.DefaultNamingContext
	}
	if _, err := ldap.CompileFilter(filter); err != nil {
		return fmt.Errorf("search filter %q: %w", filter, err)
	}
	attrs = append([]string(nil), attrs...)
	var controls []ldap.Control
	if opts.SecurityDescriptor {
		controls = append(controls, &ldap.ControlMicrosoftSDFlags{ControlValue: sdFlagsOwnerGroupDACL})
		attrs = append(attrs, "nTSecurityDescriptor")
	}
	if opts.BaseOnly {
		req := ldap.NewSearchRequest(base, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, controls)
		res, err := c.conn.Search(req)
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", base, explainLDAPError(err))
		}
		for _, e := range res.Entries {
			if err := fn(entryFrom(e)); err != nil {
				return err
			}
		}
		return nil
	}
	return c.searchEachWith(ctx, base, filter, attrs, controls, func(e *ldap.Entry) error { return fn(entryFrom(e)) })
}

// EscapeSID returns a SID ("S-1-5-32-544") in the escaped binary form an objectSid filter needs.
func EscapeSID(sid string) (string, bool) {
	b, ok := encodeSID(sid)
	if !ok {
		return "", false
	}
	return escapeBinary(b), true
}
