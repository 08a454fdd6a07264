package ad_test

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// The neighbours of the help desk's daily write paths (docs/testing.md): a delegated account
// without the right, two runs on one account at once, and Ctrl-C between the intent record
// and the write. Every object here is named nbad-… and deleted when the test ends.

// nbadUser is newLabUser with this file's name prefix.
func nbadUser(t *testing.T, admin *ad.Client, ou string) *directory.User {
	t.Helper()
	u, _ := newLabUser(t, admin, ou, func(nu *directory.NewUser) {
		nu.SAMAccountName = labtest.UniqueName("nbad")
		nu.Surname = nu.SAMAccountName
	})
	return u
}

// nbadGroup is newLabGroup with this file's name prefix; it returns the group's name and DN.
func nbadGroup(t *testing.T, admin *ad.Client) (string, string) {
	t.Helper()
	name := labtest.UniqueName("nbadg")
	return name, newLabGroup(t, admin, "", name, name, "")
}

// groupRef resolves a group or fails the test.
func groupRef(t *testing.T, c *ad.Client, name string) directory.GroupRef {
	t.Helper()
	g, err := c.ResolveGroup(context.Background(), name)
	if err != nil {
		t.Fatalf("resolve group %s: %v", name, err)
	}
	return g
}

// inGroup says whether the account's memberOf holds the group, read afresh.
func inGroup(t *testing.T, c *ad.Client, sam, groupDN string) bool {
	t.Helper()
	return slices.ContainsFunc(readUser(t, c, sam).MemberOf, func(dn string) bool { return strings.EqualFold(dn, groupDN) })
}

// The lab's helpdesk1 may reset, unlock and expire passwords under OU=Staff, nothing else.
// Each refusal below must say who may not do what to which account, and what to do; change
// nothing; and be recorded as an intent with the outcome "error".
func TestDelegatedHelpdeskRefusalsNameTheAccountAndChangeNothing(t *testing.T) {
	admin, _, ctx := parallelLab(t)
	trail, logPath := labtest.Trail(t, false)
	hd := labtest.ConnectWith(t, labtest.HelpdeskConfig(t), trail)
	const who = "not permitted: helpdesk1@lab.adkit.test may not "
	refused := func(what string, err error, words string) {
		t.Helper()
		if !errors.Is(err, ad.ErrPermission) {
			t.Fatalf("helpdesk1 %s: error = %v, want not permitted", what, err)
		}
		for _, want := range []string{who + words, "ask a domain admin"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("helpdesk1 %s: message %q does not contain %q", what, err, want)
			}
		}
	}

	// unlock: delegated under OU=Staff only; an account in OU=Admins is refused.
	adm := nbadUser(t, admin, "OU=Admins,"+admin.BaseDN())
	lockOut(t, admin, adm.SAMAccountName)
	_, err := hd.Unlock(ctx, adm.SAMAccountName)
	refused("unlocks an account in OU=Admins", err, "unlock "+adm.SAMAccountName)
	if !readUser(t, admin, adm.SAMAccountName).Locked {
		t.Error("the refused unlock unlocked the account")
	}

	// enable: a disabled account in OU=Staff (disable by helpdesk1 is TestHelpdeskDelegation's).
	off := nbadUser(t, admin, staffOU(admin))
	if _, err := admin.SetEnabled(ctx, off.SAMAccountName, false); err != nil {
		t.Fatal(err)
	}
	_, err = hd.SetEnabled(ctx, off.SAMAccountName, true)
	refused("enables a Staff account", err, "enable "+off.SAMAccountName)
	if readUser(t, admin, off.SAMAccountName).Enabled {
		t.Error("the refused enable enabled the account")
	}

	// move: out of OU=Staff into OU=Sales needs rights on both OUs that helpdesk1 lacks.
	mv := nbadUser(t, admin, staffOU(admin))
	_, err = hd.MoveUser(ctx, mv.SAMAccountName, salesOU(admin))
	refused("moves a Staff account", err, "move "+mv.SAMAccountName)
	if got := readUser(t, admin, mv.SAMAccountName); !strings.EqualFold(got.DN, mv.DN) {
		t.Errorf("the refused move moved the account to %s", got.DN)
	}

	// group remove: the right missing is on the group (add is TestMembershipRefusalNamesTheGroup's).
	gname, gdn := nbadGroup(t, admin)
	if _, err := admin.AddMember(ctx, groupRef(t, admin, gname), mv.SAMAccountName); err != nil {
		t.Fatal(err)
	}
	_, err = hd.RemoveMember(ctx, groupRef(t, hd, gname), mv.SAMAccountName)
	refused("removes a member", err, "change the members of "+gname)
	if !inGroup(t, admin, mv.SAMAccountName, gdn) {
		t.Error("the refused removal removed the member")
	}

	// computers: helpdesk1 may read LAPS in OU=Workstations, not disable or reset the account.
	pc := newLabComputer(t, admin, workstationsOU(admin), nil)
	_, err = hd.SetComputerEnabled(ctx, pc.Name, false)
	refused("disables a workstation", err, "disable the computer "+pc.Name)
	if got, _ := admin.Computer(ctx, pc.Name); got == nil || !got.Enabled {
		t.Error("the refused disable disabled the computer")
	}

	want := map[string]int{"user.unlock": 1, "user.enable": 1, "user.move": 1, "group.remove_member": 1, "computer.disable": 1}
	for action, n := range want {
		res := pairs(t, auditRecords(t, logPath, action))
		if len(res) != n || slices.ContainsFunc(res, func(r string) bool { return r != audit.ResultError }) {
			t.Errorf("%s outcomes in helpdesk1's log = %v, want %d error", action, res, n)
		}
	}
}

