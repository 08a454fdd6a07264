package ad_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// rawValue reads one attribute of an object as the admin sees it.
func rawValue(t *testing.T, c *ad.Client, dn, attr string) string {
	t.Helper()
	var v string
	err := c.Search(context.Background(), "(objectClass=*)", []string{attr}, ad.SearchOptions{Base: dn, BaseOnly: true}, func(e *ad.Entry) error {
		v = e.Value(attr)
		return nil
	})
	if err != nil {
		t.Fatalf("read %s of %s: %v", attr, dn, err)
	}
	return v
}

// user set: one modify, before and after on the audit record, nothing when already as asked,
// --clear empties, manager by mail address, expiry by date.
func TestUpdateUserAttributes(t *testing.T) {
	c, logPath, ctx := parallelLab(t)
	u, _ := newLabUser(t, c, staffOU(c), func(nu *directory.NewUser) { nu.Title = "Engineer" })
	mgr := readUser(t, c, "asmith")
	end := time.Date(2031, 6, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)

	upd := directory.UserUpdate{
		Values: map[string]string{"title": "Senior Engineer", "department": "R&D", "manager": mgr.Mail,
			"phone": "+1 555 0100", "mobile": "+1 555 0199", "office": "B2.14", "company": "Adkit Ltd"},
		SetExpires: true, Expires: &end,
	}
	out, err := c.UpdateUser(ctx, u.SAMAccountName, upd)
	if err != nil || !out.Changed {
		t.Fatalf("UpdateUser: changed=%v err=%v", out.Changed, err)
	}
	if !strings.Contains(out.Note, `title "Engineer" → "Senior Engineer"`) {
		t.Errorf("note %q does not say title before → after", out.Note)
	}
	got := readUser(t, c, u.SAMAccountName)
	if got.Title != "Senior Engineer" || got.Department != "R&D" || got.Manager != mgr.DN {
		t.Errorf("after update: title %q department %q manager %q", got.Title, got.Department, got.Manager)
	}
	if got.AccountExpires == nil || !got.AccountExpires.Equal(end) {
		t.Errorf("accountExpires = %v, want %v", got.AccountExpires, end)
	}
	for attr, want := range map[string]string{"telephoneNumber": "+1 555 0100", "mobile": "+1 555 0199", "physicalDeliveryOfficeName": "B2.14", "company": "Adkit Ltd"} {
		if v := rawValue(t, c, u.DN, attr); v != want {
			t.Errorf("%s = %q, want %q", attr, v, want)
		}
	}
	recs := auditRecords(t, logPath, "user.update")
	if len(recs) != 2 || pairs(t, recs)[0] != "ok" {
		t.Fatalf("want one user.update intent+outcome pair, got %d records", len(recs))
	}
	var sawTitle bool
	for _, ch := range recs[0].Changes {
		if ch.Attribute == "title" && ch.Before == "Engineer" && ch.After == "Senior Engineer" {
			sawTitle = true
		}
	}
	if !sawTitle || len(recs[0].Changes) != 8 {
		t.Errorf("intent changes = %+v; want 8 attributes, title Engineer → Senior Engineer", recs[0].Changes)
	}

	// The same again: nothing to change, recorded as skipped.
	out, err = c.UpdateUser(ctx, u.SAMAccountName, upd)
	if err != nil || out.Changed || !strings.Contains(out.Note, "nothing to change") {
		t.Errorf("repeat UpdateUser: changed=%v note=%q err=%v", out.Changed, out.Note, err)
	}
	// Clear the mobile and the expiry.
	out, err = c.UpdateUser(ctx, u.SAMAccountName, directory.UserUpdate{Clear: []string{"mobile", "expires"}})
	if err != nil || !out.Changed {
		t.Fatalf("clear: changed=%v err=%v", out.Changed, err)
	}
	if v := rawValue(t, c, u.DN, "mobile"); v != "" {
		t.Errorf("mobile after --clear = %q", v)
	}
	if got := readUser(t, c, u.SAMAccountName); got.AccountExpires != nil {
		t.Errorf("accountExpires after clearing = %v, want never", got.AccountExpires)
	}

	// Bad input changes nothing: an unknown manager, an attribute set and cleared.
	if _, err := c.UpdateUser(ctx, u.SAMAccountName, directory.UserUpdate{Values: map[string]string{"title": "X", "manager": "nosuchmanager"}}); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("unknown manager: err = %v, want not found", err)
	}
	if got := readUser(t, c, u.SAMAccountName); got.Title != "Senior Engineer" {
		t.Errorf("title after a refused update = %q: half-written", got.Title)
	}
	if _, err := c.UpdateUser(ctx, u.SAMAccountName, directory.UserUpdate{Values: map[string]string{"title": "X"}, Clear: []string{"title"}}); !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("set and clear: err = %v, want invalid input", err)
	}
}

