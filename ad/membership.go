package ad

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// ResolveGroup finds one group by any accepted name, reading none of its members.
func (c *Client) ResolveGroup(ctx context.Context, ident string) (directory.GroupRef, error) {
	e, err := c.findOne(ctx, kindGroup, ident, []string{"sAMAccountName"})
	if err != nil {
		return directory.GroupRef{}, err
	}
	return directory.GroupRef{DN: e.DN, SAMAccountName: e.GetAttributeValue("sAMAccountName")}, nil
}

// isMember asks the directory whether dn is a direct member of the group with a base search,
// which stays cheap on groups with a hundred thousand members.
func (c *Client) isMember(ctx context.Context, groupDN, memberDN string) (bool, error) {
	e, err := c.readEntry(ctx, groupDN, "(member="+ldap.EscapeFilter(memberDN)+")", []string{"1.1"})
	if err != nil {
		return false, err
	}
	return e != nil, nil
}

// AddMember adds a user, a group or a computer to a group (Add-ADGroupMember); a group whose
// nesting would make a cycle is refused with the path that closes it. Already a member:
// nothing changes and Outcome says so.
func (c *Client) AddMember(ctx context.Context, g directory.GroupRef, userIdent string) (directory.Outcome, error) {
	return c.setMember(ctx, g, userIdent, true)
}

// RemoveMember removes a user from a group. Not a member: nothing changes and Outcome says so.
// Primary-group membership cannot be removed this way; AD refuses and the message says why.
func (c *Client) RemoveMember(ctx context.Context, g directory.GroupRef, userIdent string) (directory.Outcome, error) {
	return c.setMember(ctx, g, userIdent, false)
}

func (c *Client) setMember(ctx context.Context, g directory.GroupRef, memberIdent string, add bool) (directory.Outcome, error) {
	m, err := c.resolveMember(ctx, memberIdent)
	if err != nil {
		return directory.Outcome{}, err
	}
	if add {
		if err := c.checkNesting(ctx, g, m); err != nil {
			return directory.Outcome{User: m.account}, err
		}
	}
	return c.ensureMembership(ctx, g, m.account, add)
}

