package ad_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
)

func leaversOU(c *ad.Client) string { return "OU=Leavers," + c.BaseDN() }

// leaverFixture is an account in OU=Staff with a manager, a description and three groups, the
// last of which is the one to keep.
type leaverFixture struct {
	user    *directory.User
	pw      string
	manager *directory.User
	groups  [3]string // DNs
	keep    string    // sAMAccountName of groups[2]
}

func newLeaver(t *testing.T, c *ad.Client) leaverFixture {
	t.Helper()
	var f leaverFixture
	f.manager, _ = newLabUser(t, c, staffOU(c))
	names := [3]string{labtest.UniqueName("gl"), labtest.UniqueName("gl"), labtest.UniqueName("gk")}
	for i, n := range names {
		f.groups[i] = newLabGroup(t, c, "", n, n, "")
	}
	f.keep = names[2]
	f.user, f.pw = newLabUser(t, c, staffOU(c), func(nu *directory.NewUser) {
		nu.Groups = names[:]
		nu.Manager = f.manager.SAMAccountName
		nu.Description = "Sales rep, 3rd floor"
		nu.EmployeeID = labtest.UniqueName("E")
	})
	return f
}

func sameDNs(got, want []string) bool {
	norm := func(in []string) []string {
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = strings.ToLower(strings.ReplaceAll(s, ", ", ","))
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(norm(got), norm(want))
}

func TestOffboardThenRestore(t *testing.T) {
	t.Parallel()
	admin, _ := labtest.Connect(t) // makes the fixtures, so that the log below has only the leaver's steps
	c, logPath := labtest.Connect(t)
	ctx := context.Background()
	f := newLeaver(t, admin)
	sam, upn := f.user.SAMAccountName, f.user.SAMAccountName+"@"+labDomain
	pwdSet := readUser(t, c, sam).PwdLastSet
	if err := kinit(t, upn, f.pw); err != nil {
		t.Fatalf("kinit with the fixture's password, before offboarding: %v", err)
	}
	if !sameDNs(readUser(t, c, sam).MemberOf, f.groups[:]) {
		t.Fatalf("fixture: %s is not in its three groups", sam)
	}

	snap, err := c.SnapshotLeaver(ctx, sam)
	if err != nil {
		t.Fatalf("SnapshotLeaver: %v", err)
	}
	if snap.DN != f.user.DN || snap.OU != staffOU(c) || !sameDNs(snap.Groups, f.groups[:]) || snap.Manager != f.manager.DN ||
		!snap.Enabled || snap.ObjectGUID == "" || snap.Description != "Sales rep, 3rd floor" || snap.Domain != labDomain ||
		snap.PrimaryGroupID != 513 || snap.UserAccountControl&0x2 != 0 || snap.EmployeeID != f.user.EmployeeID {
		t.Fatalf("snapshot = %+v; want the account's DN, OU, 3 groups, manager, GUID, description, enabled", snap)
	}
	// What a snapshot file holds reads back the same.
	data, _ := json.Marshal(snap)
	back, err := directory.ParseLeaverSnapshot(data)
	if err != nil || back.DN != snap.DN || !sameDNs(back.Groups, snap.Groups) {
		t.Fatalf("snapshot JSON round trip: %+v, %v", back, err)
	}

	day := time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
	opts := directory.OffboardOptions{DisabledOU: leaversOU(c), KeepGroups: []string{f.keep}, Ticket: "INC-1", Now: day}
	res, err := c.Offboard(ctx, snap, opts)
	if err != nil {
		t.Fatalf("Offboard: %v", err)
	}
	wantDN := "CN=Test " + sam + "," + leaversOU(c)
	if !res.Changed() || !strings.EqualFold(res.DN, wantDN) || !sameDNs(res.GroupsRemoved, f.groups[:2]) {
		t.Errorf("Offboard result: changed=%v dn=%s removed=%v", res.Changed(), res.DN, res.GroupsRemoved)
	}

	got := readUser(t, c, sam)
	if got.Enabled {
		t.Error("the leaver is still enabled")
	}
	if !strings.EqualFold(got.DN, wantDN) {
		t.Errorf("the leaver is at %s, want %s", got.DN, wantDN)
	}
	if !sameDNs(got.MemberOf, f.groups[2:]) {
		t.Errorf("the leaver's groups are %v, want only the kept %s", got.MemberOf, f.groups[2])
	}
	_, all, err := c.UserGroups(ctx, sam, false)
	if err != nil {
		t.Fatal(err)
	}
	var primary bool
	for _, m := range all {
		primary = primary || (m.Primary && m.SAMAccountName == "Domain Users")
	}
	if !primary || len(all) != 2 {
		t.Errorf("UserGroups after offboarding = %+v, want the kept group and Domain Users (primary)", all)
	}
	if want := "Left 2026-11-22 (ticket INC-1) — previous description: Sales rep, 3rd floor"; got.Description != want {
		t.Errorf("description = %q, want %q", got.Description, want)
	}
	if got.Manager != f.manager.DN {
		t.Errorf("manager = %q; offboarding should leave it (the snapshot has it)", got.Manager)
	}
	// The old password no longer works. A simple bind cannot tell: Samba accepts an old password
	// over NTLM-style checks for an hour after a reset ("old password allowed period"), and
	// answers "disabled" first anyway. The KDC takes only the current password, so ask it, with
	// the account enabled for a moment behind adkit's back (UAC 512).
	if got.PwdLastSet == nil || pwdSet == nil || !got.PwdLastSet.After(*pwdSet) {
		t.Errorf("pwdLastSet %v → %v: the password was not replaced", pwdSet, got.PwdLastSet)
	}
	replaceAttrForTest(t, got.DN, "userAccountControl", "512")
	err = kinit(t, upn, f.pw)
	replaceAttrForTest(t, got.DN, "userAccountControl", "514")
	if err == nil {
		t.Error("kinit with the leaver's old password worked after offboarding")
	}

	// Again: nothing left to do, nothing changed, and no error.
	again, err := c.Offboard(ctx, snap, opts)
	if err != nil || again.Changed() {
		t.Fatalf("second Offboard: changed=%v steps=%+v err=%v, want a no-op", again.Changed(), again.Steps, err)
	}
	if after := readUser(t, c, sam); after.Description != got.Description || after.DN != got.DN || after.PwdLastSet == nil || !after.PwdLastSet.Equal(*got.PwdLastSet) {
		t.Errorf("second Offboard changed the account: %+v", after)
	}

	// A group was deleted since: restore skips it and says so.
	if err := c.DeleteForTest(ctx, f.groups[1]); err != nil {
		t.Fatal(err)
	}
	rr, err := c.RestoreLeaver(ctx, snap, secretOf(""))
	if err != nil {
		t.Fatalf("RestoreLeaver: %v", err)
	}
	p := rr.Password.Reveal()
	if !rr.Generated || len(p) < 16 || !sameDNs(rr.MissingGroups, f.groups[1:2]) || !sameDNs(rr.GroupsAdded, f.groups[:1]) {
		t.Errorf("restore: generated=%v (%d chars) missing=%v added=%v", rr.Generated, len(p), rr.MissingGroups, rr.GroupsAdded)
	}
	back2 := readUser(t, c, sam)
	if !back2.Enabled || back2.DN != f.user.DN || !sameDNs(back2.MemberOf, []string{f.groups[0], f.groups[2]}) ||
		back2.Description != "Sales rep, 3rd floor" || !back2.MustChangePassword {
		t.Fatalf("after restore: enabled=%v dn=%s groups=%v description=%q must_change=%v",
			back2.Enabled, back2.DN, back2.MemberOf, back2.Description, back2.MustChangePassword)
	}
	if _, err := connectAs(t, upn, p); err == nil || !strings.Contains(err.Error(), "must be changed") {
		t.Errorf("bind with the restored password: %v, want it refused until changed", err)
	}

	// Every step is in the log, paired, and neither password is.
	for action, want := range map[string]string{
		"user.disable":        "ok,skipped",
		"user.reset_password": "ok,ok,skipped", // offboard, restore, then the second offboard (sorted)
		"group.remove_member": "ok,ok",
		"group.add_member":    "ok,skipped", // the kept group was still there
		"user.move":           "ok,ok,skipped",
		"user.enable":         "ok",
		"user.update":         "ok,ok,skipped", // stamp, restore; the second offboard's stamp
	} {
		got := pairs(t, auditRecords(t, logPath, action))
		if slices.Sort(got); strings.Join(got, ",") != want {
			t.Errorf("%s outcomes = %s, want %s", action, got, want)
		}
	}
	for _, r := range auditRecords(t, logPath, "user.reset_password") {
		for _, ch := range r.Changes {
			if ch.Attribute == "unicodePwd" && ch.After != audit.Redacted && ch.After != nil {
				t.Errorf("unicodePwd recorded as %+v", ch)
			}
		}
	}
	assertNoSecrets(t, logPath, f.pw, p)
}

func TestOffboardFinishesAHalfDoneAccount(t *testing.T) {
	c, _, ctx := parallelLab(t)
	f := newLeaver(t, c)
	sam := f.user.SAMAccountName
	// Someone disabled the account and took it out of one group by hand.
	if _, err := c.SetEnabled(ctx, sam, false); err != nil {
		t.Fatal(err)
	}
	g0, err := c.ResolveGroup(ctx, f.groups[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RemoveMember(ctx, g0, sam); err != nil {
		t.Fatal(err)
	}
	snap, err := c.SnapshotLeaver(ctx, sam)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Offboard(ctx, snap, directory.OffboardOptions{DisabledOU: leaversOU(c), KeepGroups: []string{f.keep}})
	if err != nil {
		t.Fatalf("Offboard of a half-done account: %v", err)
	}
	if res.Steps[0].Action != "user.disable" || res.Steps[0].Changed || !strings.Contains(res.Steps[0].Note, "already disabled") {
		t.Errorf("first step = %+v, want disable skipped as already done", res.Steps[0])
	}
	if !sameDNs(res.GroupsRemoved, f.groups[1:2]) {
		t.Errorf("groups removed = %v, want only %s", res.GroupsRemoved, f.groups[1])
	}
	got := readUser(t, c, sam)
	if !sameDNs(got.MemberOf, f.groups[2:]) || !strings.HasSuffix(strings.ToLower(got.DN), strings.ToLower(leaversOU(c))) ||
		!strings.HasPrefix(got.Description, "Left ") || strings.Contains(got.Description, "ticket") {
		t.Errorf("after finishing: groups=%v dn=%s description=%q", got.MemberOf, got.DN, got.Description)
	}
}

func TestOffboardDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	admin, _ := labtest.Connect(t)
	trail, logPath := labtest.Trail(t, true)
	c := labtest.ConnectWith(t, labtest.Config(t), trail)
	ctx := context.Background()
	f := newLeaver(t, admin)
	sam := f.user.SAMAccountName
	before := readUser(t, admin, sam)

	snap, err := c.SnapshotLeaver(ctx, sam)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Offboard(ctx, snap, directory.OffboardOptions{DisabledOU: leaversOU(c), KeepGroups: []string{f.keep}, Ticket: "INC-2"})
	if err != nil {
		t.Fatalf("dry-run Offboard: %v", err)
	}
	if !res.Changed() || len(res.GroupsRemoved) != 2 || res.DN != before.DN {
		t.Errorf("dry run result: would change %v, removed %v, dn %s", res.Changed(), res.GroupsRemoved, res.DN)
	}
	for _, s := range res.Steps {
		if s.Changed {
			t.Errorf("dry run step %+v says changed", s)
		}
	}
	after := readUser(t, admin, sam)
	if !after.Enabled || after.DN != before.DN || !sameDNs(after.MemberOf, before.MemberOf) || after.Description != before.Description ||
		!after.PwdLastSet.Equal(*before.PwdLastSet) {
		t.Fatalf("a dry run changed the account: before %+v, after %+v", before, after)
	}
	recs := auditRecords(t, logPath, "")
	if len(recs) < 12 {
		t.Fatalf("dry run wrote %d audit records; want every step recorded", len(recs))
	}
	for _, r := range recs {
		if !r.DryRun || (r.Event == audit.EventOutcome && r.Result != audit.ResultSkipped) {
			t.Errorf("dry run record %s %s: dry_run=%v result=%s", r.Action, r.Event, r.DryRun, r.Result)
		}
	}
}

func TestOffboardRefusesUnknownNamesBeforeChanging(t *testing.T) {
	t.Parallel()
	admin, _ := labtest.Connect(t)
	c, logPath := labtest.Connect(t)
	ctx := context.Background()
	u, _ := newLabUser(t, admin, staffOU(c))
	snap, err := c.SnapshotLeaver(ctx, u.SAMAccountName)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Offboard(ctx, snap, directory.OffboardOptions{KeepGroups: []string{"No Such Group " + u.SAMAccountName}})
	if !errors.Is(err, directory.ErrNotFound) || !strings.Contains(err.Error(), "No Such Group") {
		t.Errorf("unknown keep group: %v, want not found naming it", err)
	}
	_, err = c.Offboard(ctx, snap, directory.OffboardOptions{DisabledOU: "OU=Nowhere," + c.BaseDN()})
	if !errors.Is(err, directory.ErrNotFound) || !strings.Contains(err.Error(), "OU=Nowhere") {
		t.Errorf("unknown leavers OU: %v, want not found naming it", err)
	}
	if _, err := os.Stat(logPath); !readUser(t, c, u.SAMAccountName).Enabled || !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused offboarding changed or recorded something")
	}

	// A snapshot of another account is refused by restore.
	other, _ := newLabUser(t, admin, staffOU(c))
	snap.ObjectGUID, snap.DN = readUser(t, c, other.SAMAccountName).ObjectGUID, other.DN
	snap.SAMAccountName = u.SAMAccountName
	if err := snap.Matches(readUser(t, c, u.SAMAccountName)); !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("Matches with another account's GUID: %v, want invalid input", err)
	}
}

