package ad_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
	"github.com/adkit-dev/adkit/internal/secret"
)

func TestDryRunChangesNothing(t *testing.T) {
	admin, _, ctx := parallelLab(t)
	u, pw := newLabUser(t, admin, staffOU(admin))
	calm, _ := newLabUser(t, admin, staffOU(admin)) // not locked, enabled
	gname := labtest.UniqueName("g")
	gdn := newLabGroup(t, admin, "", gname, gname, "")
	lockOut(t, admin, u.SAMAccountName)
	before := readUser(t, admin, u.SAMAccountName)

	trail, logPath := labtest.Trail(t, true)
	dry := labtest.ConnectWith(t, labtest.Config(t), trail)
	if !dry.DryRun() {
		t.Fatal("a client on a dry-run trail does not say it is a dry run")
	}

	wouldChange := func(what string, o directory.Outcome, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("dry-run %s: %v", what, err)
		}
		if o.Changed || !o.WouldChange || !strings.Contains(o.Note, "dry run") {
			t.Errorf("dry-run %s: changed=%v would=%v note=%q; want a would-change dry-run note", what, o.Changed, o.WouldChange, o.Note)
		}
	}
	o, err := dry.Unlock(ctx, u.SAMAccountName)
	wouldChange("unlock", o, err)
	newPW := testPassword()
	r, err := dry.ResetPassword(ctx, u.SAMAccountName, directory.ResetOptions{Password: secret.New(newPW), MustChange: true, Unlock: true})
	wouldChange("reset", r.Outcome, err)
	gen, err := dry.ResetPassword(ctx, u.SAMAccountName, directory.ResetOptions{})
	wouldChange("reset (generated)", gen.Outcome, err)
	g, err := dry.ResolveGroup(ctx, gname)
	if err != nil {
		t.Fatal(err)
	}
	o, err = dry.AddMember(ctx, g, u.SAMAccountName)
	wouldChange("add member", o, err)
	o, err = dry.SetEnabled(ctx, u.SAMAccountName, false)
	wouldChange("disable", o, err)
	o, err = dry.MoveUser(ctx, u.SAMAccountName, salesOU(admin))
	wouldChange("move", o, err)
	sam := labtest.UniqueName("d")
	deleteUserAtCleanup(t, admin, sam) // only if the dry run created it after all
	created, err := dry.CreateUser(ctx, directory.NewUser{GivenName: "Dry", Surname: sam, SAMAccountName: sam, OU: staffOU(admin), Groups: []string{gname}})
	if err != nil {
		t.Fatalf("dry-run create: %v", err)
	}
	if created.DN == "" || created.User == nil || created.User.SAMAccountName != sam {
		t.Errorf("dry-run create result = %+v, want the account that would be created", created)
	}

	// Nothing needed doing: the dry run says so, as a real run would.
	o, err = dry.Unlock(ctx, calm.SAMAccountName)
	if err != nil || o.Changed || o.WouldChange || !strings.Contains(o.Note, "was not locked") {
		t.Errorf("dry-run unlock of an unlocked account: changed=%v would=%v note=%q err=%v; want \"was not locked\"", o.Changed, o.WouldChange, o.Note, err)
	}
	o, err = dry.SetEnabled(ctx, calm.SAMAccountName, true)
	if err != nil || o.WouldChange || !strings.Contains(o.Note, "already enabled") {
		t.Errorf("dry-run enable of an enabled account: would=%v note=%q err=%v; want \"already enabled\"", o.WouldChange, o.Note, err)
	}
	o, err = dry.RemoveMember(ctx, g, calm.SAMAccountName)
	if err != nil || o.WouldChange || !strings.Contains(o.Note, "not a member") {
		t.Errorf("dry-run remove of a non-member: would=%v note=%q err=%v; want \"not a member\"", o.WouldChange, o.Note, err)
	}

	// The directory, read by a real client, is as it was.
	after := readUser(t, admin, u.SAMAccountName)
	if !after.Locked || !after.Enabled || after.MustChangePassword || after.DN != before.DN ||
		!after.PwdLastSet.Equal(*before.PwdLastSet) || slices.Contains(after.MemberOf, gdn) {
		t.Errorf("dry run changed %s: locked %v enabled %v must-change %v dn %s pwdLastSet %v->%v memberOf %v",
			u.SAMAccountName, after.Locked, after.Enabled, after.MustChangePassword, after.DN, before.PwdLastSet, after.PwdLastSet, after.MemberOf)
	}
	_, err = admin.User(ctx, sam)
	mustNotFound(t, err, "the account a dry run would create")
	if _, err := admin.Unlock(ctx, u.SAMAccountName); err != nil {
		t.Fatal(err)
	}
	if err := rawBind(t, u.SAMAccountName+"@"+labDomain, pw); err != nil {
		t.Errorf("the original password no longer binds after dry-run resets: %v", err)
	}

	recs := auditRecords(t, logPath, "")
	results := pairs(t, recs)
	actions := map[string]int{}
	for i, rec := range recs {
		if !rec.DryRun {
			t.Errorf("record %d (%s) has dry_run false", i, rec.Action)
		}
		if rec.Event == audit.EventIntent {
			actions[rec.Action]++
		}
	}
	for i, res := range results {
		if res != audit.ResultSkipped {
			t.Errorf("dry-run outcome %d (%s) = %q, want skipped", i, recs[2*i].Action, res)
		}
	}
	for action, n := range map[string]int{"user.unlock": 2, "user.reset_password": 2, "group.add_member": 2, "group.remove_member": 1,
		"user.disable": 1, "user.enable": 1, "user.move": 1, "user.create": 1} {
		if actions[action] != n {
			t.Errorf("%d %s intents, want %d (all: %v)", actions[action], action, n, actions)
		}
	}
	assertNoSecrets(t, logPath, pw, newPW, gen.Password.Reveal(), created.Password.Reveal())
}
