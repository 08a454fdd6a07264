package graph_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
)

// 25 cloud-only leavers are found by employee ID, read (licences, groups, manager) and
// offboarded — disabled, sessions revoked, licence and two of three groups removed — in a
// dozen $batch requests; a leaver missing from the tenant is reported, not fatal; a second
// pass finds nothing left to take.
func TestOffboardCloudInBulk(t *testing.T) {
	e := newEnv(t, envOptions{})
	ten := e.srv.Tenant()
	e3 := graphtest.StableID("sku:ENTERPRISEPACK")
	keys := []directory.CloudKey{}
	var ids []string
	for i := 0; i < 25; i++ {
		u := ten.AddUser(&graphtest.User{UserPrincipalName: fmt.Sprintf("leaver%02d@corp.example.com", i), DisplayName: fmt.Sprintf("Leaver %02d", i),
			AccountEnabled: true, EmployeeID: fmt.Sprintf("L%02d", i), UsageLocation: "US", AssignedLicenses: []string{e3},
			ManagerID: id("asmith@corp.example.com")})
		ids = append(ids, u.ID)
		keys = append(keys, directory.CloudKey{EmployeeID: u.EmployeeID})
	}
	ten.AddGroup(&graphtest.Group{DisplayName: "Leaver Team", SecurityEnabled: true, Members: append([]string(nil), ids...)})
	ten.AddGroup(&graphtest.Group{DisplayName: "Leaver Project", SecurityEnabled: true, Members: append([]string(nil), ids...)})
	ten.AddGroup(&graphtest.Group{DisplayName: "Leaver Keep", SecurityEnabled: true, Members: append([]string(nil), ids...)})
	keys = append(keys, directory.CloudKey{EmployeeID: "L99", UPN: "nobody@corp.example.com"})
	e.srv.ResetLog()
	snaps, errs, err := e.client.CloudLeavers(e.ctx(), keys)
	if err != nil {
		t.Fatal(err)
	}
	var nf *directory.NotFoundError
	if !errors.As(errs[25], &nf) || snaps[25] != nil {
		t.Errorf("missing leaver: %v %+v", errs[25], snaps[25])
	}
	s := snaps[3]
	if errs[3] != nil || s.UPN != "leaver03@corp.example.com" || len(s.Licenses) != 1 || s.Licenses[0] != "ENTERPRISEPACK" ||
		len(s.Groups) != 3 || !s.Enabled || s.Manager != "asmith@corp.example.com" || s.SessionsValidFrom == nil || !s.SessionsValidFrom.Equal(e.srv.Tenant().User(s.UPN).CreatedDateTime) {
		t.Fatalf("snapshot: %+v %v", s, errs[3])
	}
	// Look-up: 2 filters in 1 $batch; groups: 25 users in 2.
	if n := e.srv.WireCount("POST", "/$batch"); n != 3 {
		t.Errorf("look-up $batch requests = %d, want 3", n)
	}
	var items []directory.CloudOffboard
	for _, s := range snaps[:25] {
		var rm []directory.CloudGroup
		for _, g := range s.Groups {
			if g.Name != "Leaver Keep" {
				rm = append(rm, g)
			}
		}
		items = append(items, directory.CloudOffboard{Snapshot: s, Revoke: true, Disable: true, RemoveGroups: rm})
	}
	e.srv.ResetLog()
	res := e.client.OffboardCloud(e.ctx(), items)
	for i, r := range res {
		if r.Err != nil || !r.Disabled || !r.SessionsRevoked || len(r.LicensesRemoved) != 1 || len(r.GroupsRemoved) != 2 {
			t.Fatalf("leaver %d: %+v", i, r)
		}
	}
	// 25 disables, 25 revocations, 25 licences (2 $batch each) and 50 memberships (3).
	if n := e.srv.WireCount("POST", "/$batch"); n != 9 {
		t.Errorf("change $batch requests = %d, want 9", n)
	}
	for _, p := range [][2]string{{"PATCH", "/users/*"}, {"POST", "/users/*/revokeSignInSessions"}, {"POST", "/users/*/assignLicense"}, {"DELETE", "/groups/*/members/*/*ref"}} {
		if n := e.srv.WireCount(p[0], p[1]); n != 0 {
			t.Errorf("%d %s %s outside $batch", n, p[0], p[1])
		}
	}
	if n := e.srv.Count("DELETE", "/groups/*/members/*/*ref"); n != 50 {
		t.Errorf("membership removals = %d, want 50", n)
	}
	u := ten.User("leaver03@corp.example.com")
	if u.AccountEnabled || u.SessionsValidFrom == nil || len(u.AssignedLicenses) != 0 {
		t.Errorf("after offboarding: %+v", u)
	}
	if g := ten.Group("Leaver Keep"); !contains(g.Members, u.ID) {
		t.Errorf("the kept group lost the leaver")
	}
	actions := map[string]int{}
	for _, r := range e.records() {
		if r.Event == "outcome" && r.Result == "ok" && r.Directory == "entra" {
			actions[r.Action]++
		}
	}
	if actions["user.disable"] != 25 || actions["user.revoke_sessions"] != 25 || actions["user.remove_license"] != 25 || actions["group.remove_member"] != 50 {
		t.Errorf("audited: %v", actions)
	}

	// Read again: nothing is left to take but the kept group.
	snaps, _, err = e.client.CloudLeavers(e.ctx(), keys[3:4])
	if err != nil || snaps[0].Enabled || len(snaps[0].Licenses) != 0 || len(snaps[0].Groups) != 1 || snaps[0].SessionsValidFrom == nil {
		t.Fatalf("second read: %+v %v", snaps[0], err)
	}

	// Restore one: groups, licence, new password (must change), enabled.
	r, err := e.client.RestoreCloudLeaver(e.ctx(), s, directory.ResetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	u = ten.User("leaver03@corp.example.com")
	if !u.AccountEnabled || len(u.AssignedLicenses) != 1 || !u.ForceChangePasswordNextSignIn || !r.Password.Generated ||
		len(r.GroupsAdded) != 2 || !contains(ten.Group("Leaver Team").Members, u.ID) {
		t.Errorf("after restore: %+v %+v", u, r)
	}
	if u.ManagerID != id("asmith@corp.example.com") || hasStep(r, "manager") {
		t.Errorf("the manager, still set, was touched: %q, steps %+v", u.ManagerID, r.Steps)
	}

	// Someone cleared the manager since: restore puts it back (audited as user.update); a
	// manager who has left too is recorded as skipped, not an error.
	ten.UpdateUser("leaver03@corp.example.com", func(u *graphtest.User) { u.ManagerID = "" })
	if r, err = e.client.RestoreCloudLeaver(e.ctx(), s, directory.ResetOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := ten.User("leaver03@corp.example.com").ManagerID; got != id("asmith@corp.example.com") || !hasStep(r, "manager set back to asmith@corp.example.com") {
		t.Errorf("manager after restore = %q, steps %+v", got, r.Steps)
	}
	ten.UpdateUser("leaver03@corp.example.com", func(u *graphtest.User) { u.ManagerID = "" })
	gone := *s
	gone.Manager = "left.too@corp.example.com"
	if r, err = e.client.RestoreCloudLeaver(e.ctx(), &gone, directory.ResetOptions{}); err != nil {
		t.Fatalf("a manager who left too: %v", err)
	}
	if !hasStep(r, "manager left.too@corp.example.com no longer exists; not restored") || ten.User("leaver03@corp.example.com").ManagerID != "" {
		t.Errorf("steps %+v", r.Steps)
	}
}

func hasStep(r directory.CloudRestoreResult, note string) bool {
	for _, st := range r.Steps {
		if strings.Contains(st.Note, note) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