func TestLeaverLookups(t *testing.T) {
	c, _, ctx := parallelLab(t)
	id := labtest.UniqueName("D")
	a, _ := newLabUser(t, c, staffOU(c), func(nu *directory.NewUser) { nu.EmployeeID = id; nu.Mail = nu.SAMAccountName + ".m@" + labDomain })
	b, _ := newLabUser(t, c, staffOU(c), func(nu *directory.NewUser) {})
	// Two accounts with one employee ID: both are reported, so the plan can call it ambiguous.
	replaceAttrForTest(t, b.DN, "employeeID", id)
	byID, err := c.UsersByEmployeeID(ctx, []string{strings.ToUpper(id), "nobody-" + id})
	if err != nil {
		t.Fatal(err)
	}
	if got := byID[strings.ToLower(id)]; len(got) != 2 || len(byID) != 1 {
		t.Errorf("UsersByEmployeeID = %v, want both accounts under %s", byID, id)
	}
	names := []string{a.SAMAccountName, strings.ToUpper(a.UserPrincipalName), a.SAMAccountName + ".m@" + labDomain, "nobody@" + labDomain}
	byName, err := c.UsersByLogonName(ctx, names)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names[:3] {
		if got := byName[strings.ToLower(n)]; len(got) != 1 || got[0].DN != a.DN {
			t.Errorf("UsersByLogonName[%s] = %v, want %s", n, got, a.DN)
		}
	}
	if len(byName) != 3 {
		t.Errorf("UsersByLogonName has %d keys, want 3 (the unknown address absent)", len(byName))
	}
}

