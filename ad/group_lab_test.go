package ad_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
)

func groupDN(c *ad.Client, cn string) string { return "CN=" + cn + ",OU=Groups," + c.BaseDN() }

// membershipsByName indexes memberships by sAMAccountName and fails on a group listed twice.
func membershipsByName(t *testing.T, ms []directory.Membership) map[string]directory.Membership {
	t.Helper()
	out := map[string]directory.Membership{}
	dns := map[string]bool{}
	for _, m := range ms {
		if dns[strings.ToLower(m.DN)] {
			t.Errorf("group %s is listed twice", m.DN)
		}
		dns[strings.ToLower(m.DN)] = true
		if m.SAMAccountName == "" {
			t.Errorf("membership %s has no sAMAccountName", m.DN)
		}
		out[m.SAMAccountName] = m
	}
	return out
}

func membersByName(t *testing.T, ms []directory.Member) map[string]directory.Member {
	t.Helper()
	out := map[string]directory.Member{}
	for _, m := range ms {
		k := strings.ToLower(m.SAMAccountName)
		if _, dup := out[k]; dup {
			t.Errorf("member %s is listed twice", m.DN)
		}
		out[k] = m
	}
	return out
}

func TestUserGroupsRecursiveWithPrimaryGroup(t *testing.T) {
	c, _, ctx := parallelLab(t)
	u, ms, err := c.UserGroups(ctx, "jdoe", true)
	if err != nil {
		t.Fatal(err)
	}
	if u.SAMAccountName != "jdoe" {
		t.Fatalf("user = %s", u.SAMAccountName)
	}
	got := membershipsByName(t, ms)
	for _, name := range []string{"Tier1", "Engineers", "Staff"} {
		m, ok := got[name]
		if !ok || !m.Direct || m.Primary || len(m.Via) != 0 {
			t.Errorf("%s: %+v (present %v), want a direct, non-primary membership", name, m, ok)
		}
	}
	if m := got["Tier3"]; m.Direct || !slices.Equal(m.Via, []string{groupDN(c, "Tier1"), groupDN(c, "Tier2")}) {
		t.Errorf("Tier3: %+v, want nested via [Tier1 Tier2]", m)
	}
	if m := got["Tier2"]; m.Direct || !slices.Equal(m.Via, []string{groupDN(c, "Tier1")}) {
		t.Errorf("Tier2: %+v, want nested via [Tier1]", m)
	}
	if m := got["VPN Users"]; m.Direct || !slices.Equal(m.Via, []string{groupDN(c, "Engineers")}) {
		t.Errorf("VPN Users: %+v, want nested via [Engineers]", m)
	}
	du, ok := got["Domain Users"]
	if !ok || !du.Primary || !du.Direct || du.DN != "CN=Domain Users,CN=Users,"+c.BaseDN() {
		t.Errorf("Domain Users: %+v (present %v), want the direct primary group", du, ok)
	}
	for name, m := range got {
		if name != "Domain Users" && m.Primary {
			t.Errorf("%s is marked primary", name)
		}
	}

	_, ms, err = c.UserGroups(ctx, "jdoe", false)
	if err != nil {
		t.Fatal(err)
	}
	got = membershipsByName(t, ms)
	for _, name := range []string{"Tier2", "Tier3", "VPN Users"} {
		if _, ok := got[name]; ok {
			t.Errorf("non-recursive listing includes nested group %s", name)
		}
	}
	for _, name := range []string{"Tier1", "Engineers", "Staff", "Domain Users"} {
		if m, ok := got[name]; !ok || !m.Direct {
			t.Errorf("non-recursive listing lacks direct group %s", name)
		}
	}
	if !got["Domain Users"].Primary {
		t.Error("non-recursive listing: Domain Users is not marked primary")
	}
}

