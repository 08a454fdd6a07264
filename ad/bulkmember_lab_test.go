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
	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// groupMembers reads a group's members afresh, lower case.
func groupMembers(t *testing.T, c *ad.Client, group string) []string {
	t.Helper()
	g, err := c.Group(context.Background(), group)
	if err != nil {
		t.Fatalf("read group %s: %v", group, err)
	}
	var out []string
	for _, m := range g.Members {
		out = append(out, strings.ToLower(m))
	}
	return out
}

// membershipOps groups a log's group.add_member records by op_id, in the order of the intents.
func membershipOps(t *testing.T, logPath string) (intents []audit.Record, outcomes map[string][]audit.Record) {
	t.Helper()
	outcomes = map[string][]audit.Record{}
	for _, r := range auditRecords(t, logPath, "group.add_member") {
		if r.Event == audit.EventIntent {
			intents = append(intents, r)
		} else {
			outcomes[r.OpID] = append(outcomes[r.OpID], r)
		}
	}
	return intents, outcomes
}

// TestAddMembersInBulk: new accounts join a group in one modify, and the log has, for each
// membership, its own intent — all written before the request — and its own "ok" outcome.
func TestAddMembersInBulk(t *testing.T) {
	admin, logPath, ctx := parallelLab(t)
	name := labtest.UniqueName("i17g")
	gdn := newLabGroup(t, admin, "", name, name, "")
	var accounts []*directory.User
	for range 4 {
		accounts = append(accounts, newAccount(t, admin, "i17b"))
	}
	res := admin.AddMembers(ctx, name, accounts, true)
	for i, r := range res {
		if r.Err != nil || !r.Added {
			t.Errorf("account %d: %+v; want added", i, r)
		}
	}
	members := groupMembers(t, admin, gdn)
	for _, u := range accounts {
		if !slices.Contains(members, strings.ToLower(u.DN)) {
			t.Errorf("%s is not a member of %s", u.DN, name)
		}
	}
	all := auditRecords(t, logPath, "group.add_member")
	if len(all) != 8 {
		t.Fatalf("%d group.add_member records, want 4 intents and 4 outcomes", len(all))
	}
	for i, r := range all {
		want := audit.EventIntent
		if i >= 4 {
			want = audit.EventOutcome
		}
		if r.Event != want {
			t.Errorf("record %d is %s, want the 4 intents before the 4 outcomes", i, r.Event)
		}
	}
	intents, outcomes := membershipOps(t, logPath)
	for i, in := range intents {
		outs := outcomes[in.OpID]
		after, _ := in.Changes[0].After.(string)
		if in.Target.DN != accounts[i].DN || after != gdn || len(outs) != 1 || outs[0].Result != audit.ResultOK {
			t.Errorf("membership %d: intent %s → %s, outcomes %+v; want %s → %s, one ok", i, in.Target.DN, after, outs, accounts[i].DN, gdn)
		}
	}
}

// TestAddMembersRetriesARefusedChunkPerMember: one value the directory refuses (an account
// deleted meanwhile) and one account already a member make Samba refuse the whole modify;
// each account is then added alone, so the bad value fails alone, the member already there is
// reported "already a member" as AddNewMember reports it, and the others join. The log says
// so: each membership's chunk outcome is an error naming the retry, then its own record.
func TestAddMembersRetriesARefusedChunkPerMember(t *testing.T) {
	admin, logPath, ctx := parallelLab(t)
	name := labtest.UniqueName("i17g")
	gdn := newLabGroup(t, admin, "", name, name, "")
	a, b, already := newAccount(t, admin, "i17r"), newAccount(t, admin, "i17r"), newAccount(t, admin, "i17r")
	if added, err := admin.AddNewMember(ctx, name, already); err != nil || !added {
		t.Fatalf("pre-add: %v, %v", added, err)
	}
	gone := &directory.User{DN: "CN=Gone " + labtest.UniqueName("i17x") + "," + staffOU(admin), SAMAccountName: "gone"}
	res := admin.AddMembers(ctx, name, []*directory.User{a, gone, already, b}, true)

	if !res[0].Added || res[0].Err != nil || !res[3].Added || res[3].Err != nil {
		t.Errorf("the good accounts: %+v, %+v; want both added", res[0], res[3])
	}
	if res[1].Err == nil || res[1].Added {
		t.Errorf("the missing account: %+v; want an error", res[1])
	} else if !strings.Contains(res[1].Err.Error(), "gone") {
		t.Errorf("the missing account's error does not name it: %v", res[1].Err)
	}
	if res[2].Err != nil || res[2].Added || !strings.Contains(res[2].Note, "already a member of "+name) {
		t.Errorf("the account already a member: %+v; want not added, 'already a member of %s'", res[2], name)
	}
	members := groupMembers(t, admin, gdn)
	for _, u := range []*directory.User{a, b, already} {
		if !slices.Contains(members, strings.ToLower(u.DN)) {
			t.Errorf("%s is not a member", u.DN)
		}
	}
	intents, outcomes := membershipOps(t, logPath)
	results := map[string][]string{} // target DN → outcomes of its intents, in order
	for _, in := range intents {
		for _, o := range outcomes[in.OpID] {
			results[in.Target.DN] = append(results[in.Target.DN], o.Result)
			if o.Result == audit.ResultError && strings.Contains(o.Error, "at once was refused") &&
				!strings.Contains(o.Error, "tried alone") {
				t.Errorf("chunk outcome does not say the account is tried alone: %s", o.Error)
			}
		}
	}
	for dn, want := range map[string]string{a.DN: "error,ok", b.DN: "error,ok", already.DN: "ok,error,skipped", gone.DN: "error,error"} {
		if got := strings.Join(results[dn], ","); got != want {
			t.Errorf("outcomes for %s: %s, want %s", dn, got, want)
		}
	}
}