// twoRuns returns two Clients that write to one audit log, as two adkit processes started by
// two technicians on one machine would; each waits, after recording its intent, until the
// other has recorded its own, so both have looked at the object before either writes (at
// each run's first change).
func twoRuns(t *testing.T) (a, b *ad.Client, logPath string) {
	t.Helper()
	_, logPath = labtest.Trail(t, false)
	run := func() *ad.Client {
		return labtest.ConnectWith(t, labtest.Config(t), audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(logPath)}))
	}
	a, b = run(), run()
	var both sync.WaitGroup
	both.Add(2)
	// Only at a run's first change: a restore goes on to add members, each a change.
	meet := func() func() {
		var once sync.Once
		return func() { once.Do(func() { both.Done(); both.Wait() }) }
	}
	a.BeforeWriteForTest(meet())
	b.BeforeWriteForTest(meet())
	return a, b, logPath
}

// finalResults is the outcome the log gives each intent of action, sorted: two runs' records
// interleave, and an intent's last outcome is what the log says of it.
func finalResults(t *testing.T, logPath, action string) []string {
	t.Helper()
	last := map[string]string{}
	for _, r := range auditRecords(t, logPath, action) {
		if r.Event == audit.EventOutcome {
			last[r.OpID] = r.Result
		}
	}
	return slices.Sorted(maps.Values(last))
}

// syncGroup is `group sync GROUP` with a list of names: the plan, then each of its steps.
func syncGroup(ctx context.Context, c *ad.Client, group string, names ...string) error {
	plan, err := c.PlanGroupSync(ctx, group, names)
	if err != nil {
		return err
	}
	for _, s := range append(plan.Add, plan.Remove...) {
		if _, err := c.ApplySyncStep(ctx, plan.Group, s); err != nil {
			return err
		}
	}
	return nil
}

// deleteComputer is `computer delete` with a snapshot destination that keeps nothing.
func deleteComputer(ctx context.Context, c *ad.Client, name string) error {
	_, _, err := c.DeleteComputer(ctx, name, directory.DeleteComputerOptions{
		Save: func(*directory.ComputerSnapshot) error { return nil }, Now: time.Now()})
	return err
}

// atOnce runs f for both clients at the same time and returns their errors.
func atOnce(a, b *ad.Client, f func(*ad.Client) error) (errA, errB error) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); errA = f(a) }()
	go func() { defer wg.Done(); errB = f(b) }()
	wg.Wait()
	return errA, errB
}