func (c *Client) ensureMembership(ctx context.Context, g directory.GroupRef, u *directory.User, add bool) (directory.Outcome, error) {
	action, change := "group.add_member", audit.Change{Attribute: "group", After: g.DN}
	if !add {
		action, change = "group.remove_member", audit.Change{Attribute: "group", Before: g.DN}
	}
	// A bulk add asks the group's member list, read once, before the directory: see memberLists.
	member := add && c.lists.holds(ctx, c, g.DN, u.DN)
	var err error
	if !member {
		if member, err = c.isMember(ctx, g.DN, u.DN); err != nil {
			return directory.Outcome{User: u}, fmt.Errorf("check membership of %s in %s: %w", u.Name(), g.SAMAccountName, err)
		}
	}
	// The primary group's membership comes from primaryGroupID; member does not list it.
	primary := false
	if !member {
		if primary, err = c.isPrimaryGroup(ctx, g.DN, u); err != nil {
			return directory.Outcome{User: u}, fmt.Errorf("check membership of %s in %s: %w", u.Name(), g.SAMAccountName, err)
		}
		if primary && !add {
			return directory.Outcome{User: u}, fmt.Errorf("remove %s from %s: %w", u.Name(), g.SAMAccountName, &RefusedError{
				Reason: g.SAMAccountName + " is the account's primary group; AD keeps that membership until another primary group is set"})
		}
		member = primary
	}
	if member == add {
		note := "already a member of " + g.SAMAccountName
		if primary {
			note += " (its primary group)"
		}
		if !add {
			note = "not a member of " + g.SAMAccountName
		}
		err := c.change(ctx, action, target(u), []audit.Change{change}, func(context.Context) error {
			return audit.Skipped(note)
		})
		if err := ignoreSkipped(err); err != nil { // nil on a dry run too: nothing to do either way
			return directory.Outcome{User: u}, err
		}
		return directory.Outcome{User: u, Note: note}, nil
	}
	req := ldap.NewModifyRequest(g.DN, nil)
	if add {
		req.Add("member", []string{u.DN})
	} else {
		req.Delete("member", []string{u.DN})
	}
	err = c.change(ctx, action, target(u), []audit.Change{change}, func(context.Context) error {
		err := c.conn.Modify(req)
		if err == nil {
			return nil
		}
		err = explainLDAPError(err)
		if raced := alreadyDone(err, add); raced != "" {
			// Another run made the same change between our check and our write: the state we
			// wanted is there, so this is not a failure, and the log must not say "error"
			// for a membership the directory holds (or no longer holds) as asked.
			return audit.Skipped(raced + " " + g.SAMAccountName + " (another run made this change at the same time)")
		}
		return err
	})
	if errors.Is(err, audit.ErrSkipped) {
		note := "already a member of " + g.SAMAccountName
		if !add {
			note = "not a member of " + g.SAMAccountName
		}
		return directory.Outcome{User: u, Note: note + " (another run just made this change)"}, nil
	}
	if errors.Is(err, ErrPermission) {
		// The right that is missing is on the group, not on the account being added.
		err = &RefusedError{
			Reason: fmt.Sprintf("not permitted: %s may not change the members of %s; ask a domain admin to delegate "+
				"\"write members\" on that group (%s), or use an account that has it", c.identity, g.SAMAccountName, g.DN),
			Err: err,
		}
	}
	if err != nil {
		verb := "add %s to %s"
		if !add {
			verb = "remove %s from %s"
		}
		return directory.Outcome{User: u}, fmt.Errorf(verb+": %w", u.Name(), g.SAMAccountName, err)
	}
	if add {
		return c.dryRunAware(directory.Outcome{User: u, Changed: true, Note: "added to " + g.SAMAccountName}, "would add to "+g.SAMAccountName), nil
	}
	return c.dryRunAware(directory.Outcome{User: u, Changed: true, Note: "removed from " + g.SAMAccountName}, "would remove from "+g.SAMAccountName), nil
}

// isPrimaryGroup reports whether the group is the account's primary group: the group whose
// SID is the account's domain SID with the account's primaryGroupID as RID.
func (c *Client) isPrimaryGroup(ctx context.Context, groupDN string, u *directory.User) (bool, error) {
	i := strings.LastIndex(u.ObjectSID, "-")
	if u.PrimaryGroupID == 0 || i < 0 {
		return false, nil
	}
	e, err := c.readEntry(ctx, groupDN, "(objectClass=group)", []string{"objectSid"})
	if err != nil || e == nil {
		return false, err
	}
	return sidString(e.GetRawAttributeValue("objectSid")) == u.ObjectSID[:i+1]+strconv.Itoa(u.PrimaryGroupID), nil
}

// alreadyDone recognises AD's answers for a membership that is already as asked: adding a
// present member (entryAlreadyExists, ERROR_MEMBER_IN_GROUP) or removing an absent one
// (Windows: unwillingToPerform 00000561, ERROR_MEMBER_NOT_IN_GROUP; Samba: unwillingToPerform
// "Attribute member already deleted"). It returns how to say so, or "".
func alreadyDone(err error, add bool) string {
	if err == nil {
		return ""
	}
	msg := strings.ToLower(err.Error())
	switch {
	case add && (ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) ||
		strings.Contains(msg, "already a member") || strings.Contains(msg, "already exists")):
		return "already a member of"
	case !add && (strings.Contains(msg, "not a member") || strings.Contains(msg, "00000561") ||
		// Samba's words for removing a member that is no longer there.
		(ldap.IsErrorWithCode(err, ldap.LDAPResultUnwillingToPerform) && strings.Contains(msg, "already deleted"))):
		return "not a member of"
	}
	return ""
}