// TestAddMembersEnsuresExistingAccountsFromTheMemberList: for accounts that already existed
// (a re-run), the group's members are read once and the accounts in one search, and the
// memberships found there are recorded as skipped without asking the directory per account;
// those missing are added in one modify, and the primary group is recognised.
func TestAddMembersEnsuresExistingAccountsFromTheMemberList(t *testing.T) {
	t.Parallel()
	admin, logPath := labtest.Connect(t)
	admin.ReadMemberListsAfter(1) // a call of more than one account reads the list
	ctx := context.Background()
	name := labtest.UniqueName("i17g")
	gdn := newLabGroup(t, admin, "", name, name, "")
	in1, in2, out1, out2 := newAccount(t, admin, "i17e"), newAccount(t, admin, "i17e"), newAccount(t, admin, "i17e"), newAccount(t, admin, "i17e")
	for _, u := range []*directory.User{in1, in2} {
		if added, err := admin.AddNewMember(ctx, name, u); err != nil || !added {
			t.Fatalf("pre-add: %v, %v", added, err)
		}
	}
	// As the plan knows them: a DN and names, nothing the directory has to be asked for again.
	plain := func(u *directory.User) *directory.User {
		return &directory.User{DN: u.DN, SAMAccountName: u.SAMAccountName, UserPrincipalName: u.UserPrincipalName}
	}
	res := admin.AddMembers(ctx, name, []*directory.User{plain(in1), plain(out1), plain(in2), plain(out2)}, false)
	if hits := admin.MemberListHits(); hits != 2 {
		t.Errorf("%d checks answered from the member list, want 2 (the two members)", hits)
	}
	for _, i := range []int{0, 2} {
		if res[i].Err != nil || res[i].Added || !strings.Contains(res[i].Note, "already a member of "+name) {
			t.Errorf("member %d: %+v; want 'already a member of %s'", i, res[i], name)
		}
	}
	for _, i := range []int{1, 3} {
		if res[i].Err != nil || !res[i].Added {
			t.Errorf("non-member %d: %+v; want added", i, res[i])
		}
	}
	members := groupMembers(t, admin, gdn)
	for _, u := range []*directory.User{out1, out2} {
		if !slices.Contains(members, strings.ToLower(u.DN)) {
			t.Errorf("%s was not added", u.DN)
		}
	}
	primary := admin.AddMembers(ctx, "Domain Users", []*directory.User{plain(in1), plain(out1)}, false)
	for i, r := range primary {
		if r.Err != nil || r.Added || !strings.Contains(r.Note, "primary group") {
			t.Errorf("Domain Users, account %d: %+v; want already a member (its primary group)", i, r)
		}
	}
	intents, outcomes := membershipOps(t, logPath)
	var got []string
	for _, in := range intents[2:] { // after the two pre-adds
		for _, o := range outcomes[in.OpID] {
			got = append(got, o.Result)
		}
	}
	if want := "skipped,skipped,ok,ok,skipped,skipped"; strings.Join(got, ",") != want {
		t.Errorf("outcomes %s, want %s", strings.Join(got, ","), want)
	}
}