// replaceAttrForTest sets an attribute with plain go-ldap as the lab admin, without adkit and
// its checks: CreateUser refuses a second account with an employee ID, which is the point here.
func replaceAttrForTest(t *testing.T, dn, attr, value string) {
	t.Helper()
	cfg := labtest.Config(t)
	conn := labtest.DialLDAP(t, cfg)
	if err := conn.Bind(cfg.BindUser, cfg.Password.Reveal()); err != nil {
		t.Fatalf("bind as the lab admin: %v", err)
	}
	req := ldap.NewModifyRequest(dn, nil)
	req.Replace(attr, []string{value})
	if err := conn.Modify(req); err != nil {
		t.Fatalf("set %s of %s: %v", attr, dn, err)
	}
}

func TestParseLeaverSnapshotRefusesBadFiles(t *testing.T) {
	good := `{"version":1,"directory":"ad","dn":"CN=A,OU=X,DC=x","ou":"OU=X,DC=x","sam_account_name":"a","groups":["CN=G,DC=x"]}`
	if _, err := directory.ParseLeaverSnapshot([]byte(good)); err != nil {
		t.Fatalf("a good snapshot: %v", err)
	}
	for name, in := range map[string]string{
		"not json":      `{"version":1`,
		"version":       strings.Replace(good, `"version":1`, `"version":2`, 1),
		"entra":         strings.Replace(good, `"directory":"ad"`, `"directory":"entra"`, 1),
		"no account":    strings.Replace(good, `"sam_account_name":"a"`, `"sam_account_name":""`, 1),
		"bad OU":        strings.Replace(good, `"ou":"OU=X,DC=x"`, `"ou":"nowhere"`, 1),
		"bad group DN":  strings.Replace(good, `"CN=G,DC=x"`, `"G"`, 1),
		"missing DN":    strings.Replace(good, `"dn":"CN=A,OU=X,DC=x",`, ``, 1),
		"unknown shape": `[1,2]`,
	} {
		if _, err := directory.ParseLeaverSnapshot([]byte(in)); !errors.Is(err, directory.ErrInvalidInput) {
			t.Errorf("%s: error = %v, want invalid input", name, err)
		}
	}
	if !ad.IsLeaverStamp("Left 2026-11-22 (ticket INC-1)") || ad.IsLeaverStamp("Leftover stock") {
		t.Error("IsLeaverStamp does not recognise the stamp, or recognises something else")
	}
}

