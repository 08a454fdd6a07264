package ad

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// AddMembers adds accounts to a group, all of them in one modify carrying one member value
// each: Samba's cost of a membership change grows with the group's size, so a modify per
// account was most of an onboarding run (issue 17, docs/benchmarks.md). The caller decides
// how many go in one call (onboarding's MembersPerRequest).
//
// created says the accounts were created by this run: nothing can have made them members
// yet, so nothing is looked up first (as AddNewMember). Otherwise each account is read (in a
// few searches for the lot) and checked against the group's member list, read once when the
// call is large, else asked per account; those already members are recorded "skipped,
// already a member of G" as EnsureMember records them.
//
// Every membership gets its own intent before the modify and its own outcome after (see
// changeAll). If the directory refuses the modify (one bad value refuses them all, LDAP
// changes being atomic), each membership's outcome says so and each is then added alone, with
// a record of its own, so one bad value fails one account; "already a member" found that way
// is reported as EnsureMember and AddNewMember report it. A modify that got no answer is read
// back, value by value, on a fresh connection.
//
// The results are in the order of accounts.
func (c *Client) AddMembers(ctx context.Context, group string, accounts []*directory.User, created bool) []directory.MemberAdd {
	return c.addMembers(ctx, group, accounts, created, false)
}

// addMembers is AddMembers; loseAnswer (tests only) reports the modify's answer lost after
// the directory has made it.
func (c *Client) addMembers(ctx context.Context, group string, accounts []*directory.User, created, loseAnswer bool) []directory.MemberAdd {
	res := make([]directory.MemberAdd, len(accounts))
	g, err := c.cachedGroup(ctx, group)
	if err != nil {
		for i := range res {
			res[i].Err = err
		}
		return res
	}
	todo := make([]int, 0, len(accounts))
	for i := range accounts {
		todo = append(todo, i)
	}
	if !created {
		todo = c.notMembers(ctx, g, accounts, res)
	}
	switch len(todo) {
	case 0:
		return res
	case 1:
		c.addAlone(ctx, g, accounts[todo[0]], created, &res[todo[0]])
		return res
	}
	targets := make([]audit.Target, len(todo))
	changes := make([][]audit.Change, len(todo))
	values := make([]string, len(todo))
	for k, i := range todo {
		targets[k] = target(accounts[i])
		changes[k] = []audit.Change{{Attribute: "group", After: g.DN}}
		values[k] = accounts[i].DN
	}
	req := ldap.NewModifyRequest(g.DN, nil)
	req.Add("member", values)
	errs := c.changeAll(ctx, "group.add_member", targets, changes, c.membersCheck(g.DN, values), func(context.Context) []error {
		err := c.conn.Modify(req)
		if err == nil && loseAnswer {
			err = lostAnswer()
		}
		if err == nil {
			return nil
		}
		err = explainLDAPError(err)
		if !errors.Is(err, directory.ErrUnreachable) {
			err = &chunkRefusedError{n: len(values), group: g.SAMAccountName, err: err}
		}
		errs := make([]error, len(values))
		for k := range errs {
			errs[k] = err
		}
		return errs
	})
	for k, i := range todo {
		err := errs[k]
		var refused *chunkRefusedError
		switch {
		case err == nil:
			res[i].Added = true
		case errors.As(err, &refused) && !errors.Is(err, ErrPermission) && !errors.Is(err, audit.ErrAuditUnavailable):
			// Which value the directory refused it does not say: each is tried alone, so
			// one bad value fails one account. (A permission refusal is about the group,
			// and would only be refused again.)
			c.addAlone(ctx, g, accounts[i], created, &res[i])
		case errors.Is(err, ErrPermission):
			res[i].Err = fmt.Errorf("add %s to %s: %w", accounts[i].Name(), g.SAMAccountName, &RefusedError{
				Reason: fmt.Sprintf("not permitted: %s may not change the members of %s; ask a domain admin to delegate "+
					"\"write members\" on that group (%s), or use an account that has it", c.identity, g.SAMAccountName, g.DN),
				Err: err,
			})
		default:
			res[i].Err = fmt.Errorf("add %s to %s: %w", accounts[i].Name(), g.SAMAccountName, err)
		}
	}
	return res
}