// Two runs on one account at once, both having looked before either writes: both succeed
// (the second finds the work done), the directory ends as asked, and no outcome in the
// log says "error" for a change that is in the directory.
func TestTwoRunsAtOnceOnOneAccount(t *testing.T) {
	admin, _, ctx := parallelLab(t)
	check := func(t *testing.T, logPath, action string, errA, errB error) {
		t.Helper()
		if errA != nil || errB != nil {
			t.Errorf("%s by two runs at once: errors %v / %v, want none", action, errA, errB)
		}
		// The two runs' records interleave; each intent's last outcome is what the log says.
		last := map[string]string{}
		var ops []string
		for _, r := range auditRecords(t, logPath, action) {
			if r.Event == audit.EventIntent {
				ops = append(ops, r.OpID)
			} else {
				last[r.OpID] = r.Result + " " + r.Error + r.Note
			}
		}
		if len(ops) != 2 {
			t.Fatalf("%d %s intents, want 2", len(ops), action)
		}
		for _, op := range ops {
			if res := last[op]; !strings.HasPrefix(res, audit.ResultOK+" ") && !strings.HasPrefix(res, audit.ResultSkipped+" ") {
				t.Errorf("%s: op %s ends %q in the log, want ok or skipped", action, op, res)
			}
		}
	}

	t.Run("unlock", func(t *testing.T) {
		u := nbadUser(t, admin, staffOU(admin))
		lockOut(t, admin, u.SAMAccountName)
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error { _, err := c.Unlock(ctx, u.SAMAccountName); return err })
		check(t, logPath, "user.unlock", errA, errB)
		if readUser(t, admin, u.SAMAccountName).Locked {
			t.Error("still locked")
		}
	})
	t.Run("disable", func(t *testing.T) {
		u := nbadUser(t, admin, staffOU(admin))
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error { _, err := c.SetEnabled(ctx, u.SAMAccountName, false); return err })
		check(t, logPath, "user.disable", errA, errB)
		if readUser(t, admin, u.SAMAccountName).Enabled {
			t.Error("still enabled")
		}
	})
	t.Run("enable", func(t *testing.T) {
		u := nbadUser(t, admin, staffOU(admin))
		if _, err := admin.SetEnabled(ctx, u.SAMAccountName, false); err != nil {
			t.Fatal(err)
		}
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error { _, err := c.SetEnabled(ctx, u.SAMAccountName, true); return err })
		check(t, logPath, "user.enable", errA, errB)
		if !readUser(t, admin, u.SAMAccountName).Enabled {
			t.Error("still disabled")
		}
	})
	t.Run("reset-password", func(t *testing.T) {
		// Both resets are made, one after the other: the log says ok twice, which is true.
		// Which password is the account's is not asserted: the DC keeps accepting the one
		// replaced for a while (as Windows' old-password window does), so both bind here.
		u := nbadUser(t, admin, staffOU(admin))
		a, b, logPath := twoRuns(t)
		pws := map[*ad.Client]string{a: testPassword(), b: testPassword()}
		errA, errB := atOnce(a, b, func(c *ad.Client) error {
			_, err := c.ResetPassword(ctx, u.SAMAccountName, directory.ResetOptions{Password: secretOf(pws[c])})
			return err
		})
		check(t, logPath, "user.reset_password", errA, errB)
		assertNoSecrets(t, logPath, pws[a], pws[b])
	})
	t.Run("group add and remove", func(t *testing.T) {
		u := nbadUser(t, admin, staffOU(admin))
		gname, gdn := nbadGroup(t, admin)
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error {
			_, err := c.AddMember(ctx, groupRef(t, c, gname), u.SAMAccountName)
			return err
		})
		check(t, logPath, "group.add_member", errA, errB)
		if !inGroup(t, admin, u.SAMAccountName, gdn) {
			t.Fatal("not a member after two adds")
		}
		a, b, logPath = twoRuns(t)
		errA, errB = atOnce(a, b, func(c *ad.Client) error {
			_, err := c.RemoveMember(ctx, groupRef(t, c, gname), u.SAMAccountName)
			return err
		})
		check(t, logPath, "group.remove_member", errA, errB)
		if inGroup(t, admin, u.SAMAccountName, gdn) {
			t.Error("still a member after two removals")
		}
	})
	t.Run("set", func(t *testing.T) {
		u := nbadUser(t, admin, staffOU(admin))
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error {
			_, err := c.UpdateUser(ctx, u.SAMAccountName, directory.UserUpdate{Values: map[string]string{"title": "Night Shift"}})
			return err
		})
		check(t, logPath, "user.update", errA, errB)
		if got := readUser(t, admin, u.SAMAccountName); got.Title != "Night Shift" {
			t.Errorf("title after two runs: %q", got.Title)
		}
	})
	t.Run("rename", func(t *testing.T) {
		u := nbadUser(t, admin, staffOU(admin))
		a, b, logPath := twoRuns(t)
		surname := "Renamed" + u.SAMAccountName
		errA, errB := atOnce(a, b, func(c *ad.Client) error {
			_, err := c.RenameUser(ctx, u.SAMAccountName, directory.RenameOptions{GivenName: "Nia", Surname: surname})
			return err
		})
		check(t, logPath, "user.rename", errA, errB)
		if got := readUser(t, admin, u.SAMAccountName); got.DisplayName != "Nia "+surname || !strings.HasPrefix(got.DN, "CN=Nia "+surname+",") {
			t.Errorf("after two renames: display name %q, DN %s", got.DisplayName, got.DN)
		}
	})
	t.Run("move", func(t *testing.T) {
		u := nbadUser(t, admin, staffOU(admin))
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error { _, err := c.MoveUser(ctx, u.SAMAccountName, salesOU(admin)); return err })
		check(t, logPath, "user.move", errA, errB)
		if got := readUser(t, admin, u.SAMAccountName); !strings.HasSuffix(strings.ToLower(got.DN), strings.ToLower(","+salesOU(admin))) {
			t.Errorf("after two moves the account is at %s", got.DN)
		}
	})

	t.Run("user create", func(t *testing.T) {
		// Not both can succeed: each run made its own password, and the account can hold only
		// one. The first is created; the other is refused as a second run is (exit 2), saying
		// that another run made the account, and its log says error: its create, with its
		// password, is not in the directory.
		sam := labtest.UniqueName("nbad2u")
		deleteUserAtCleanup(t, admin, sam)
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error {
			_, err := c.CreateUser(ctx, directory.NewUser{GivenName: "Tess", Surname: sam, SAMAccountName: sam, OU: staffOU(admin)})
			return err
		})
		lost := errA
		if errA == nil {
			lost = errB
		}
		if (errA == nil) == (errB == nil) {
			t.Fatalf("user create by two runs at once: errors %v / %v, want exactly one", errA, errB)
		}
		if !errors.Is(lost, directory.ErrInvalidInput) {
			t.Errorf("the second create: error = %v, want invalid input (exit 2)", lost)
		}
		for _, want := range []string{sam, "another run", "nothing was changed by this run"} {
			if !strings.Contains(lost.Error(), want) {
				t.Errorf("the second create: message %q does not contain %q", lost, want)
			}
		}
		readUser(t, admin, sam)
		if res := finalResults(t, logPath, "user.create"); !slices.Equal(res, []string{audit.ResultError, audit.ResultOK}) {
			t.Errorf("user.create outcomes %v, want one error and one ok", res)
		}
	})

	// Groups and computers: each run is given the object by name, as on the command line.
	group := func(t *testing.T, name string) bool {
		_, err := admin.ResolveGroup(ctx, name)
		if err != nil && !errors.Is(err, directory.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	computer := func(t *testing.T, name string) *directory.Computer {
		pc, err := admin.Computer(ctx, name)
		if err != nil && !errors.Is(err, directory.ErrNotFound) {
			t.Fatal(err)
		}
		return pc
	}
	t.Run("group create", func(t *testing.T) {
		name := labtest.UniqueName("nbad2n")
		t.Cleanup(func() { _ = admin.DeleteForTest(context.Background(), "CN="+name+","+groupsOU(admin)) })
		a, b, logPath := twoRuns(t)
		var mu sync.Mutex
		another := 0 // runs told that the other run made the group
		errA, errB := atOnce(a, b, func(c *ad.Client) error {
			g, err := c.CreateGroup(ctx, directory.NewGroup{Name: name, OU: groupsOU(admin), Description: "two runs"})
			if err == nil && g.MadeByAnother {
				mu.Lock()
				another++
				mu.Unlock()
			}
			return err
		})
		check(t, logPath, "group.create", errA, errB)
		if !group(t, name) {
			t.Error("no group after two creates")
		}
		if another != 1 {
			t.Errorf("%d runs were told another run created the group, want 1", another)
		}
	})
	t.Run("group create, not as asked", func(t *testing.T) {
		// Two runs create one name with different descriptions: the second finds a group that
		// is not what it asked for, and is refused (exit 2) naming it; its log says error.
		name := labtest.UniqueName("nbad2n")
		t.Cleanup(func() { _ = admin.DeleteForTest(context.Background(), "CN="+name+","+groupsOU(admin)) })
		a, b, logPath := twoRuns(t)
		desc := map[*ad.Client]string{a: "run a", b: "run b"}
		errA, errB := atOnce(a, b, func(c *ad.Client) error {
			_, err := c.CreateGroup(ctx, directory.NewGroup{Name: name, OU: groupsOU(admin), Description: desc[c]})
			return err
		})
		lost := errA
		if errA == nil {
			lost = errB
		}
		if (errA == nil) == (errB == nil) || !errors.Is(lost, directory.ErrInvalidInput) {
			t.Fatalf("group create, two different asks at once: errors %v / %v, want one invalid input", errA, errB)
		}
		for _, want := range []string{name, "created by someone else just now", "nothing was changed by this run"} {
			if !strings.Contains(lost.Error(), want) {
				t.Errorf("message %q does not contain %q", lost, want)
			}
		}
		if res := finalResults(t, logPath, "group.create"); !slices.Equal(res, []string{audit.ResultError, audit.ResultOK}) {
			t.Errorf("group.create outcomes %v, want one error and one ok", res)
		}
	})
	t.Run("group set", func(t *testing.T) {
		name, dn := nbadGroup(t, admin)
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error {
			d := "two runs"
			_, err := c.UpdateGroup(ctx, name, directory.GroupUpdate{Description: &d})
			return err
		})
		check(t, logPath, "group.update", errA, errB)
		if d, _ := admin.ReadAttributeForTest(ctx, dn, "description"); d != "two runs" {
			t.Errorf("description after two runs: %q", d)
		}
	})
	t.Run("group delete", func(t *testing.T) {
		name, _ := nbadGroup(t, admin)
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error {
			snap, err := c.SnapshotGroup(ctx, name)
			if err == nil {
				_, err = c.DeleteGroup(ctx, snap, false, "")
			}
			return err
		})
		check(t, logPath, "group.delete", errA, errB)
		if group(t, name) {
			t.Error("the group is still there after two deletes")
		}
	})
	t.Run("group restore", func(t *testing.T) {
		u := nbadUser(t, admin, staffOU(admin))
		name, dn := nbadGroup(t, admin)
		if _, err := admin.AddMember(ctx, groupRef(t, admin, name), u.SAMAccountName); err != nil {
			t.Fatal(err)
		}
		snap, err := admin.SnapshotGroup(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := admin.DeleteForTest(ctx, dn); err != nil {
			t.Fatal(err)
		}
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error { _, err := c.RestoreGroup(ctx, snap, ""); return err })
		check(t, logPath, "group.create", errA, errB)
		if !group(t, name) || !inGroup(t, admin, u.SAMAccountName, dn) {
			t.Error("after two restores the group is not there with its member")
		}
	})
	t.Run("group sync", func(t *testing.T) {
		u := nbadUser(t, admin, staffOU(admin))
		name, dn := nbadGroup(t, admin)
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error {
			return syncGroup(ctx, c, name, u.SAMAccountName)
		})
		check(t, logPath, "group.add_member", errA, errB)
		if !inGroup(t, admin, u.SAMAccountName, dn) {
			t.Error("not a member after two syncs")
		}
	})
	for _, enable := range []bool{false, true} {
		action := map[bool]string{false: "computer.disable", true: "computer.enable"}[enable]
		t.Run(action, func(t *testing.T) {
			pc := newLabComputer(t, admin, workstationsOU(admin), nil)
			if enable {
				if _, err := admin.SetComputerEnabled(ctx, pc.Name, false); err != nil {
					t.Fatal(err)
				}
			}
			a, b, logPath := twoRuns(t)
			errA, errB := atOnce(a, b, func(c *ad.Client) error { _, err := c.SetComputerEnabled(ctx, pc.Name, enable); return err })
			check(t, logPath, action, errA, errB)
			if computer(t, pc.Name).Enabled != enable {
				t.Errorf("%s twice at once: enabled = %v", action, !enable)
			}
		})
	}
	t.Run("computer move", func(t *testing.T) {
		pc := newLabComputer(t, admin, workstationsOU(admin), nil)
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error { _, err := c.MoveComputer(ctx, pc.Name, serversOU(admin)); return err })
		check(t, logPath, "computer.move", errA, errB)
		if got := computer(t, pc.Name); !strings.HasSuffix(strings.ToLower(got.DN), strings.ToLower(","+serversOU(admin))) {
			t.Errorf("after two moves the computer is at %s", got.DN)
		}
	})
	t.Run("computer reset", func(t *testing.T) {
		// Both resets are made, one after the other (as for an account's password).
		pc := newLabComputer(t, admin, workstationsOU(admin), nil)
		before, _ := admin.ReadAttributeForTest(ctx, pc.DN, "pwdLastSet")
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error { _, err := c.ResetComputerPassword(ctx, pc.Name); return err })
		check(t, logPath, "computer.reset_password", errA, errB)
		if after, _ := admin.ReadAttributeForTest(ctx, pc.DN, "pwdLastSet"); after == before {
			t.Errorf("pwdLastSet unchanged (%s) after two resets", after)
		}
	})
	t.Run("computer delete", func(t *testing.T) {
		pc := newLabComputer(t, admin, workstationsOU(admin), nil)
		a, b, logPath := twoRuns(t)
		errA, errB := atOnce(a, b, func(c *ad.Client) error {
			return deleteComputer(ctx, c, pc.Name)
		})
		check(t, logPath, "computer.delete", errA, errB)
		if computer(t, pc.Name) != nil {
			t.Error("the computer is still there after two deletes")
		}
	})
}