// kinit asks the lab's KDC for a ticket with a password, as a workstation logon would.
func kinit(t *testing.T, principal, pw string) error {
	t.Helper()
	_, err := kinitCache(t, strings.ToUpper(principal[:strings.Index(principal, "@")])+"@LAB.ADKIT.TEST", pw, "")
	return err
}

// A leaver whose name is already taken in the leavers OU (another "Maria Garcia" left before)
// is moved under the name onboarding would give it, instead of failing on every run for ever;
// the re-run finds it there and changes nothing.
func TestOffboardRenamesOnANameTakenInTheLeaversOU(t *testing.T) {
	c, logPath, ctx := parallelLab(t)
	surname := "Garcia-" + labtest.UniqueName("m")
	first, _ := newLabUser(t, c, staffOU(c), func(nu *directory.NewUser) { nu.GivenName, nu.Surname = "Maria", surname })
	if _, err := c.MoveUser(ctx, first.SAMAccountName, leaversOU(c)); err != nil {
		t.Fatalf("the namesake who left before: %v", err)
	}
	second, _ := newLabUser(t, c, staffOU(c), func(nu *directory.NewUser) {
		nu.GivenName, nu.Surname = "Maria", surname
		nu.OU = salesOU(c) // the same name, in another OU
	})
	snap, err := c.SnapshotLeaver(ctx, second.SAMAccountName)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Offboard(ctx, snap, directory.OffboardOptions{DisabledOU: leaversOU(c), Ticket: "INC-9"})
	if err != nil {
		t.Fatalf("offboard with the name taken in the leavers OU: %v", err)
	}
	want := "CN=Maria " + surname + " (" + second.SAMAccountName + ")," + leaversOU(c)
	if got := readUser(t, c, second.SAMAccountName); !strings.EqualFold(got.DN, want) || !strings.EqualFold(res.DN, want) {
		t.Errorf("moved to %s (result says %s); want %s", got.DN, res.DN, want)
	}
	moves := auditRecords(t, logPath, "user.move")
	last := moves[len(moves)-1]
	if last.Result != audit.ResultOK || len(last.Changes) != 2 || last.Changes[1].Attribute != "cn" {
		t.Errorf("the move's outcome = %+v; want ok, with the cn change", last)
	}
	again, err := c.Offboard(ctx, snap, directory.OffboardOptions{DisabledOU: leaversOU(c), Ticket: "INC-9"})
	if err != nil || again.Changed() {
		t.Errorf("re-run: %+v, %v; want nothing left to do", again.Steps, err)
	}
}