// PrefetchMembers reads, for onboarding's existing accounts, what AddMembers will check:
// the accounts (in searches of up to orBatch) and the member list of each group that more
// than memberListAfter of them should be in (ranged retrieval, once). groups maps each group
// to the DNs of the accounts that should be in it.
func (c *Client) PrefetchMembers(ctx context.Context, groups map[string][]string) error {
	var all []*directory.User
	seen := map[string]bool{}
	for _, dns := range groups {
		for _, d := range dns {
			if k := strings.ToLower(d); !seen[k] {
				seen[k] = true
				all = append(all, &directory.User{DN: d})
			}
		}
	}
	if _, err := c.readAccounts(ctx, all); err != nil {
		return err
	}
	for group, dns := range groups {
		if len(dns) <= c.lists.threshold() {
			continue
		}
		g, err := c.cachedGroup(ctx, group)
		if err != nil {
			return err
		}
		c.lists.load(ctx, c, g.DN)
	}
	return nil
}

// chunkRefusedError is the directory refusing a modify that adds many members at once: the
// outcome of each membership it carried, which is then tried alone.
type chunkRefusedError struct {
	n     int
	group string
	err   error
}

func (e *chunkRefusedError) Error() string {
	return fmt.Sprintf("not made: the request adding %d members to %s at once was refused (%v); each is tried alone next", e.n, e.group, e.err)
}
func (e *chunkRefusedError) Unwrap() error { return e.err }

// addAlone adds one account as the single-account paths do, and records what happened in r.
func (c *Client) addAlone(ctx context.Context, g directory.GroupRef, u *directory.User, created bool, r *directory.MemberAdd) {
	if created {
		r.Added, r.Err = c.AddNewMember(ctx, g.DN, u)
		if !r.Added && r.Err == nil {
			r.Note = "already a member of " + g.SAMAccountName
		}
		return
	}
	o, err := c.ensureMembership(ctx, g, u, true)
	r.Added, r.Note, r.Err = o.Changed || o.WouldChange, o.Note, err
	if r.Added {
		r.Note = ""
	}
}

// notMembers reads the accounts (those not read yet, in a few searches), records those
// already members of g as skipped, in one write to the log, and returns the indexes of the
// others. Accounts it cannot read get their error in res.
func (c *Client) notMembers(ctx context.Context, g directory.GroupRef, accounts []*directory.User, res []directory.MemberAdd) []int {
	users, err := c.readAccounts(ctx, accounts)
	if err != nil {
		for i := range res {
			res[i].Err = err
		}
		return nil
	}
	var list map[string]bool
	if len(accounts) > c.lists.threshold() || c.lists.loaded(g.DN) {
		list = c.lists.load(ctx, c, g.DN) // nil if it could not be read: ask per account
	}
	var todo, skip []int
	var notes []string
	for i, a := range accounts {
		u := users[i]
		if u == nil {
			if c.DryRun() { // a dry run did not create the account it is now adding
				accounts[i] = a
				todo = append(todo, i)
				continue
			}
			res[i].Err = fmt.Errorf("add %s to %s: %w", a.Name(), g.SAMAccountName, &directory.NotFoundError{Kind: "user", Ident: a.DN})
			continue
		}
		accounts[i] = u
		member := list[strings.ToLower(u.DN)]
		if list != nil && member {
			c.lists.hits.Add(1)
		}
		if list == nil {
			if member, err = c.isMember(ctx, g.DN, u.DN); err != nil {
				res[i].Err = fmt.Errorf("check membership of %s in %s: %w", u.Name(), g.SAMAccountName, err)
				continue
			}
		}
		note := "already a member of " + g.SAMAccountName
		if !member {
			primary, err := c.primaryGroupOf(ctx, g.DN, u)
			if err != nil {
				res[i].Err = fmt.Errorf("check membership of %s in %s: %w", u.Name(), g.SAMAccountName, err)
				continue
			}
			member = primary
			note += " (its primary group)"
		}
		if !member {
			todo = append(todo, i)
			continue
		}
		skip = append(skip, i)
		notes = append(notes, note)
	}
	if len(skip) == 0 {
		return todo
	}
	targets := make([]audit.Target, len(skip))
	changes := make([][]audit.Change, len(skip))
	for k, i := range skip {
		targets[k] = target(accounts[i])
		changes[k] = []audit.Change{{Attribute: "group", After: g.DN}}
	}
	errs := c.changeAll(ctx, "group.add_member", targets, changes, nil, func(context.Context) []error {
		errs := make([]error, len(skip))
		for k := range skip {
			errs[k] = audit.Skipped(notes[k])
		}
		return errs
	})
	for k, i := range skip {
		if err := ignoreSkipped(errs[k]); err != nil {
			res[i].Err = err
			continue
		}
		res[i].Note = notes[k]
	}
	return todo
}