// The delegated help-desk account may write lockoutTime and pwdLastSet only: a title change
// is refused, and the message names the attribute.
func TestUpdateUserNotPermittedNamesTheAttribute(t *testing.T) {
	t.Parallel()
	admin, _ := labtest.Connect(t)
	u, _ := newLabUser(t, admin, staffOU(admin))
	trail, logPath := labtest.Trail(t, false)
	hd := labtest.ConnectWith(t, labtest.HelpdeskConfig(t), trail)

	_, err := hd.UpdateUser(context.Background(), u.SAMAccountName, directory.UserUpdate{Values: map[string]string{"title": "Boss", "department": "Exec"}})
	if !errors.Is(err, ad.ErrPermission) {
		t.Fatalf("help-desk title change: err = %v, want not permitted", err)
	}
	for _, want := range []string{"not permitted", "helpdesk1@lab.adkit.test", "department, title", u.SAMAccountName} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not contain %q", err.Error(), want)
		}
	}
	if got := readUser(t, admin, u.SAMAccountName); got.Title != "" || got.Department != "" {
		t.Errorf("after the refusal: title %q department %q", got.Title, got.Department)
	}
	if res := pairs(t, auditRecords(t, logPath, "user.update")); len(res) != 1 || res[0] != "error" {
		t.Errorf("audit outcomes %v, want [error]", res)
	}
}

// user show: when a real lockout ends, from the domain policy (30 minutes in the lab).
func TestExplainLockoutFromDomainPolicy(t *testing.T) {
	t.Parallel()
	c, _ := labtest.Connect(t)
	u, _ := newLabUser(t, c, staffOU(c))
	lockOut(t, c, u.SAMAccountName)
	t.Cleanup(func() { _, _ = c.Unlock(context.Background(), u.SAMAccountName) })
	got := readUser(t, c, u.SAMAccountName)
	if got.LastBadPasswordTime == nil {
		t.Error("last_bad_password_time is empty after 5 bad passwords")
	}
	if err := c.ExplainLockout(context.Background(), got); err != nil {
		t.Fatal(err)
	}
	if got.LockoutEnds == nil || !got.LockoutEnds.Equal(got.LockoutTime.Add(30*time.Minute)) {
		t.Errorf("lockout_ends = %v, want lockout_time %v + 30 min", got.LockoutEnds, got.LockoutTime)
	}
	if got.UnlocksByItself == nil || !*got.UnlocksByItself || !strings.EqualFold(got.LockoutPolicy, c.BaseDN()) {
		t.Errorf("unlocks_by_itself %v, policy %q; want true, the domain", got.UnlocksByItself, got.LockoutPolicy)
	}
	// Not locked: nothing to explain.
	other := readUser(t, c, "jdoe")
	if err := c.ExplainLockout(context.Background(), other); err != nil || other.LockoutEnds != nil || other.UnlocksByItself != nil {
		t.Errorf("unlocked account: ends %v, by itself %v, err %v", other.LockoutEnds, other.UnlocksByItself, err)
	}
}

