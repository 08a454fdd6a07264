package ad_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// outcomesOf returns the outcome records of op_id, in order.
func outcomesOf(t *testing.T, path, opID string) []audit.Record {
	t.Helper()
	var out []audit.Record
	err := audit.OpenFileLog(path).EachRecord(context.Background(), func(r audit.Record) error {
		if r.OpID == opID && r.Event == audit.EventOutcome {
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// lastIntent returns the last intent of action in the log.
func lastIntent(t *testing.T, path, action string) audit.Record {
	t.Helper()
	var last audit.Record
	err := audit.OpenFileLog(path).EachRecord(context.Background(), func(r audit.Record) error {
		if r.Event == audit.EventIntent && r.Action == action {
			last = r
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read the audit log: %v", err)
	}
	if last.OpID == "" {
		t.Fatalf("no %s intent in the log", action)
	}
	return last
}

// A move the directory made but whose answer never came (the offboarding case of issue 11):
// the log must say ok, read back, not error; and when it cannot be read back, unknown, which
// the next run — finding the account already there — settles with the same op_id.
func TestMoveWithoutAnAnswerIsReadBackOrSettledLater(t *testing.T) {
	c, logPath, ctx := parallelLab(t)

	u, _ := newLabUser(t, c, staffOU(c))
	if err := c.MoveLosingTheAnswer(ctx, u, salesOU(c)); err != nil {
		t.Fatalf("a move that was made, read back: error %v, want none", err)
	}
	in := lastIntent(t, logPath, "user.move")
	outs := outcomesOf(t, logPath, in.OpID)
	if len(outs) != 1 || outs[0].Result != audit.ResultOK || outs[0].Settled != audit.SettledReadBack {
		t.Errorf("outcome of a made move without an answer = %+v; want ok, read_back", outs)
	}
	if got := readUser(t, c, u.SAMAccountName); !strings.HasSuffix(got.DN, salesOU(c)) {
		t.Fatalf("the move was not made: %s", got.DN)
	}

	v, _ := newLabUser(t, c, staffOU(c))
	undo := c.BreakReadBackForTest()
	err := c.MoveLosingTheAnswer(ctx, v, salesOU(c))
	undo()
	if !errors.Is(err, audit.ErrOutcomeUnknown) || !errors.Is(err, directory.ErrUnreachable) {
		t.Errorf("no answer and no read-back: error = %v; want outcome unknown", err)
	}
	in = lastIntent(t, logPath, "user.move")
	if outs := outcomesOf(t, logPath, in.OpID); len(outs) != 1 || outs[0].Result != audit.ResultUnknown {
		t.Fatalf("outcome = %+v; want unknown (never error)", outs)
	}

	// The next run (another process: another trail on the same log) finds it done.
	next := labtest.ConnectWith(t, labtest.Config(t), audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(logPath)}))
	o, err := next.MoveUser(ctx, v.SAMAccountName, salesOU(c))
	if err != nil || o.Changed {
		t.Fatalf("re-run: %+v, %v; want already there", o, err)
	}
	outs = outcomesOf(t, logPath, in.OpID)
	if len(outs) != 2 || outs[1].Result != audit.ResultOK || outs[1].Settled != audit.SettledLater || !strings.Contains(outs[1].Note, "settled later") {
		t.Errorf("after the re-run, the outcomes of the first move are %+v; want unknown, then ok settled later", outs)
	}
	open, err := audit.Open(ctx, audit.OpenFileLog(logPath))
	if err != nil || len(open) != 0 {
		t.Errorf("open intents after the re-run: %+v (%v)", open, err)
	}
}

// A create whose answer never came and could not be read back is settled by the next
// onboarding run, which finds the account by its employee ID.
func TestCreateWithoutAnAnswerIsSettledByTheNextRun(t *testing.T) {
	c, logPath, ctx := parallelLab(t)
	sam := labtest.UniqueName("u")
	dn := "CN=" + sam + "," + staffOU(c)
	id := "E-" + sam
	deleteUserAtCleanup(t, c, sam)

	undo := c.BreakReadBackForTest()
	err := c.CreateLosingTheAnswer(ctx, dn, sam, id)
	undo()
	if !errors.Is(err, audit.ErrOutcomeUnknown) {
		t.Fatalf("error = %v; want outcome unknown", err)
	}
	in := lastIntent(t, logPath, "user.create")

	next := labtest.ConnectWith(t, labtest.Config(t), audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(logPath)}))
	u, created, err := next.CreateAccount(ctx, directory.NewAccount{DN: dn, SAMAccountName: sam, EmployeeID: id,
		GivenName: "Una", Surname: sam, Password: secretOf(testPassword())})
	if err != nil || created || u == nil {
		t.Fatalf("re-run: created %v, %v; want the existing account", created, err)
	}
	outs := outcomesOf(t, logPath, in.OpID)
	if len(outs) != 2 || outs[1].Result != audit.ResultOK || outs[1].Settled != audit.SettledLater {
		t.Errorf("outcomes of the first create = %+v; want unknown, then ok settled later", outs)
	}
}

// Membership and disable changes whose answer is lost are read back too (the group's member
// list, userAccountControl), so the log says ok for what the directory did.
func TestMembershipAndDisableWithoutAnAnswerAreReadBack(t *testing.T) {
	c, logPath, ctx := parallelLab(t)
	u, _ := newLabUser(t, c, staffOU(c))
	g := labtest.UniqueName("g")
	gdn := newLabGroup(t, c, "", g, g, "")

	add := ldap.NewModifyRequest(gdn, nil)
	add.Add("member", []string{u.DN})
	if err := c.ModifyLosingTheAnswer(ctx, "group.add_member", u, []audit.Change{{Attribute: "group", After: gdn}}, add); err != nil {
		t.Errorf("add whose answer was lost: %v; want it read back as made", err)
	}
	disable := ldap.NewModifyRequest(u.DN, nil)
	disable.Replace("userAccountControl", []string{"514"})
	if err := c.ModifyLosingTheAnswer(ctx, "user.disable", u, []audit.Change{{Attribute: "userAccountControl", Before: 512, After: 514}}, disable); err != nil {
		t.Errorf("disable whose answer was lost: %v; want it read back as made", err)
	}
	for _, action := range []string{"group.add_member", "user.disable"} {
		in := lastIntent(t, logPath, action)
		if outs := outcomesOf(t, logPath, in.OpID); len(outs) != 1 || outs[0].Result != audit.ResultOK || outs[0].Settled != audit.SettledReadBack {
			t.Errorf("%s: outcome %+v; want ok, read back", action, outs)
		}
	}

	// A membership the directory did not make (the request that went out changed something
	// else), answer lost: never recorded as made, nor as refused.
	other := labtest.UniqueName("g")
	odn := newLabGroup(t, c, "", other, other, "")
	noop := ldap.NewModifyRequest(odn, nil)
	noop.Replace("description", []string{"touched by " + t.Name()})
	err := c.ModifyLosingTheAnswer(ctx, "group.add_member", u, []audit.Change{{Attribute: "group", After: odn}}, noop)
	if !errors.Is(err, audit.ErrOutcomeUnknown) {
		t.Errorf("a membership not made, answer lost: error = %v; want outcome unknown", err)
	}
	in := lastIntent(t, logPath, "group.add_member")
	if outs := outcomesOf(t, logPath, in.OpID); len(outs) != 1 || outs[0].Result != audit.ResultUnknown {
		t.Errorf("outcome %+v; want unknown (read back: not a member)", outs)
	}
}
