package ad_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
)

func TestAddAndRemoveMember(t *testing.T) {
	c, logPath, ctx := parallelLab(t)
	u, _ := newLabUser(t, c, staffOU(c))
	name := labtest.UniqueName("g")
	gdn := newLabGroup(t, c, "", name, name, "")

	g, err := c.ResolveGroup(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.AddMember(ctx, g, u.SAMAccountName)
	if err != nil || !out.Changed || out.Note != "added to "+name {
		t.Fatalf("AddMember: changed=%v note=%q err=%v", out.Changed, out.Note, err)
	}
	if got := readUser(t, c, u.SAMAccountName); !slices.Contains(got.MemberOf, gdn) {
		t.Fatalf("after AddMember, memberOf = %v, want it to hold %s", got.MemberOf, gdn)
	}
	if grp, err := c.Group(ctx, gdn); err != nil || !slices.Equal(grp.Members, []string{u.DN}) {
		t.Fatalf("after AddMember, the group's members = %v (%v), want [%s]", grp.Members, err, u.DN)
	}
	out, err = c.AddMember(ctx, g, u.DN)
	if err != nil || out.Changed || !strings.Contains(out.Note, "already a member") {
		t.Fatalf("second AddMember: changed=%v note=%q err=%v, want \"already a member\"", out.Changed, out.Note, err)
	}

	out, err = c.RemoveMember(ctx, g, u.SAMAccountName)
	if err != nil || !out.Changed || out.Note != "removed from "+name {
		t.Fatalf("RemoveMember: changed=%v note=%q err=%v", out.Changed, out.Note, err)
	}
	if got := readUser(t, c, u.SAMAccountName); slices.Contains(got.MemberOf, gdn) {
		t.Fatalf("after RemoveMember, memberOf still holds %s", gdn)
	}
	out, err = c.RemoveMember(ctx, g, u.SAMAccountName)
	if err != nil || out.Changed || !strings.Contains(out.Note, "not a member") {
		t.Fatalf("second RemoveMember: changed=%v note=%q err=%v, want \"not a member\"", out.Changed, out.Note, err)
	}

	_, err = c.AddMember(ctx, g, "nosuchuser")
	mustNotFound(t, err, "AddMember(nosuchuser)")
	// The group itself: groups may be members now, but not of themselves (bad input).
	_, err = c.AddMember(ctx, g, name)
	if !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "cannot be a member of itself") {
		t.Errorf("AddMember(the group's own name): err = %v", err)
	}

	add := pairs(t, auditRecords(t, logPath, "group.add_member"))
	rm := pairs(t, auditRecords(t, logPath, "group.remove_member"))
	if strings.Join(add, ",") != "ok,skipped" || strings.Join(rm, ",") != "ok,skipped" {
		t.Errorf("outcomes: add %v, remove %v; want [ok skipped] each", add, rm)
	}
}

// The primary group is a membership that the group's member attribute does not list.
func TestPrimaryGroupMembership(t *testing.T) {
	c, logPath, ctx := parallelLab(t)
	u, _ := newLabUser(t, c, staffOU(c))
	du, err := c.ResolveGroup(ctx, "Domain Users")
	if err != nil {
		t.Fatal(err)
	}

	out, err := c.RemoveMember(ctx, du, u.SAMAccountName)
	var refused *ad.RefusedError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "primary group") {
		t.Fatalf("removing the primary group: changed=%v note=%q err=%v; want a refusal naming the primary group", out.Changed, out.Note, err)
	}
	if got := readUser(t, c, u.SAMAccountName); got.PrimaryGroupID != 513 {
		t.Fatalf("primaryGroupID = %d after a refused removal", got.PrimaryGroupID)
	}
	if _, members, err := c.GroupMembers(ctx, "Domain Users", false); err != nil {
		t.Fatal(err)
	} else if m := membersByName(t, members)[u.SAMAccountName]; !m.Primary {
		t.Fatalf("%s is no longer listed in Domain Users", u.SAMAccountName)
	}

	out, err = c.AddMember(ctx, du, u.SAMAccountName)
	if err != nil || out.Changed || !strings.Contains(out.Note, "already a member") {
		t.Fatalf("adding to the primary group: changed=%v note=%q err=%v; want \"already a member\"", out.Changed, out.Note, err)
	}
	if got := readUser(t, c, u.SAMAccountName); len(got.MemberOf) != 0 {
		t.Errorf("memberOf = %v, want none (the primary group is not listed there)", got.MemberOf)
	}
	if recs := auditRecords(t, logPath, "group.remove_member"); len(recs) != 0 {
		t.Errorf("a refused removal wrote %d audit records; nothing was attempted", len(recs))
	}
	if got := pairs(t, auditRecords(t, logPath, "group.add_member")); strings.Join(got, ",") != "skipped" {
		t.Errorf("group.add_member outcomes = %v, want [skipped]", got)
	}
}