// group add takes groups and computers; a nesting that closes a cycle is refused, naming the
// path.
func TestGroupAddNestingAndCycle(t *testing.T) {
	c, logPath, ctx := parallelLab(t)
	names := []string{labtest.UniqueName("i13a"), labtest.UniqueName("i13b"), labtest.UniqueName("i13c")}
	dns := make([]string, 3)
	for i, n := range names {
		dns[i] = newLabGroup(t, c, "", n, n, "")
	}
	ref := func(i int) directory.GroupRef {
		g, err := c.ResolveGroup(ctx, names[i])
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	// b in a, c in b.
	if out, err := c.AddMember(ctx, ref(0), names[1]); err != nil || !out.Changed {
		t.Fatalf("add group b to a: %v %+v", err, out)
	}
	if _, err := c.AddMember(ctx, ref(1), names[2]); err != nil {
		t.Fatalf("add group c to b: %v", err)
	}
	// a in c would close a → b → c → a.
	_, err := c.AddMember(ctx, ref(2), names[0])
	var cyc *ad.CycleError
	if !errors.As(err, &cyc) || !errors.Is(err, directory.ErrInvalidInput) {
		t.Fatalf("cycle: err = %v, want a CycleError", err)
	}
	want := names[2] + " → " + names[1] + " → " + names[0]
	if !strings.Contains(err.Error(), want) {
		t.Errorf("cycle message %q does not show the path %q", err.Error(), want)
	}
	if rawValue(t, c, dns[2], "member") != "" {
		t.Error("the refused nesting was written")
	}
	// A computer, by its name without $.
	out, err := c.AddMember(ctx, ref(2), "ADKITDC")
	if err != nil || !out.Changed {
		t.Fatalf("add computer ADKITDC: %v", err)
	}
	if m := rawValue(t, c, dns[2], "member"); !strings.HasPrefix(m, "CN=ADKITDC,") {
		t.Errorf("member after adding the computer = %q", m)
	}
	if res := pairs(t, auditRecords(t, logPath, "group.add_member")); strings.Join(res, ",") != "ok,ok,ok" {
		t.Errorf("audit outcomes %v, want three ok", res)
	}
}

// group create, set, sync and delete, with the snapshot that lets it be recreated.
func TestGroupLifecycle(t *testing.T) {
	c, logPath, ctx := parallelLab(t)
	u1, _ := newLabUser(t, c, staffOU(c))
	u2, _ := newLabUser(t, c, staffOU(c))
	name := labtest.UniqueName("i13g")
	g, err := c.CreateGroup(ctx, directory.NewGroup{Name: name, OU: groupsOU(c), Scope: "universal", Type: "distribution", Description: "team", Owner: "asmith"})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	t.Cleanup(func() { _ = c.DeleteForTest(ctx, g.DN) })
	if gt := rawValue(t, c, g.DN, "groupType"); gt != "8" {
		t.Errorf("groupType of a universal distribution group = %s, want 8", gt)
	}
	if _, err := c.CreateGroup(ctx, directory.NewGroup{Name: name, OU: groupsOU(c)}); !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("second CreateGroup with the same name: %v, want invalid input", err)
	}
	if out, err := c.UpdateGroup(ctx, name, directory.GroupUpdate{Owner: &u1.SAMAccountName}); err != nil || !out.Changed {
		t.Fatalf("UpdateGroup owner: %v", err)
	}
	if m := rawValue(t, c, g.DN, "managedBy"); !strings.EqualFold(m, u1.DN) {
		t.Errorf("managedBy = %q, want %s", m, u1.DN)
	}

	sync := func(names ...string) directory.GroupSyncPlan {
		t.Helper()
		plan, err := c.PlanGroupSync(ctx, name, names)
		if err != nil {
			t.Fatalf("PlanGroupSync(%v): %v", names, err)
		}
		for _, s := range append(append([]directory.SyncStep(nil), plan.Add...), plan.Remove...) {
			if _, err := c.ApplySyncStep(ctx, plan.Group, s); err != nil {
				t.Fatalf("apply %+v: %v", s, err)
			}
		}
		return plan
	}
	p := sync(u1.SAMAccountName, "Engineers")
	if len(p.Add) != 2 || len(p.Remove) != 0 {
		t.Errorf("first sync plan: %+v", p)
	}
	p = sync(u2.UserPrincipalName, "Engineers")
	if len(p.Add) != 1 || len(p.Remove) != 1 || p.Keep != 1 || p.Remove[0].DN != u1.DN {
		t.Errorf("second sync plan: %+v, want add u2, remove u1, keep Engineers", p)
	}
	if _, err := c.PlanGroupSync(ctx, name, []string{u2.SAMAccountName, "no-such-person"}); !errors.Is(err, directory.ErrInvalidInput) ||
		!strings.Contains(err.Error(), "no-such-person") {
		t.Errorf("a list with an unknown name: %v", err)
	}

	parentName := labtest.UniqueName("i13p")
	parentDN := newLabGroup(t, c, "", parentName, parentName, "")
	parent, err := c.ResolveGroup(ctx, parentName)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddMember(ctx, parent, name); err != nil {
		t.Fatalf("nest the group in its parent: %v", err)
	}
	snap, err := c.SnapshotGroup(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.MemberOf) != 1 || !strings.EqualFold(snap.MemberOf[0], parentDN) {
		t.Errorf("snapshot member_of %v, want the parent", snap.MemberOf)
	}
	if len(snap.Members) != 2 || !slices.ContainsFunc(snap.Members, func(dn string) bool { return strings.EqualFold(dn, u2.DN) }) {
		t.Errorf("snapshot members %v", snap.Members)
	}
	if _, err := c.DeleteGroup(ctx, snap, false, ""); !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("delete with members and no force: %v", err)
	}
	if out, err := c.DeleteGroup(ctx, snap, true, "/tmp/x.json"); err != nil || !out.Changed {
		t.Fatalf("delete --force: %v", err)
	}
	if _, err := c.ResolveGroup(ctx, name); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("group still there after delete: %v", err)
	}
	// Recreated from the snapshot: name, type, owner, members and its own membership.
	res, err := c.RestoreGroup(ctx, snap, "")
	if err != nil {
		t.Fatalf("RestoreGroup: %v", err)
	}
	if res.MembersAdded != 2 || res.ParentsAdded != 1 || len(res.MissingMembers)+len(res.MissingParents) != 0 || !strings.EqualFold(res.Group.DN, g.DN) {
		t.Errorf("RestoreGroup = %+v", res)
	}
	if gt := rawValue(t, c, g.DN, "groupType"); gt != "8" {
		t.Errorf("restored groupType %s, want 8 (universal distribution)", gt)
	}
	if m := rawValue(t, c, g.DN, "managedBy"); !strings.EqualFold(m, u1.DN) {
		t.Errorf("restored managedBy %q, want %s", m, u1.DN)
	}
	if got := readUser(t, c, u2.SAMAccountName); !slices.ContainsFunc(got.MemberOf, func(dn string) bool { return strings.EqualFold(dn, g.DN) }) {
		t.Errorf("u2 is not a member of the restored group: %v", got.MemberOf)
	}
	if m := rawValue(t, c, parentDN, "member"); !strings.EqualFold(m, g.DN) {
		t.Errorf("the parent's member after restore = %q, want the restored group", m)
	}
	if _, err := c.SnapshotGroup(ctx, "Domain Admins"); !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("snapshot (for delete) of Domain Admins: %v, want refused", err)
	}
	for action, n := range map[string]int{"group.create": 2, "group.update": 1, "group.delete": 1} {
		if res := pairs(t, auditRecords(t, logPath, action)); len(res) != n || res[0] != "ok" {
			t.Errorf("%s outcomes %v, want %d ok", action, res, n)
		}
	}
}