// readAccounts returns the accounts read from the directory, by DN (nil for one not found),
// through the member cache: an account is read once per run, with up to orBatch in a search.
func (c *Client) readAccounts(ctx context.Context, accounts []*directory.User) ([]*directory.User, error) {
	out := make([]*directory.User, len(accounts))
	var missing []string
	c.members.mu.Lock()
	for i, a := range accounts {
		if u, ok := c.members.byDN[strings.ToLower(a.DN)]; ok {
			out[i] = u
		} else {
			missing = append(missing, a.DN)
		}
	}
	c.members.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	found := map[string]*directory.User{}
	err := c.searchOr(ctx, kindUser.class, missing, func(v string) string {
		return "(distinguishedName=" + ldap.EscapeFilter(v) + ")"
	}, userAttributeList(), func(e *ldap.Entry) error {
		found[strings.ToLower(e.DN)] = userFromEntry(e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the accounts to add: %w", err)
	}
	c.members.mu.Lock()
	defer c.members.mu.Unlock()
	if c.members.byDN == nil {
		c.members.byDN = map[string]*directory.User{}
	}
	for k, u := range found {
		c.members.byDN[k] = u
	}
	for i, a := range accounts {
		if out[i] != nil {
			continue
		}
		u := found[strings.ToLower(a.DN)]
		if u == nil { // the directory may spell the DN differently
			for _, f := range found {
				if dnEqual(f.DN, a.DN) {
					u = f
					break
				}
			}
		}
		out[i] = u
	}
	return out, nil
}

// primaryGroupOf reports whether the group is the account's primary group, reading the
// group's SID once per run.
func (c *Client) primaryGroupOf(ctx context.Context, groupDN string, u *directory.User) (bool, error) {
	i := strings.LastIndex(u.ObjectSID, "-")
	if u.PrimaryGroupID == 0 || i < 0 {
		return false, nil
	}
	sid, err := c.lists.sid(ctx, c, groupDN)
	if err != nil {
		return false, err
	}
	return sid == u.ObjectSID[:i+1]+strconv.Itoa(u.PrimaryGroupID), nil
}

// membersCheck reads back, after a bulk add that got no answer, which of the values are
// members of the group: on a fresh connection, looking again for a moment at those not
// there yet (see checkWith).
func (c *Client) membersCheck(groupDN string, values []string) func(context.Context) ([]bool, error) {
	return func(ctx context.Context) ([]bool, error) {
		ctx, cancel := context.WithTimeout(ctx, readBackTimeout)
		defer cancel()
		conn, err := c.freshConn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		made := make([]bool, len(values))
		giveUp := time.Now().Add(readBackWindow)
		for {
			left := 0
			for i, v := range values {
				if made[i] {
					continue
				}
				if made[i], err = exists(conn, groupDN, "(member="+ldap.EscapeFilter(v)+")"); err != nil {
					return nil, err
				}
				if !made[i] {
					left++
				}
			}
			if left == 0 || time.Now().After(giveUp) {
				return made, nil
			}
			select {
			case <-ctx.Done():
				return made, nil
			case <-time.After(readBackPause):
			}
		}
	}
}

// lostAnswer is what go-ldap reports when the connection closes under a waiting request
// (used by tests to lose an answer on purpose).
func lostAnswer() error {
	return explainLDAPError(ldap.NewError(ldap.ErrorNetwork, errors.New("ldap: connection closed")))
}