// A help-desk account without "write members" on a group is told that the group is what it
// may not change, not the account being added.
func TestMembershipRefusalNamesTheGroup(t *testing.T) {
	admin, _, ctx := parallelLab(t)
	trail, _ := labtest.Trail(t, false)
	hd := labtest.ConnectWith(t, labtest.HelpdeskConfig(t), trail)
	u, _ := newLabUser(t, admin, staffOU(admin))
	name := labtest.UniqueName("g")
	newLabGroup(t, admin, "", name, name, "")

	g, err := hd.ResolveGroup(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	_, err = hd.AddMember(ctx, g, u.SAMAccountName)
	if !errors.Is(err, ad.ErrPermission) {
		t.Fatalf("help desk adds to a group: %v, want ErrPermission", err)
	}
	if !strings.Contains(err.Error(), "may not change the members of "+name) {
		t.Errorf("message %q does not say which group may not be changed", err)
	}
}

// After a few checks on one group, a bulk run reads its member list once and answers from
// it; an account not on the list is still asked about and added, and one added since the
// list was read is not added twice.
func TestEnsureMemberReadsTheMemberListInBulk(t *testing.T) {
	t.Parallel()
	c, _ := labtest.Connect(t)
	c.ReadMemberListsAfter(2)
	ctx := context.Background()
	name := labtest.UniqueName("g")
	gdn := newLabGroup(t, c, "", name, name, "")
	var members []*directory.User
	for i := 0; i < 4; i++ {
		u, _ := newLabUser(t, c, staffOU(c))
		if added, err := c.EnsureMember(ctx, name, u.DN); err != nil || !added {
			t.Fatalf("first EnsureMember %d: added=%v err=%v", i, added, err)
		}
		members = append(members, u)
	}
	// The list was read at the third check, with the first two members on it: they are
	// answered from it; the two added later are asked about.
	for _, u := range members {
		if added, err := c.EnsureMember(ctx, name, u.DN); err != nil || added {
			t.Fatalf("EnsureMember of a member: added=%v err=%v", added, err)
		}
	}
	if hits := c.MemberListHits(); hits != 2 {
		t.Errorf("checks answered from the member list = %d, want 2", hits)
	}
	// Not on the list: the directory is asked, and the account is added.
	late, _ := newLabUser(t, c, staffOU(c))
	if added, err := c.EnsureMember(ctx, name, late.DN); err != nil || !added {
		t.Fatalf("EnsureMember of an account not on the list: added=%v err=%v", added, err)
	}
	if added, err := c.EnsureMember(ctx, name, late.DN); err != nil || added {
		t.Fatalf("again: added=%v err=%v, want already a member (asked of the directory)", added, err)
	}
	grp, err := c.Group(ctx, gdn)
	if err != nil || len(grp.Members) != 5 {
		t.Fatalf("members = %v (%v), want 5", grp.Members, err)
	}
}