func TestUserGroupsCycleEnds(t *testing.T) {
	t.Parallel()
	c, _ := labtest.Connect(t)
	_, ms, err := c.UserGroups(context.Background(), "bwayne", true)
	if err != nil {
		t.Fatal(err)
	}
	got := membershipsByName(t, ms) // also fails on any group listed twice
	a, okA := got["CycleA"]
	b, okB := got["CycleB"]
	if !okA || !a.Direct || !okB || b.Direct || !slices.Equal(b.Via, []string{groupDN(c, "CycleA")}) {
		t.Errorf("CycleA %+v, CycleB %+v: want CycleA direct and CycleB via [CycleA]", a, b)
	}
}

func TestGroupMembersRangedRetrieval(t *testing.T) {
	t.Parallel()
	cfg := labtest.Config(t)
	var mu sync.Mutex
	var windows []string
	cfg.Debug = func(format string, args ...any) {
		if line := fmt.Sprintf(format, args...); strings.Contains(line, "member;range=") {
			mu.Lock()
			windows = append(windows, line)
			mu.Unlock()
		}
	}
	trail, _ := labtest.Trail(t, false)
	c := labtest.ConnectWith(t, cfg, trail)
	ctx := context.Background()
	defer func() {
		// 1600 members take two windows: 0-1499 and 1500-2999 (answered as 1500-*).
		mu.Lock()
		defer mu.Unlock()
		if n := countContaining(windows, "member;range=1500-2999"); n == 0 {
			t.Errorf("the second range window was never requested; requests: %v", windows)
		}
	}()
	g, members, err := c.GroupMembers(ctx, "BigGroup", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Members) != 1600 {
		t.Errorf("Group(BigGroup).Members has %d values, want 1600", len(g.Members))
	}
	if len(members) != 1600 {
		t.Fatalf("GroupMembers(BigGroup) = %d members, want 1600", len(members))
	}
	byName := membersByName(t, members)
	for _, sam := range []string{"bulk0001", "bulk1500", "bulk1501", "bulk1600"} {
		m, ok := byName[sam]
		if !ok || m.Class != "user" || !m.Direct || m.Enabled == nil || *m.Enabled {
			t.Errorf("%s: %+v (present %v), want a direct, disabled user", sam, m, ok)
		}
	}
}

func TestGroupMembersNestedAndPrimary(t *testing.T) {
	c, _, ctx := parallelLab(t)

	_, members, err := c.GroupMembers(ctx, "VPN Users", true)
	if err != nil {
		t.Fatal(err)
	}
	got := membersByName(t, members)
	if m := got["engineers"]; m.Class != "group" || !m.Direct {
		t.Errorf("Engineers in VPN Users: %+v, want a direct group member", m)
	}
	for _, sam := range []string{"jdoe", "asmith"} {
		if m := got[sam]; m.Direct || m.Class != "user" || !slices.Equal(m.Via, []string{groupDN(c, "Engineers")}) {
			t.Errorf("%s in VPN Users: %+v, want a user via [Engineers]", sam, m)
		}
	}
	// Not recursive: Engineers, not the users in it. (Not "only Engineers": VPN Users is a
	// seeded group of the shared lab, whose other members are not this test's to assert.)
	if _, members, err = c.GroupMembers(ctx, "VPN Users", false); err != nil {
		t.Fatal(err)
	} else {
		direct := membersByName(t, members)
		if m, ok := direct["engineers"]; !ok || !m.Direct {
			t.Errorf("VPN Users, not recursive: %+v, want Engineers as a direct member", members)
		}
		for _, sam := range []string{"jdoe", "asmith"} {
			if _, ok := direct[sam]; ok {
				t.Errorf("VPN Users, not recursive, lists %s, a member only through Engineers: %+v", sam, members)
			}
		}
	}

	_, members, err = c.GroupMembers(ctx, "Domain Admins", true)
	if err != nil {
		t.Fatal(err)
	}
	got = membersByName(t, members)
	if m := got["adm-jdoe"]; m.Direct || !slices.Equal(m.Via, []string{groupDN(c, "IT Admins")}) {
		t.Errorf("adm-jdoe in Domain Admins: %+v, want via [IT Admins]", m)
	}
	if m := got["it admins"]; !m.Direct || m.Class != "group" {
		t.Errorf("IT Admins in Domain Admins: %+v, want a direct group member", m)
	}
	if m := got["administrator"]; !m.Direct {
		t.Errorf("Administrator in Domain Admins: %+v, want direct", m)
	}

	_, members, err = c.GroupMembers(ctx, "Domain Users", false)
	if err != nil {
		t.Fatal(err)
	}
	got = membersByName(t, members)
	for _, sam := range []string{"jdoe", "bulk0042", "adm-jdoe"} {
		if m := got[sam]; !m.Primary || !m.Direct || m.Class != "user" {
			t.Errorf("%s in Domain Users: %+v, want a direct member through its primary group", sam, m)
		}
	}
	if len(members) < 1600+14 {
		t.Errorf("Domain Users has %d members, want at least the 1614 seeded users", len(members))
	}
}