// Ctrl-C after the intent is recorded and before the request goes out: the command says it
// was interrupted, the directory is unchanged, and the log does not claim the change (its
// outcome is "unknown", which the next run settles), so the log never contradicts the
// directory. The next run then does the work and settles the open intent.
func TestInterruptBeforeTheWriteLeavesNoContradiction(t *testing.T) {
	admin, _, _ := parallelLab(t)
	gname, gdn := nbadGroup(t, admin)
	resetPW := testPassword()
	// The group and computer rows act on an object of their own, which their setup makes and
	// names here (the rows run one after the other), with what the check compares against.
	var obj, was string
	var snap *directory.GroupSnapshot
	ownGroup := func(t *testing.T) string {
		obj = labtest.UniqueName("nbad2g")
		return newLabGroup(t, admin, "", obj, obj, "")
	}
	ownComputer := func(t *testing.T) *directory.Computer {
		pc := newLabComputer(t, admin, workstationsOU(admin), nil)
		obj = pc.Name
		return pc
	}
	// newGroupAt is a group adkit is to create at CN=obj in OU=Groups: deleted at cleanup.
	newGroupAt := func(t *testing.T) {
		obj = labtest.UniqueName("nbad2n")
		dn := "CN=" + obj + "," + groupsOU(admin)
		t.Cleanup(func() { _ = admin.DeleteForTest(context.Background(), dn) })
	}
	groupThere := func(t *testing.T) bool {
		_, err := admin.ResolveGroup(context.Background(), obj)
		if err != nil && !errors.Is(err, directory.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	computer := func(t *testing.T) *directory.Computer {
		pc, err := admin.Computer(context.Background(), obj)
		if err != nil && !errors.Is(err, directory.ErrNotFound) {
			t.Fatal(err)
		}
		return pc
	}
	attr := func(t *testing.T, dn, name string) string {
		v, err := admin.ReadAttributeForTest(context.Background(), dn, name)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	cases := []struct {
		action string
		setup  func(t *testing.T, u *directory.User)
		run    func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error
		made   func(t *testing.T, u *directory.User) bool
	}{
		{"user.unlock", func(t *testing.T, u *directory.User) { lockOut(t, admin, u.SAMAccountName) },
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.Unlock(ctx, u.SAMAccountName)
				return err
			},
			func(t *testing.T, u *directory.User) bool { return !readUser(t, admin, u.SAMAccountName).Locked }},
		{"user.disable", nil,
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.SetEnabled(ctx, u.SAMAccountName, false)
				return err
			},
			func(t *testing.T, u *directory.User) bool { return !readUser(t, admin, u.SAMAccountName).Enabled }},
		{"group.add_member", nil,
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.AddMember(ctx, groupRef(t, c, gname), u.SAMAccountName)
				return err
			},
			func(t *testing.T, u *directory.User) bool { return inGroup(t, admin, u.SAMAccountName, gdn) }},
		{"user.enable", func(t *testing.T, u *directory.User) {
			if _, err := admin.SetEnabled(context.Background(), u.SAMAccountName, false); err != nil {
				t.Fatal(err)
			}
		},
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.SetEnabled(ctx, u.SAMAccountName, true)
				return err
			},
			func(t *testing.T, u *directory.User) bool { return readUser(t, admin, u.SAMAccountName).Enabled }},
		{"group.remove_member", func(t *testing.T, u *directory.User) {
			if _, err := admin.AddMember(context.Background(), groupRef(t, admin, gname), u.SAMAccountName); err != nil {
				t.Fatal(err)
			}
		},
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.RemoveMember(ctx, groupRef(t, c, gname), u.SAMAccountName)
				return err
			},
			func(t *testing.T, u *directory.User) bool { return !inGroup(t, admin, u.SAMAccountName, gdn) }},
		{"user.reset_password", nil,
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.ResetPassword(ctx, u.SAMAccountName, directory.ResetOptions{Password: secretOf(resetPW)})
				return err
			},
			func(t *testing.T, u *directory.User) bool {
				return rawBind(t, u.SAMAccountName+"@"+labDomain, resetPW) == nil
			}},
		{"user.update", nil,
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.UpdateUser(ctx, u.SAMAccountName, directory.UserUpdate{Values: map[string]string{"title": "Interrupted"}})
				return err
			},
			func(t *testing.T, u *directory.User) bool {
				return readUser(t, admin, u.SAMAccountName).Title == "Interrupted"
			}},
		{"user.rename", nil,
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.RenameUser(ctx, u.SAMAccountName, directory.RenameOptions{GivenName: "Ina", Surname: "Cut" + u.SAMAccountName})
				return err
			},
			func(t *testing.T, u *directory.User) bool {
				return readUser(t, admin, u.SAMAccountName).GivenName == "Ina"
			}},
		{"user.move", nil,
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.MoveUser(ctx, u.SAMAccountName, salesOU(admin))
				return err
			},
			func(t *testing.T, u *directory.User) bool {
				return strings.HasSuffix(strings.ToLower(readUser(t, admin, u.SAMAccountName).DN), strings.ToLower(","+salesOU(admin)))
			}},
		{"user.create (outside onboarding)", func(t *testing.T, u *directory.User) {
			obj = labtest.UniqueName("nbad2u")
			deleteUserAtCleanup(t, admin, obj)
		},
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.CreateUser(ctx, directory.NewUser{GivenName: "Cora", Surname: obj, SAMAccountName: obj, OU: staffOU(admin)})
				return err
			},
			func(t *testing.T, u *directory.User) bool {
				_, err := admin.User(context.Background(), obj)
				return err == nil
			}},
		{"group.create", func(t *testing.T, u *directory.User) { newGroupAt(t) },
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.CreateGroup(ctx, directory.NewGroup{Name: obj, OU: groupsOU(admin)})
				return err
			},
			func(t *testing.T, u *directory.User) bool { return groupThere(t) }},
		{"group.update", func(t *testing.T, u *directory.User) { was = ownGroup(t) },
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				d := "Interrupted"
				_, err := c.UpdateGroup(ctx, obj, directory.GroupUpdate{Description: &d})
				return err
			},
			func(t *testing.T, u *directory.User) bool { return attr(t, was, "description") == "Interrupted" }},
		{"group.delete", func(t *testing.T, u *directory.User) { ownGroup(t) },
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				s, err := c.SnapshotGroup(ctx, obj)
				if err != nil {
					return err
				}
				_, err = c.DeleteGroup(ctx, s, false, "")
				return err
			},
			func(t *testing.T, u *directory.User) bool { return !groupThere(t) }},
		// restore: the group (with the account as its member) is deleted after its snapshot;
		// the interrupt lands on the restore's first change, the group's creation.
		{"group.create (restore)", func(t *testing.T, u *directory.User) {
			dn := ownGroup(t)
			if _, err := admin.AddMember(context.Background(), groupRef(t, admin, obj), u.SAMAccountName); err != nil {
				t.Fatal(err)
			}
			var err error
			if snap, err = admin.SnapshotGroup(context.Background(), obj); err != nil {
				t.Fatal(err)
			}
			if err := admin.DeleteForTest(context.Background(), dn); err != nil {
				t.Fatal(err)
			}
		},
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.RestoreGroup(ctx, snap, "")
				return err
			},
			func(t *testing.T, u *directory.User) bool {
				return groupThere(t) && inGroup(t, admin, u.SAMAccountName, snap.DN)
			}},
		{"group.add_member (sync)", func(t *testing.T, u *directory.User) { was = ownGroup(t) },
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				return syncGroup(ctx, c, obj, u.SAMAccountName)
			},
			func(t *testing.T, u *directory.User) bool { return inGroup(t, admin, u.SAMAccountName, was) }},
		{"computer.enable", func(t *testing.T, u *directory.User) {
			ownComputer(t)
			if _, err := admin.SetComputerEnabled(context.Background(), obj, false); err != nil {
				t.Fatal(err)
			}
		},
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.SetComputerEnabled(ctx, obj, true)
				return err
			},
			func(t *testing.T, u *directory.User) bool { return computer(t).Enabled }},
		{"computer.move", func(t *testing.T, u *directory.User) { ownComputer(t) },
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.MoveComputer(ctx, obj, serversOU(admin))
				return err
			},
			func(t *testing.T, u *directory.User) bool {
				return strings.HasSuffix(strings.ToLower(computer(t).DN), strings.ToLower(","+serversOU(admin)))
			}},
		// reset: a computer's password cannot be read; its pwdLastSet says whether it was set.
		{"computer.reset_password", func(t *testing.T, u *directory.User) { was = attr(t, ownComputer(t).DN, "pwdLastSet") },
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				_, err := c.ResetComputerPassword(ctx, obj)
				return err
			},
			func(t *testing.T, u *directory.User) bool { return attr(t, computer(t).DN, "pwdLastSet") != was }},
		{"computer.delete", func(t *testing.T, u *directory.User) { ownComputer(t) },
			func(t *testing.T, c *ad.Client, ctx context.Context, u *directory.User) error {
				return deleteComputer(ctx, c, obj)
			},
			func(t *testing.T, u *directory.User) bool { return computer(t) == nil }},
	}
	for _, tc := range cases {
		t.Run(tc.action, func(t *testing.T) {
			// "group.create (restore)": the action recorded, then the command when another.
			tc.action, _, _ = strings.Cut(tc.action, " ")
			u := nbadUser(t, admin, staffOU(admin))
			if tc.setup != nil {
				tc.setup(t, u)
			}
			_, logPath := labtest.Trail(t, false)
			sink := func() *audit.Trail { return audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(logPath)}) }
			c := labtest.ConnectWith(t, labtest.Config(t), sink())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c.CloseOnInterrupt(ctx)
			c.InterruptBeforeWriteForTest(cancel)

			err := tc.run(t, c, ctx, u)
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
				t.Fatalf("%s interrupted before the write: error = %v, want it to say interrupted", tc.action, err)
			}
			if tc.made(t, u) {
				t.Fatalf("%s: the change was made although the request was never sent", tc.action)
			}
			in := lastIntent(t, logPath, tc.action)
			if outs := outcomesOf(t, logPath, in.OpID); len(outs) != 1 || outs[0].Result != audit.ResultUnknown {
				t.Fatalf("%s: outcomes %+v, want one unknown (neither ok nor error: the directory was not asked)", tc.action, outs)
			}

			// The next run (another process on the same log) makes the change and settles it.
			next := labtest.ConnectWith(t, labtest.Config(t), sink())
			if err := tc.run(t, next, context.Background(), u); err != nil {
				t.Fatalf("%s: the next run: %v", tc.action, err)
			}
			if !tc.made(t, u) {
				t.Fatalf("%s: the next run did not make the change", tc.action)
			}
			if open, err := audit.Open(context.Background(), audit.OpenFileLog(logPath)); err != nil || len(open) != 0 {
				t.Errorf("%s: open intents after the next run: %+v (%v)", tc.action, open, err)
			}
		})
	}
}

