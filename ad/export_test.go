package ad

import (
	"context"
	"runtime"
	"strconv"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
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

// MoveLosingTheAnswer moves an account as MoveUser does, through change, and then reports the
// connection lost, as if the answer had been lost on its way back (Ctrl-C closing the
// connection, the network dropping): the directory has made the move, adkit heard nothing.
func (c *Client) MoveLosingTheAnswer(ctx context.Context, u *directory.User, ou string) error {
	rdn, parent := dn.Split(u.DN)
	req := ldap.NewModifyDNRequest(u.DN, rdn, true, ou)
	return c.change(ctx, "user.move", target(u), []audit.Change{{Attribute: "ou", Before: parent, After: ou}}, func(context.Context) error {
		if err := c.conn.ModifyDN(req); err != nil {
			return explainLDAPError(err)
		}
		return lostAnswer()
	})
}

// CreateLosingTheAnswer creates an account (no password: disabled) through change, and then
// reports the connection lost.
func (c *Client) CreateLosingTheAnswer(ctx context.Context, dn, sam, employeeID string) error {
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
	req.Attribute("sAMAccountName", []string{sam})
	req.Attribute("employeeID", []string{employeeID})
	changes := []audit.Change{{Attribute: "sAMAccountName", After: sam}, {Attribute: "employeeID", After: employeeID}}
	return c.change(ctx, "user.create", audit.Target{DN: dn, Name: sam}, changes, func(context.Context) error {
		if err := c.conn.Add(req); err != nil {
			return explainLDAPError(err)
		}
		return lostAnswer()
	})
}

// BreakReadBackForTest points the Client's fresh connections (the read-back's) at a port
// nobody listens on, as when the domain controller went away with the answer; the returned
// function undoes it.
func (c *Client) BreakReadBackForTest() (undo func()) {
	// A read-back dials the DC the client reached (c.url), else the configured URL.
	cfgURL, reached := c.cfg.URL, c.url
	c.cfg.URL, c.url = "ldaps://127.0.0.1:1", "ldaps://127.0.0.1:1"
	return func() { c.cfg.URL, c.url = cfgURL, reached }
}

// ModifyLosingTheAnswer runs one modify through change, as the account and membership
// changes do, and then reports the connection lost.
func (c *Client) ModifyLosingTheAnswer(ctx context.Context, action string, u *directory.User, changes []audit.Change, req *ldap.ModifyRequest) error {
	return c.change(ctx, action, target(u), changes, func(context.Context) error {
		if err := c.conn.Modify(req); err != nil {
			return explainLDAPError(err)
		}
		return lostAnswer()
	})
}

// DisableComputerLosingTheAnswer disables a computer as SetComputerEnabled does, through
// change, and then reports the connection lost.
func (c *Client) DisableComputerLosingTheAnswer(ctx context.Context, pc *directory.Computer) error {
	next := pc.UserAccountControl | uacAccountDisable
	req := ldap.NewModifyRequest(pc.DN, nil)
	req.Replace("userAccountControl", []string{strconv.Itoa(next)})
	changes := []audit.Change{{Attribute: "userAccountControl", Before: pc.UserAccountControl, After: next}}
	return c.change(ctx, "computer.disable", computerTarget(pc), changes, func(context.Context) error {
		if err := c.conn.Modify(req); err != nil {
			return explainLDAPError(err)
		}
		return lostAnswer()
	})
}

// AddMembersLosingTheAnswer is AddMembers whose bulk modify, once made, reports the
// connection lost.
func (c *Client) AddMembersLosingTheAnswer(ctx context.Context, group string, accounts []*directory.User, created bool) []directory.MemberAdd {
	return c.addMembers(ctx, group, accounts, created, true)
}

// OriginOf exposes the replPropertyMetaData decoder to the tests.
var OriginOf = originOf

// BeforeWriteForTest makes f run in every change after its intent is recorded and before
// its request is sent (nil: nothing), so a test can interrupt a change or let another run
// make it at exactly that point.
func (c *Client) BeforeWriteForTest(f func()) { c.beforeWrite = f }

// InterruptBeforeWriteForTest cancels the next change's context once its intent is recorded,
// as Ctrl-C would (the Client must watch ctx with CloseOnInterrupt), and returns once the
// session is closed, so the request is sent on a dead connection.
func (c *Client) InterruptBeforeWriteForTest(cancel context.CancelFunc) {
	c.beforeWrite = func() {
		cancel()
		for !c.conn.IsClosing() {
			runtime.Gosched()
		}
	}
}