// user rename: names follow; a CN taken in the OU is resolved as onboarding does; the mail
// address made from the old name follows, the old one stays as a proxy address.
func TestRenameUserKeepsNamesConsistent(t *testing.T) {
	c, logPath, ctx := parallelLab(t)
	ou := staffOU(c)
	sam := labtest.UniqueName("i13r")
	first, last := "Rena", "Old"+sam
	u, _ := newLabUser(t, c, ou, func(nu *directory.NewUser) {
		nu.GivenName, nu.Surname, nu.DisplayName = first, last, first+" "+last
		nu.Mail = strings.ToLower(first + "." + last + "@" + labDomain)
		nu.UserPrincipalName = nu.Mail
	})
	// Someone else already has the new name in that OU.
	newLast := "New" + sam
	blocker, _ := newLabUser(t, c, ou, func(nu *directory.NewUser) {
		nu.GivenName, nu.Surname, nu.DisplayName = "Rena", newLast, "Rena "+newLast
	})
	if !strings.HasPrefix(blocker.DN, "CN=Rena "+newLast+",") {
		t.Fatalf("blocker DN %s", blocker.DN)
	}
	out, err := c.RenameUser(ctx, u.SAMAccountName, directory.RenameOptions{GivenName: "Rena", Surname: newLast})
	if err != nil || !out.Changed {
		t.Fatalf("RenameUser: %v", err)
	}
	got := readUser(t, c, u.SAMAccountName)
	wantCN := "Rena " + newLast + " (" + u.SAMAccountName + ")"
	wantMail := strings.ToLower("rena." + newLast + "@" + labDomain)
	if dn.CommonName(got.DN) != wantCN || got.DisplayName != "Rena "+newLast || got.Surname != newLast {
		t.Errorf("after rename: DN %s display %q sn %q; want CN %q", got.DN, got.DisplayName, got.Surname, wantCN)
	}
	if got.Mail != wantMail || got.UserPrincipalName != wantMail {
		t.Errorf("mail %q upn %q, want both %q", got.Mail, got.UserPrincipalName, wantMail)
	}
	if res := pairs(t, auditRecords(t, logPath, "user.rename")); len(res) != 1 || res[0] != "ok" {
		t.Errorf("user.rename outcomes %v", res)
	}
	// The same rename again changes nothing.
	out, err = c.RenameUser(ctx, u.SAMAccountName, directory.RenameOptions{GivenName: "Rena", Surname: newLast})
	if err != nil || out.Changed {
		t.Errorf("repeat rename: changed=%v err=%v", out.Changed, err)
	}
	// A logon name someone has is refused before any change.
	if _, err := c.RenameUser(ctx, u.SAMAccountName, directory.RenameOptions{GivenName: "X", Surname: "Y", SAMAccountName: "jdoe"}); !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("rename to a taken sam: %v", err)
	}
	if g := readUser(t, c, u.SAMAccountName); g.GivenName != "Rena" {
		t.Errorf("a refused rename changed givenName to %q", g.GivenName)
	}
}