func TestGroupLookup(t *testing.T) {
	c, _, ctx := parallelLab(t)
	dn := groupDN(c, "Tier2")
	for _, ident := range []string{"Tier2", "tier2", dn, strings.ToLower(dn)} {
		g, err := c.Group(ctx, ident)
		if err != nil {
			t.Errorf("Group(%q): %v", ident, err)
			continue
		}
		if g.DN != dn || g.SAMAccountName != "Tier2" || g.Scope != "global" || !g.Security {
			t.Errorf("Group(%q) = %+v", ident, g)
		}
		if !slices.Equal(g.Members, []string{groupDN(c, "Tier1")}) || !slices.Equal(g.MemberOf, []string{groupDN(c, "Tier3")}) {
			t.Errorf("Group(%q): members %v, member of %v; want [Tier1], [Tier3]", ident, g.Members, g.MemberOf)
		}
		byGUID, err := c.Group(ctx, g.ObjectGUID)
		if err != nil || byGUID.DN != dn {
			t.Errorf("Group by objectGUID %s: %v", g.ObjectGUID, err)
		}
	}
	ref, err := c.ResolveGroup(ctx, "vpn users")
	if err != nil || ref.DN != groupDN(c, "VPN Users") || ref.SAMAccountName != "VPN Users" {
		t.Errorf("ResolveGroup(vpn users) = %+v, %v", ref, err)
	}

	for _, ident := range []string{"nosuchgroup", "*", "Tier*", "jdoe", "Tier1)(cn=*", "CN=Nope,OU=Groups," + c.BaseDN(), "CN=John Doe,OU=Engineering,OU=Staff," + c.BaseDN()} {
		_, err := c.Group(ctx, ident)
		mustNotFound(t, err, "Group("+ident+")")
		_, err = c.ResolveGroup(ctx, ident)
		mustNotFound(t, err, "ResolveGroup("+ident+")")
	}
	if _, err := c.Group(ctx, "CN=bad,,x"); !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("Group(malformed DN) = %v, want invalid input", err)
	}

	// Two groups share a cn in different OUs: a name that fits both is ambiguous.
	name := labtest.UniqueName("g")
	first := newLabGroup(t, c, "", name, name, "")
	second := newLabGroup(t, c, staffOU(c), name, labtest.UniqueName("h"), "")
	for _, resolve := range []func() error{
		func() error { _, err := c.Group(ctx, name); return err },
		func() error { _, err := c.ResolveGroup(ctx, name); return err },
	} {
		err := resolve()
		var amb *directory.AmbiguousError
		if !errors.As(err, &amb) || len(amb.Candidates) != 2 {
			t.Fatalf("two groups named %s: error = %v, want ambiguous with 2 candidates", name, err)
		}
		if !strings.Contains(err.Error(), first) || !strings.Contains(err.Error(), second) {
			t.Errorf("ambiguity does not list both groups: %v", err)
		}
	}
	// Each is still reachable by DN.
	for _, dn := range []string{first, second} {
		if g, err := c.Group(ctx, dn); err != nil || g.DN != dn || len(g.Members) != 0 {
			t.Errorf("Group(%s) = %+v, %v", dn, g, err)
		}
	}
}

func countContaining(lines []string, sub string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}
