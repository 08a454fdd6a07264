package onboarding

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/adkit-dev/adkit/internal/directory"
)

// fakeDomain is an in-memory directory: it answers the planner's lookups from its accounts
// and makes the Provisioner's changes to them, so a test can plan, apply, and plan again
// against the state the first apply left. Collisions and existing IDs are data here, not
// server behaviour, which is what makes a fake adequate for these tests.
type fakeDomain struct {
	mu       sync.Mutex
	users    []*directory.User
	proxies  []string // smtp addresses held by other objects (shared mailboxes, contacts)
	otherDNs []string // objects that are not users but occupy a DN
	members  map[string]map[string]bool
	// Every group a template names exists, as CN=<name>,OU=Groups,..., except these
	// (lower case) and those that name two groups.
	missingGroups   map[string]bool
	ambiguousGroups map[string]bool

	calls   map[string]int // method → number of calls
	asked   map[string]int // method → number of keys asked about in total
	creates map[string]int // employee ID → CreateAccount calls that created it
	// failOnce makes the next matching call fail: "create <employee ID>" or
	// "group <group> <user DN>".
	failOnce map[string]bool
}

func newFakeDomain(users ...*directory.User) *fakeDomain {
	return &fakeDomain{
		users: users, members: map[string]map[string]bool{}, missingGroups: map[string]bool{}, ambiguousGroups: map[string]bool{},
		calls: map[string]int{}, asked: map[string]int{}, creates: map[string]int{}, failOnce: map[string]bool{},
	}
}

func (d *fakeDomain) count(method string, n int) {
	d.calls[method]++
	d.asked[method] += n
}

func (d *fakeDomain) ExistingByEmployeeID(_ context.Context, ids []string) (map[string]*directory.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.count("ExistingByEmployeeID", len(ids))
	out := map[string]*directory.User{}
	for _, id := range ids {
		for _, u := range d.users {
			if strings.EqualFold(u.EmployeeID, id) {
				cp := *u
				out[id] = &cp
			}
		}
	}
	return out, nil
}

func (d *fakeDomain) NamesInUse(_ context.Context, names []string) (map[string]bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.count("NamesInUse", len(names))
	out := map[string]bool{}
	for _, n := range names {
		out[n] = d.nameInUse(n)
	}
	return out, nil
}

// nameInUse follows the Directory contract: a bare name is checked against logon names, an
// address against every address.
func (d *fakeDomain) nameInUse(n string) bool {
	if !strings.Contains(n, "@") {
		for _, u := range d.users {
			local, _, _ := strings.Cut(u.UserPrincipalName, "@")
			if strings.EqualFold(u.SAMAccountName, n) || strings.EqualFold(local, n) {
				return true
			}
		}
		return false
	}
	for _, u := range d.users {
		if strings.EqualFold(u.UserPrincipalName, n) || strings.EqualFold(u.Mail, n) {
			return true
		}
	}
	for _, p := range d.proxies {
		if strings.EqualFold(p, n) {
			return true
		}
	}
	return false
}

func (d *fakeDomain) DNsInUse(_ context.Context, dns []string) (map[string]bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.count("DNsInUse", len(dns))
	out := map[string]bool{}
	for _, dn := range dns {
		for _, u := range d.users {
			if strings.EqualFold(u.DN, dn) {
				out[dn] = true
			}
		}
		for _, o := range d.otherDNs {
			if strings.EqualFold(o, dn) {
				out[dn] = true
			}
		}
	}
	return out, nil
}

func (d *fakeDomain) ManagersByMail(_ context.Context, mails []string) (map[string]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.count("ManagersByMail", len(mails))
	out := map[string]string{}
	for _, m := range mails {
		for _, u := range d.users {
			if strings.EqualFold(u.Mail, m) {
				out[m] = u.DN
			}
		}
	}
	return out, nil
}

func (d *fakeDomain) GroupsByName(_ context.Context, names []string) (map[string][]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.count("GroupsByName", len(names))
	out := map[string][]string{}
	for _, n := range names {
		k := strings.ToLower(n)
		switch {
		case d.missingGroups[k]:
		case d.ambiguousGroups[k]:
			out[n] = []string{"CN=" + n + ",OU=Groups,DC=corp,DC=example,DC=com", "CN=" + n + ",OU=Old,DC=corp,DC=example,DC=com"}
		default:
			out[n] = []string{"CN=" + n + ",OU=Groups,DC=corp,DC=example,DC=com"}
		}
	}
	return out, nil
}

