package ad

import (
	"context"

	"github.com/go-ldap/ldap/v3"
)

// Test-only hooks: the lab tests create and remove their own objects, which adkit itself
// never does (it has no delete and no group create).

// DeleteForTest deletes one object by DN, without an audit record.
func (c *Client) DeleteForTest(_ context.Context, dn string) error {
	return c.conn.Del(ldap.NewDelRequest(dn, nil))
}

// CreateGroupForTest creates a global security group, without an audit record.
func (c *Client) CreateGroupForTest(_ context.Context, dn, sam, mail string) error {
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", []string{"top", "group"})
	req.Attribute("sAMAccountName", []string{sam})
	req.Attribute("groupType", []string{"-2147483646"})
	if mail != "" {
		req.Attribute("mail", []string{mail})
	}
	return c.conn.Add(req)
}

// ReadMemberListsAfter makes the Client read a group's member list after n membership checks
// instead of memberListAfter, so that a test need not create dozens of accounts.
func (c *Client) ReadMemberListsAfter(n int) { c.lists.after = n }

// MemberListHits is how many membership checks were answered from a member list.
func (c *Client) MemberListHits() int64 { return c.lists.hits.Load() }

// CreateComputerForTest creates a computer account with the given extra attributes, without
// an audit record: adkit has no `computer create`.
func (c *Client) CreateComputerForTest(_ context.Context, dn, name string, attrs map[string][]string) error {
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", []string{"top", "computer"})
	req.Attribute("sAMAccountName", []string{name + "$"})
	req.Attribute("userAccountControl", []string{"4096"})
	for a, v := range attrs {
		req.Attribute(a, v)
	}
	return c.conn.Add(req)
}

// AddForTest adds any object, without an audit record (BitLocker recovery information below
// a test computer).
func (c *Client) AddForTest(_ context.Context, dn string, attrs map[string][]string) error {
	req := ldap.NewAddRequest(dn, nil)
	for a, v := range attrs {
		req.Attribute(a, v)
	}
	return c.conn.Add(req)
}

// ReadAttributeForTest reads one attribute of one object.
func (c *Client) ReadAttributeForTest(ctx context.Context, dn, attr string) (string, error) {
	e, err := c.readEntry(ctx, dn, "(objectClass=*)", []string{attr})
	if err != nil || e == nil {
		return "", err
	}
	return e.GetAttributeValue(attr), nil
}

// TreeDeleteForTest deletes an object and everything below it, without an audit record.
func (c *Client) TreeDeleteForTest(_ context.Context, dn string) error {
	return c.conn.Del(ldap.NewDelRequest(dn, []ldap.Control{ldap.NewControlString(controlTreeDelete, true, "")}))
}