// A readable generated password (groups of four) is one the lab's policy accepts: the account
// can log on with it.
func TestResetPasswordReadable(t *testing.T) {
	t.Parallel()
	c, _ := labtest.Connect(t)
	u, _ := newLabUser(t, c, staffOU(c))
	res, err := c.ResetPassword(context.Background(), u.SAMAccountName, directory.ResetOptions{Format: "readable"})
	if err != nil || !res.Generated {
		t.Fatalf("readable reset: %v", err)
	}
	p := res.Password.Reveal()
	if len(p) != 19 || strings.Count(p, "-") != 3 {
		t.Errorf("readable password has %d characters and %d dashes, want 19 and 3", len(p), strings.Count(p, "-"))
	}
	if err := rawBind(t, u.SAMAccountName+"@"+labDomain, p); err != nil {
		t.Errorf("bind with the readable password: %v", err)
	}
}

// A PSO whose lockout duration is "never" applies to the account: user show says the lockout
// does not end by itself (lockout_ends null) and names the PSO.
func TestExplainLockoutFromPSOThatNeverEnds(t *testing.T) {
	c, _, ctx := parallelLab(t)
	u, _ := newLabUser(t, c, staffOU(c))
	pso := "CN=" + labtest.UniqueName("i13u-pso") + ",CN=Password Settings Container,CN=System," + c.BaseDN()
	err := c.AddForTest(ctx, pso, map[string][]string{
		"objectClass":                              {"msDS-PasswordSettings"},
		"msDS-PasswordSettingsPrecedence":          {"50"},
		"msDS-PasswordReversibleEncryptionEnabled": {"FALSE"},
		"msDS-PasswordHistoryLength":               {"0"},
		"msDS-PasswordComplexityEnabled":           {"TRUE"},
		"msDS-MinimumPasswordLength":               {"8"},
		"msDS-MinimumPasswordAge":                  {"0"},
		"msDS-MaximumPasswordAge":                  {"-9223372036854775808"},
		"msDS-LockoutThreshold":                    {"3"},
		"msDS-LockoutObservationWindow":            {"-18000000000"},
		"msDS-LockoutDuration":                     {"-9223372036854775808"},
		"msDS-PSOAppliesTo":                        {u.DN},
	})
	if err != nil {
		t.Fatalf("create the test PSO: %v", err)
	}
	t.Cleanup(func() {
		_, _ = c.Unlock(context.Background(), u.SAMAccountName)
		if err := c.DeleteForTest(context.Background(), pso); err != nil {
			t.Errorf("cleanup: delete the test PSO: %v", err)
		}
	})
	lockOut(t, c, u.SAMAccountName)
	got := readUser(t, c, u.SAMAccountName)
	if err := c.ExplainLockout(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got.LockoutEnds != nil || got.UnlocksByItself == nil || *got.UnlocksByItself {
		t.Errorf("lockout_ends %v, unlocks_by_itself %v; want null and false (the PSO's duration is never)", got.LockoutEnds, got.UnlocksByItself)
	}
	if !strings.EqualFold(got.LockoutPolicy, pso) {
		t.Errorf("lockout_policy = %q, want the PSO %s", got.LockoutPolicy, pso)
	}
}