// memberLists holds the member lists of the groups a bulk run adds many accounts to. Asking
// the directory "is X a member?" costs Samba time in proportion to the group's size (about
// 8 ms a check on a group of 1,000 in the lab), so an onboarding re-run that confirms 3,000
// memberships of 1,000 hires spent most of its 18 s there. After memberListAfter checks on one
// group, its members are read once (ranged retrieval) and later checks look there first.
// Only a hit is trusted: an account not on the list is asked about as before, which also
// covers members added since the list was read. A member removed by someone else during the
// run is still on the list and is reported "already a member"; the run is minutes long.
type memberLists struct {
	mu     sync.Mutex
	groups map[string]*memberList // by group DN, lower case
	after  int                    // checks before a list is read; 0 means memberListAfter
	hits   atomic.Int64           // checks answered from a list, for tests
}

type memberList struct {
	checks  int
	once    sync.Once
	members map[string]bool // member DNs, lower case; nil when reading failed
	read    atomic.Bool     // once has run

	sidOnce sync.Once
	sid     string // the group's SID, for primary-group checks
	sidErr  error
}

// entry returns the group's memberList, made on first use.
func (l *memberLists) entry(groupDN string) *memberList {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.entryLocked(groupDN)
}

// entryLocked is entry with l.mu held.
func (l *memberLists) entryLocked(groupDN string) *memberList {
	key := strings.ToLower(groupDN)
	if l.groups == nil {
		l.groups = map[string]*memberList{}
	}
	m := l.groups[key]
	if m == nil {
		m = &memberList{}
		l.groups[key] = m
	}
	return m
}

// load reads the group's member list, once per run, and returns it (member DNs, lower case),
// or nil if it could not be read.
func (l *memberLists) load(ctx context.Context, c *Client, groupDN string) map[string]bool {
	m := l.entry(groupDN)
	m.once.Do(func() { m.members = readMemberList(ctx, c, groupDN); m.read.Store(true) })
	return m.members
}

// threshold is how many checks on one group go to the directory before its list is read.
func (l *memberLists) threshold() int {
	if l.after > 0 {
		return l.after
	}
	return memberListAfter
}

// loaded reports whether the group's member list has been read already.
func (l *memberLists) loaded(groupDN string) bool { return l.entry(groupDN).read.Load() }

// sid returns the group's SID, read once per run.
func (l *memberLists) sid(ctx context.Context, c *Client, groupDN string) (string, error) {
	m := l.entry(groupDN)
	m.sidOnce.Do(func() {
		e, err := c.readEntry(ctx, groupDN, "(objectClass=group)", []string{"objectSid"})
		switch {
		case err != nil:
			m.sidErr = err
		case e != nil:
			m.sid = sidString(e.GetRawAttributeValue("objectSid"))
		}
	})
	return m.sid, m.sidErr
}

func readMemberList(ctx context.Context, c *Client, groupDN string) map[string]bool {
	dns, err := c.rangedMembers(ctx, groupDN)
	if err != nil {
		return nil // each check asks the directory, as before
	}
	members := make(map[string]bool, len(dns))
	for _, d := range dns {
		members[strings.ToLower(d)] = true
	}
	return members
}

// memberListAfter is how many checks on one group go to the directory before its member list
// is read: a `group add` of a few dozen accounts or a small file never reads a large group
// whole.
const memberListAfter = 64

// holds reports whether the group's member list, once read, names dn.
func (l *memberLists) holds(ctx context.Context, c *Client, groupDN, dn string) bool {
	l.mu.Lock()
	m := l.entryLocked(groupDN)
	m.checks++
	read := m.checks > l.threshold()
	l.mu.Unlock()
	if !read {
		return false
	}
	if l.load(ctx, c, groupDN)[strings.ToLower(dn)] {
		l.hits.Add(1)
		return true
	}
	return false
}