var errFake = errors.New("the server is unwilling to perform")

func (d *fakeDomain) CreateAccount(_ context.Context, a NewAccount) (*directory.User, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.count("CreateAccount", 1)
	for _, u := range d.users {
		if strings.EqualFold(u.EmployeeID, a.EmployeeID) {
			cp := *u
			return &cp, false, nil
		}
	}
	if d.failOnce["create "+a.EmployeeID] {
		delete(d.failOnce, "create "+a.EmployeeID)
		return nil, false, fmt.Errorf("add %s: %w", a.DN, errFake)
	}
	if a.Password.IsZero() {
		return nil, false, errors.New("no password")
	}
	for _, u := range d.users {
		if strings.EqualFold(u.DN, a.DN) || strings.EqualFold(u.SAMAccountName, a.SAMAccountName) {
			return nil, false, fmt.Errorf("add %s: entry already exists", a.DN)
		}
	}
	u := &directory.User{
		DN: a.DN, SAMAccountName: a.SAMAccountName, UserPrincipalName: a.UserPrincipalName,
		DisplayName: a.DisplayName, GivenName: a.GivenName, Surname: a.Surname, Mail: a.Mail,
		EmployeeID: a.EmployeeID, Department: a.Department, Title: a.Title, Manager: a.ManagerDN,
		AccountExpires: a.AccountExpires, MustChangePassword: a.MustChangePassword, Enabled: true,
	}
	d.users = append(d.users, u)
	d.creates[a.EmployeeID]++
	cp := *u
	return &cp, true, nil
}

func (d *fakeDomain) EnsureMember(_ context.Context, group, userDN string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.count("EnsureMember", 1)
	return d.addMember(group, userDN)
}

// AddNewMember is EnsureMember for accounts created in this run; counted apart so tests can
// see that those take the one-request path.
func (d *fakeDomain) AddNewMember(_ context.Context, group string, u *directory.User) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.count("AddNewMember", 1)
	return d.addMember(group, u.DN)
}

func (d *fakeDomain) SetManager(_ context.Context, account *directory.User, managerDN string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.count("SetManager", 1)
	if d.failOnce["manager "+account.DN] {
		delete(d.failOnce, "manager "+account.DN)
		return fmt.Errorf("modify %s: %w", account.DN, errFake)
	}
	for _, u := range d.users {
		if strings.EqualFold(u.DN, account.DN) {
			u.Manager = managerDN
			return nil
		}
	}
	return fmt.Errorf("no such user %s", account.DN)
}

func (d *fakeDomain) addMember(group, userDN string) (bool, error) {
	key := "group " + group + " " + userDN
	if d.failOnce[key] {
		delete(d.failOnce, key)
		return false, fmt.Errorf("modify %s: %w", group, errFake)
	}
	found := false
	for _, u := range d.users {
		found = found || strings.EqualFold(u.DN, userDN)
	}
	if !found {
		return false, fmt.Errorf("no such user %s", userDN)
	}
	if d.members[group] == nil {
		d.members[group] = map[string]bool{}
	}
	if d.members[group][strings.ToLower(userDN)] {
		return false, nil
	}
	d.members[group][strings.ToLower(userDN)] = true
	return true, nil
}

func (d *fakeDomain) isMember(group, userDN string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.members[group][strings.ToLower(userDN)]
}

// bulkDomain is a fakeDomain that adds members many to a request (BulkMembers), as the AD
// client does; a value that fails fails its own account only, as the AD client's retry per
// member makes it (tested against the lab DC in ad).
type bulkDomain struct{ *fakeDomain }

func (b *bulkDomain) AddMembers(_ context.Context, group string, accounts []*directory.User, _ bool) []directory.MemberAdd {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.count("AddMembers", len(accounts))
	res := make([]directory.MemberAdd, len(accounts))
	for i, u := range accounts {
		added, err := b.addMember(group, u.DN)
		res[i] = directory.MemberAdd{Added: added, Err: err}
		if !added && err == nil {
			res[i].Note = "already a member of " + group
		}
	}
	return res
}