// TestBulkAddWithoutAnAnswerIsReadBack: a bulk modify whose answer is lost is read back, value
// by value, on a fresh connection: each membership made is "ok, read back", not unknown.
func TestBulkAddWithoutAnAnswerIsReadBack(t *testing.T) {
	admin, logPath, ctx := parallelLab(t)
	name := labtest.UniqueName("i17g")
	newLabGroup(t, admin, "", name, name, "")
	accounts := []*directory.User{newAccount(t, admin, "i17n"), newAccount(t, admin, "i17n"), newAccount(t, admin, "i17n")}
	for i, r := range admin.AddMembersLosingTheAnswer(ctx, name, accounts, true) {
		if r.Err != nil || !r.Added {
			t.Errorf("account %d: %+v; want added (read back)", i, r)
		}
	}
	intents, outcomes := membershipOps(t, logPath)
	if len(intents) != 3 {
		t.Fatalf("%d intents, want 3", len(intents))
	}
	for _, in := range intents {
		if outs := outcomes[in.OpID]; len(outs) != 1 || outs[0].Result != audit.ResultOK || outs[0].Settled != audit.SettledReadBack {
			t.Errorf("%s: outcomes %+v; want one ok, read back", in.Target.DN, outs)
		}
	}

	// Undecidable (the read-back cannot connect): unknown, and the error says so.
	name2 := labtest.UniqueName("i17g")
	newLabGroup(t, admin, "", name2, name2, "")
	undo := admin.BreakReadBackForTest()
	res := admin.AddMembersLosingTheAnswer(ctx, name2, accounts[:2], true)
	undo()
	for i, r := range res {
		if !errors.Is(r.Err, audit.ErrOutcomeUnknown) {
			t.Errorf("account %d without read-back: %v; want outcome unknown", i, r.Err)
		}
	}
}

// TestPrefetchedRerunReadsRatherThanAsks: a re-run's existing accounts and their groups are
// read before it starts (each account once, in one search for the lot; each group's member
// list once); ensuring the memberships then asks the directory nothing per account, however
// the accounts arrive — here one at a time, as rows finish in a run.
func TestPrefetchedRerunReadsRatherThanAsks(t *testing.T) {
	t.Parallel()
	cfg := labtest.Config(t)
	var mu sync.Mutex
	var requests []string
	cfg.Debug = func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if strings.HasPrefix(msg, "search ") || strings.HasPrefix(msg, "read ") {
			mu.Lock()
			requests = append(requests, msg)
			mu.Unlock()
		}
	}
	trail, logPath := labtest.Trail(t, false)
	c := labtest.ConnectWith(t, cfg, trail)
	admin, _ := labtest.Connect(t)
	c.ReadMemberListsAfter(2) // more than 2 accounts per group: read its list
	ctx := context.Background()
	g1, g2 := labtest.UniqueName("i17p"), labtest.UniqueName("i17p")
	newLabGroup(t, admin, "", g1, g1, "")
	newLabGroup(t, admin, "", g2, g2, "")
	var accounts []*directory.User
	for range 4 {
		u := newAccount(t, admin, "i17p")
		for _, g := range []string{g1, g2} {
			if added, err := admin.AddNewMember(ctx, g, u); err != nil || !added {
				t.Fatalf("set up: add %s to %s: %v, %v", u.DN, g, added, err)
			}
		}
		accounts = append(accounts, &directory.User{DN: u.DN, SAMAccountName: u.SAMAccountName})
	}
	dns := []string{accounts[0].DN, accounts[1].DN, accounts[2].DN, accounts[3].DN}
	if err := c.PrefetchMembers(ctx, map[string][]string{g1: dns, g2: dns}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	before := len(requests)
	mu.Unlock()
	if before > 8 { // 1 account search + per group: resolve, member list (1 range), SID at most
		t.Errorf("prefetch made %d requests, want a handful:\n%s", before, strings.Join(requests, "\n"))
	}
	for _, g := range []string{g1, g2} {
		for i, u := range accounts {
			res := c.AddMembers(ctx, g, []*directory.User{u}, false)
			if res[0].Err != nil || res[0].Added || !strings.Contains(res[0].Note, "already a member of "+g) {
				t.Errorf("%s, account %d: %+v; want already a member", g, i, res[0])
			}
		}
	}
	mu.Lock()
	after := requests[before:]
	mu.Unlock()
	if len(after) != 0 {
		t.Errorf("ensuring 8 memberships after the prefetch asked the directory %d times:\n%s", len(after), strings.Join(after, "\n"))
	}
	if hits := c.MemberListHits(); hits != 8 {
		t.Errorf("%d checks answered from the member lists, want 8", hits)
	}
	intents, outcomes := membershipOps(t, logPath)
	if len(intents) != 8 {
		t.Fatalf("%d group.add_member intents, want 8 (one per membership)", len(intents))
	}
	for _, in := range intents {
		if outs := outcomes[in.OpID]; len(outs) != 1 || outs[0].Result != audit.ResultSkipped {
			t.Errorf("%s: outcomes %+v; want skipped", in.Target.DN, outs)
		}
	}
}
