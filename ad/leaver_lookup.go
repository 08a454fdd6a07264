package ad

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
)

// GroupDNs resolves group names (any accepted form) to their DNs, in order.
func (c *Client) GroupDNs(ctx context.Context, names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		g, err := c.cachedGroup(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("group to keep: %w", err)
		}
		out = append(out, g.DN)
	}
	return out, nil
}

// CheckOU checks that an OU, if one is given, is a DN that exists (a *directory.NotFoundError
// if not).
func (c *Client) CheckOU(ctx context.Context, ou string) error {
	if ou == "" {
		return nil
	}
	if _, err := ldap.ParseDN(ou); err != nil {
		return fmt.Errorf("%w: OU %q is not a valid distinguished name: %v", directory.ErrInvalidInput, ou, err)
	}
	e, err := c.readEntry(ctx, ou, "(objectClass=*)", []string{"1.1"})
	if err != nil {
		return err
	}
	if e == nil {
		return &directory.NotFoundError{Kind: "OU", Ident: ou}
	}
	return nil
}

// groupNames maps the (normalised) DNs of the groups that exist to their sAMAccountNames, in
// one search per batch.
func (c *Client) groupNames(ctx context.Context, dns []string) (map[string]string, error) {
	entries, err := c.entriesByDN(ctx, dns, "(objectClass=group)", []string{"sAMAccountName"})
	if err != nil {
		return nil, fmt.Errorf("read groups: %w", err)
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		name := e.GetAttributeValue("sAMAccountName")
		if name == "" {
			name = dn.CommonName(e.DN)
		}
		out[normDN(e.DN)] = name
	}
	return out, nil
}

// UsersByEmployeeID finds the accounts carrying each employee ID, keyed by the ID in lower
// case. Unlike ExistingByEmployeeID it keeps every account of an ID, so that a duplicated ID
// is seen as ambiguous rather than resolved to whichever account came last.
func (c *Client) UsersByEmployeeID(ctx context.Context, ids []string) (map[string][]*directory.User, error) {
	out := map[string][]*directory.User{}
	err := c.searchOr(ctx, kindUser.class, nonEmpty(ids), func(v string) string {
		return "(employeeID=" + ldap.EscapeFilter(v) + ")"
	}, userAttributeList(), func(e *ldap.Entry) error {
		u := userFromEntry(e)
		k := strings.ToLower(u.EmployeeID)
		out[k] = append(out[k], u)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up employee IDs: %w", err)
	}
	return out, nil
}

// UsersByLogonName finds accounts by logon name, keyed by the name in lower case: a name
// without "@" is a sAMAccountName, one with "@" a userPrincipalName, mail address or smtp:
// proxy address. Every account a name matches is listed.
func (c *Client) UsersByLogonName(ctx context.Context, names []string) (map[string][]*directory.User, error) {
	asked := map[string]bool{}
	for _, n := range nonEmpty(names) {
		asked[strings.ToLower(n)] = true
	}
	out := map[string][]*directory.User{}
	err := c.searchOr(ctx, kindUser.class, nonEmpty(names), func(v string) string {
		e := ldap.EscapeFilter(v)
		if strings.Contains(v, "@") {
			return "(userPrincipalName=" + e + ")(mail=" + e + ")(proxyAddresses=smtp:" + e + ")"
		}
		return "(sAMAccountName=" + e + ")"
	}, append(userAttributeList(), "proxyAddresses"), func(e *ldap.Entry) error {
		u := userFromEntry(e)
		keys := map[string]bool{strings.ToLower(u.SAMAccountName): true, strings.ToLower(u.UserPrincipalName): true, strings.ToLower(u.Mail): true}
		for _, p := range e.GetAttributeValues("proxyAddresses") {
			if scheme, addr, ok := strings.Cut(p, ":"); ok && strings.EqualFold(scheme, "smtp") {
				keys[strings.ToLower(addr)] = true
			}
		}
		for k := range keys {
			if k != "" && asked[k] {
				out[k] = append(out[k], u)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up accounts by name: %w", err)
	}
	return out, nil
}

// leaverStamp recognises a description Offboard wrote.