// A move into an OU that already holds an account of the same name is refused before the
// directory is asked (bad input, exit 2), naming the account, the name, the OU and what to
// do: the directory's own answer ("an object with that name already exists") names none.
func TestMoveUserIntoANameTakenSaysWhatToDo(t *testing.T) {
	admin, logPath, ctx := parallelLab(t)
	surname := labtest.UniqueName("nbadc")
	same := func(nu *directory.NewUser) {
		nu.SAMAccountName = labtest.UniqueName("nbad")
		nu.GivenName, nu.Surname = "Nora", surname
	}
	u, _ := newLabUser(t, admin, staffOU(admin), same)
	newLabUser(t, admin, salesOU(admin), same)

	_, err := admin.MoveUser(ctx, u.SAMAccountName, salesOU(admin))
	if !errors.Is(err, directory.ErrInvalidInput) {
		t.Fatalf("move into a name taken: error = %v, want invalid input", err)
	}
	for _, want := range []string{u.SAMAccountName, `"Nora ` + surname + `"`, salesOU(admin), "adkit user rename", "nothing was changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not contain %q", err, want)
		}
	}
	if got := readUser(t, admin, u.SAMAccountName); !strings.EqualFold(got.DN, u.DN) {
		t.Errorf("the refused move moved the account to %s", got.DN)
	}
	if recs := auditRecords(t, logPath, "user.move"); len(recs) != 0 {
		t.Errorf("a move refused before the directory was asked wrote %d audit records", len(recs))
	}
}

