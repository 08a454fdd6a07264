package ad

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
)

// The methods in this file serve bulk work (onboarding): each takes many names and answers
// with a few searches, never one round trip per row.

// orBatch bounds how many alternatives go into one OR filter.
const orBatch = 200

// searchOr runs one search per orBatch values, each value turned into filter clauses by clause.
// The values name the entries (DNs, IDs, addresses), so each answer is small: unpaged
// (searchOnce).
func (c *Client) searchOr(ctx context.Context, class string, values []string, clause func(v string) string, attrs []string, fn func(*ldap.Entry) error) error {
	for start := 0; start < len(values); start += orBatch {
		var b strings.Builder
		b.WriteString("(&" + class + "(|")
		for _, v := range values[start:min(start+orBatch, len(values))] {
			b.WriteString(clause(v))
		}
		b.WriteString("))")
		if err := c.searchOnce(ctx, c.info.DefaultNamingContext, b.String(), attrs, fn); err != nil {
			return err
		}
	}
	return nil
}

// ExistingByEmployeeID returns the accounts that already carry the given employee IDs, keyed by
// the ID as stored (matched without regard to case, as AD compares them). The accounts are
// remembered (memberCache) for the membership checks that follow in a re-run, which would
// otherwise read each one again.
//
// employeeID is not indexed, so every search on it visits every account, and an OR of many
// IDs is tested against each account clause by clause: the cost is accounts × IDs. A few IDs
// (a plan's re-check, `user create`) go in one OR filter; more are found by reading every
// account's employeeID once, with a filter the DC tests in one step, and matching here, then
// reading the accounts found by objectGUID. On the lab DC (1,639 accounts) an OR of 200
// IDs cost 110 ms, of 1,000 IDs 615 ms, and reading every account's employeeID 46 ms
// (docs/benchmarks.md): the file's 1,000 IDs cost one pass over the domain instead of five.
func (c *Client) ExistingByEmployeeID(ctx context.Context, ids []string) (map[string]*directory.User, error) {
	ids = nonEmpty(ids)
	out := map[string]*directory.User{}
	keep := func(e *ldap.Entry) error {
		u := userFromEntry(e)
		out[u.EmployeeID] = u
		return nil
	}
	var err error
	if len(ids) <= employeeIDsInFilter {
		err = c.searchOr(ctx, kindUser.class, ids, func(v string) string {
			return "(employeeID=" + ldap.EscapeFilter(v) + ")"
		}, userAttributeList(), keep)
	} else {
		var guids []string
		if guids, err = c.employeeIDHolders(ctx, ids); err == nil && len(guids) > 0 {
			err = c.searchOr(ctx, kindUser.class, guids, func(v string) string {
				return "(objectGUID=" + escapeBinary([]byte(v)) + ")"
			}, userAttributeList(), keep)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("look up employee IDs: %w", err)
	}
	c.members.remember(out)
	return out, nil
}

// employeeIDsInFilter is the most employee IDs ExistingByEmployeeID puts in an OR filter: up
// to here the clauses cost the DC less than sending every account's employeeID would
// (about half a millisecond a clause on the lab; see ExistingByEmployeeID).
const employeeIDsInFilter = 32

// employeeIDHolders returns the objectGUIDs of the accounts whose employeeID is one of ids,
// reading every account that has one (only its employeeID and objectGUID, keeping the
// matches). Unpaged (searchOnce): on Samba that is a third of the time; a DC with more such
// accounts than its size limit is asked again, paged. The matches are then read by GUID,
// which Samba finds three to four times sooner than by DN (an OR of 200: 60 ms against
// 210 ms, on the lab at load 18).
func (c *Client) employeeIDHolders(ctx context.Context, ids []string) ([]string, error) {
	wanted := make(map[string]bool, len(ids))
	for _, id := range ids {
		wanted[strings.ToLower(id)] = true
	}
	var guids []string
	err := c.searchOnce(ctx, c.info.DefaultNamingContext, "(&"+kindUser.class+"(employeeID=*))", []string{"employeeID", "objectGUID"},
		func(e *ldap.Entry) error {
			for _, v := range e.GetAttributeValues("employeeID") {
				if g := e.GetRawAttributeValue("objectGUID"); wanted[strings.ToLower(v)] && len(g) > 0 {
					guids = append(guids, string(g))
					break
				}
			}
			return nil
		})
	return guids, err
}

// DNsInUse reports which of the DNs name an existing object (of any kind: a contact called
// "John Smith" blocks the CN as much as a user does).
func (c *Client) DNsInUse(ctx context.Context, dns []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := c.searchOr(ctx, "(objectClass=*)", nonEmpty(dns), func(v string) string {
		return "(distinguishedName=" + ldap.EscapeFilter(v) + ")"
	}, []string{"1.1"}, func(e *ldap.Entry) error {
		out[e.DN] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check names in OUs: %w", err)
	}
	// The directory may return a DN normalised differently from how it was asked (case,
	// escaping); report it under every asked spelling that parses to the same DN.
	for _, asked := range dns {
		for found := range out {
			if !out[asked] && dnEqual(asked, found) {
				out[asked] = true
			}
		}
	}
	return out, nil
}

// ManagersByMail resolves email addresses (mail or an smtp: proxy address) to user DNs.
func (c *Client) ManagersByMail(ctx context.Context, mails []string) (map[string]string, error) {
	out := map[string]string{}
	err := c.searchOr(ctx, kindUser.class, nonEmpty(mails), func(v string) string {
		e := ldap.EscapeFilter(v)
		return "(mail=" + e + ")(proxyAddresses=smtp:" + e + ")"
	}, []string{"mail", "proxyAddresses"}, func(e *ldap.Entry) error {
		if m := e.GetAttributeValue("mail"); m != "" {
			out[strings.ToLower(m)] = e.DN
		}
		for _, p := range e.GetAttributeValues("proxyAddresses") {
			if scheme, addr, ok := strings.Cut(p, ":"); ok && strings.EqualFold(scheme, "smtp") {
				if _, seen := out[strings.ToLower(addr)]; !seen {
					out[strings.ToLower(addr)] = e.DN
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up managers by mail: %w", err)
	}
	return out, nil
}

// GroupsByName finds the groups that names name, as ResolveGroup would find each one
// (sAMAccountName, cn, mail or smtp: proxy address, DOMAIN\name, objectGUID, DN), in one
// search for the lot; DNs are read at their address. The result maps each name that matches
// to the DNs of every group it matches (more than one: ambiguous); names matching none are
// absent.
func (c *Client) GroupsByName(ctx context.Context, names []string) (map[string][]string, error) {
	out := map[string][]string{}
	var plain []string
	for _, n := range nonEmpty(names) {
		filter, dn, err := identityFilter(kindGroup, n)
		if err != nil {
			return nil, err
		}
		if dn == "" {
			plain = append(plain, n)
			continue
		}
		e, err := c.readEntry(ctx, dn, filter, []string{"1.1"})
		if err != nil {
			return nil, fmt.Errorf("look up group %s: %w", n, err)
		}
		if e != nil {
			out[n] = []string{e.DN}
		}
	}
	if len(plain) == 0 {
		return out, nil
	}
	// One OR filter of every name's clauses; which name an entry answers is decided here.
	attrs := []string{"sAMAccountName", "cn", "mail", "proxyAddresses", "objectGUID"}
	for start := 0; start < len(plain); start += orBatch {
		batch := plain[start:min(start+orBatch, len(plain))]
		var b strings.Builder
		b.WriteString("(|")
		for _, n := range batch {
			f, _, _ := identityFilter(kindGroup, n)
			b.WriteString(f)
		}
		b.WriteString(")")
		err := c.searchEach(ctx, c.baseDN, b.String(), attrs, func(e *ldap.Entry) error {
			for _, n := range batch {
				if groupAnswers(e, n) {
					out[n] = append(out[n], e.DN)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("look up groups: %w", err)
		}
	}
	return out, nil
}

// groupAnswers reports whether a group entry is one that identityFilter's filter for ident
// matches (AD compares these names without regard to case).
func groupAnswers(e *ldap.Entry, ident string) bool {
	ident = strings.TrimSpace(ident)
	if guid, ok := parseGUID(ident); ok {
		return string(e.GetRawAttributeValue("objectGUID")) == string(guid)
	}
	if domain, name, ok := strings.Cut(ident, `\`); ok && domain != "" && name != "" && !strings.Contains(name, `\`) {
		return strings.EqualFold(e.GetAttributeValue("sAMAccountName"), name)
	}
	for _, a := range kindGroup.nameAttrs {
		for _, v := range e.GetAttributeValues(a) {
			if strings.EqualFold(v, ident) {
				return true
			}
		}
	}
	for _, p := range e.GetAttributeValues("proxyAddresses") {
		if strings.EqualFold(p, "smtp:"+ident) {
			return true
		}
	}
	return false
}

func nonEmpty(values []string) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// CreateAccount creates an account whose name, place and groups were decided already. It is
// idempotent by employee ID: when the add collides with an account that carries the same
// employee ID, that account is returned with created=false, so a run interrupted anywhere can
// be run again. The employee ID is only looked up on a collision: employeeID is not indexed,
// and a search per row cost more than the add itself. A created account is not read back:
// it is what the add said, and onboarding needs only its names.
func (c *Client) CreateAccount(ctx context.Context, a directory.NewAccount) (*directory.User, bool, error) {
	if err := validSAM(a.SAMAccountName); err != nil {
		return nil, false, err
	}
	err := c.addEntry(ctx, a)
	if err == nil {
		return &directory.User{
			DN: a.DN, SAMAccountName: a.SAMAccountName, UserPrincipalName: a.UserPrincipalName,
			DisplayName: a.DisplayName, GivenName: a.GivenName, Surname: a.Surname, Mail: a.Mail,
			EmployeeID: a.EmployeeID, Department: a.Department, Title: a.Title, Manager: a.ManagerDN,
			AccountExpires: a.AccountExpires, MustChangePassword: a.MustChangePassword, Enabled: true,
		}, true, nil
	}
	if a.EmployeeID != "" && nameTaken(err) {
		found, lookErr := c.ExistingByEmployeeID(ctx, []string{a.EmployeeID})
		if lookErr != nil {
			return nil, false, errors.Join(err, lookErr)
		}
		for id, existing := range found {
			if strings.EqualFold(id, a.EmployeeID) {
				// An earlier run may have sent this create and never heard back: its intent
				// is settled now that the account is found.
				changes := []audit.Change{{Attribute: "employeeID", After: a.EmployeeID}}
				for _, tgt := range []audit.Target{{DN: existing.DN, Name: existing.Name()}, {DN: a.DN, Name: a.SAMAccountName}} {
					if err := c.settleEarlier(ctx, "user.create", tgt, changes, "a later run found the account "+existing.DN+" with employee ID "+a.EmployeeID); err != nil {
						return nil, false, err
					}
				}
				return existing, false, nil
			}
		}
	}
	return nil, false, err
}

// FoundExisting is told by onboarding that the account of a row already exists (the plan
// found its employee ID): an earlier run that sent its create and was interrupted before the
// answer left the intent open, and this settles it.
func (c *Client) FoundExisting(ctx context.Context, u *directory.User, employeeID string) error {
	if employeeID == "" || c.DryRun() {
		return nil
	}
	return c.settleEarlier(ctx, "user.create", audit.Target{DN: u.DN, Name: u.Name()},
		[]audit.Change{{Attribute: "employeeID", After: employeeID}},
		"a later run found the account "+u.DN+" with employee ID "+employeeID)
}

// addAccount writes the account, through the audit trail, and reads it back.
func (c *Client) addAccount(ctx context.Context, a directory.NewAccount) (*directory.User, error) {
	if err := c.addEntry(ctx, a); err != nil {
		return nil, err
	}
	if c.DryRun() {
		return &directory.User{DN: a.DN, SAMAccountName: a.SAMAccountName, UserPrincipalName: a.UserPrincipalName,
			DisplayName: a.DisplayName, EmployeeID: a.EmployeeID}, nil
	}
	u, err := c.User(ctx, a.DN)
	if err != nil {
		return nil, fmt.Errorf("account %s was created, but reading it back failed: %w", a.DN, err)
	}
	return u, nil
}

// addEntry writes the account through the audit trail. The password travels only inside the
// add request; the audit record says that it was set, never what.
func (c *Client) addEntry(ctx context.Context, a directory.NewAccount) error {
	req := ldap.NewAddRequest(a.DN, nil)
	var changes []audit.Change
	set := func(attr, value string) {
		if value == "" {
			return
		}
		req.Attribute(attr, []string{value})
		changes = append(changes, audit.Change{Attribute: attr, After: value})
	}
	req.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
	set("sAMAccountName", a.SAMAccountName)
	set("userPrincipalName", a.UserPrincipalName)
	set("givenName", a.GivenName)
	set("sn", a.Surname)
	set("displayName", a.DisplayName)
	set("mail", a.Mail)
	set("employeeID", a.EmployeeID)
	set("department", a.Department)
	set("title", a.Title)
	set("physicalDeliveryOfficeName", a.Office)
	set("manager", a.ManagerDN)
	set("description", a.Description)
	if a.AccountExpires != nil {
		set("accountExpires", toFileTime(*a.AccountExpires))
	}
	req.Attribute("unicodePwd", []string{encodePassword(a.Password)})
	changes = append(changes, audit.Change{Attribute: "unicodePwd", Secret: true})
	set("userAccountControl", strconv.Itoa(uacNormalAccount))
	if a.MustChangePassword {
		set("pwdLastSet", "0")
	}
	tgt := audit.Target{DN: a.DN, Name: a.SAMAccountName}
	err := c.change(ctx, "user.create", tgt, changes, func(context.Context) error {
		if err := c.conn.Add(req); err != nil {
			return explainLDAPError(err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create %s: %w", a.SAMAccountName, err)
	}
	return nil
}

// groupCache remembers resolved groups for the life of a Client: a bulk run names the same
// few groups thousands of times.
type groupCache struct {
	mu   sync.Mutex
	refs map[string]directory.GroupRef
}

// EnsureMember makes the user a member of the group, and says whether it had to.
func (c *Client) EnsureMember(ctx context.Context, group, userDN string) (bool, error) {
	g, err := c.cachedGroup(ctx, group)
	if err != nil {
		return false, err
	}
	u, err := c.members.user(ctx, c, userDN)
	if errors.Is(err, directory.ErrNotFound) && c.DryRun() {
		// A dry run did not create the account it is now adding: record what would happen.
		tgt := audit.Target{DN: userDN, Name: dn.CommonName(userDN)}
		return true, c.change(ctx, "group.add_member", tgt, []audit.Change{{Attribute: "group", After: g.DN}}, noop)
	}
	if err != nil {
		return false, err
	}
	o, err := c.ensureMembership(ctx, g, u, true)
	if err != nil {
		return false, err
	}
	return o.Changed || o.WouldChange, nil
}

// AddNewMember adds an account this run has just created to a group with one modify: nothing
// can have made it a member yet, so the look-ups EnsureMember makes first (the account, its
// membership, its primary group) would be three wasted round trips per group. AD's
// entryAlreadyExists — the group is the account's primary group, or another run was quicker —
// means the membership is there: it is recorded as skipped and is not an error.
func (c *Client) AddNewMember(ctx context.Context, group string, u *directory.User) (bool, error) {
	g, err := c.cachedGroup(ctx, group)
	if err != nil {
		return false, err
	}
	req := ldap.NewModifyRequest(g.DN, nil)
	req.Add("member", []string{u.DN})
	err = c.change(ctx, "group.add_member", target(u), []audit.Change{{Attribute: "group", After: g.DN}}, func(context.Context) error {
		err := c.conn.Modify(req)
		if err == nil {
			return nil
		}
		// Samba answers 68 (checked on the lab, for both cases); AD's detail code 00000562
		// (ERROR_MEMBER_IN_ALIAS) is recognised whatever result code carries it.
		err = explainLDAPError(err)
		if note := alreadyDone(err, true); note != "" {
			return audit.Skipped(note + " " + g.SAMAccountName)
		}
		return err
	})
	if errors.Is(err, audit.ErrSkipped) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("add %s to %s: %w", u.Name(), g.SAMAccountName, err)
	}
	return true, nil
}

// SetManager sets an account's manager with one modify; the planner has decided that it has
// none (a new account, or an existing one without a manager), so there is no before value to
// read.
func (c *Client) SetManager(ctx context.Context, u *directory.User, managerDN string) error {
	req := ldap.NewModifyRequest(u.DN, nil)
	req.Replace("manager", []string{managerDN})
	if err := c.modify(ctx, "user.update", u, []audit.Change{{Attribute: "manager", Before: "", After: managerDN}}, req); err != nil {
		return fmt.Errorf("set the manager of %s: %w", u.Name(), err)
	}
	return nil
}

// memberCache remembers the accounts EnsureMember has read, by DN, for the life of a Client:
// a row's account is looked at once, not once per group. It keeps what membership checks
// use (DN, SID, primary group), which a run does not change.
type memberCache struct {
	mu   sync.Mutex
	byDN map[string]*directory.User
}

// remember adds accounts read whole (userAttributeList) to the cache. Each is copied: the
// caller may change its own.
func (m *memberCache) remember(users map[string]*directory.User) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byDN == nil {
		m.byDN = map[string]*directory.User{}
	}
	for _, u := range users {
		cp := *u
		m.byDN[strings.ToLower(u.DN)] = &cp
	}
}

func (m *memberCache) user(ctx context.Context, c *Client, dn string) (*directory.User, error) {
	key := strings.ToLower(dn)
	m.mu.Lock()
	u, ok := m.byDN[key]
	m.mu.Unlock()
	if ok {
		return u, nil
	}
	u, err := c.User(ctx, dn)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.byDN == nil {
		m.byDN = map[string]*directory.User{}
	}
	m.byDN[key] = u
	m.mu.Unlock()
	return u, nil
}

func (c *Client) cachedGroup(ctx context.Context, ident string) (directory.GroupRef, error) {
	c.groups.mu.Lock()
	defer c.groups.mu.Unlock()
	key := strings.ToLower(ident)
	if g, ok := c.groups.refs[key]; ok {
		return g, nil
	}
	g, err := c.ResolveGroup(ctx, ident)
	if err != nil {
		return g, err
	}
	if c.groups.refs == nil {
		c.groups.refs = map[string]directory.GroupRef{}
	}
	c.groups.refs[key] = g
	return g, nil
}