// A computer's name is unique among computers, but its CN may be taken in the target OU by
// another kind of object (here a group). The move is refused before the directory is asked
// (exit 2), naming the computer, the name, the OU, what holds the name and what to do.
func TestMoveComputerIntoANameTakenSaysWhatToDo(t *testing.T) {
	admin, logPath, ctx := parallelLab(t)
	pc := newLabComputer(t, admin, workstationsOU(admin), nil)
	newLabGroup(t, admin, serversOU(admin), pc.Name, labtest.UniqueName("nbad2t"), "")

	_, err := admin.MoveComputer(ctx, pc.Name, serversOU(admin))
	if !errors.Is(err, directory.ErrInvalidInput) {
		t.Fatalf("computer move into a name taken: error = %v, want invalid input", err)
	}
	for _, want := range []string{pc.Name, `"` + pc.Name + `"`, serversOU(admin), "group", "nothing was changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not contain %q", err, want)
		}
	}
	if got, err := admin.Computer(ctx, pc.Name); err != nil || !strings.EqualFold(got.DN, pc.DN) {
		t.Errorf("after the refused move the computer is at %v (%v)", got, err)
	}
	// The computer and the group were made without the log: a log with nothing in it is no file.
	if _, err := os.Stat(logPath); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a move refused before the directory was asked wrote to the audit log (%v): %v", err, auditRecords(t, logPath, "computer.move"))
	}
}
