package graph_test

import (
	"testing"
)

// A leaver's licences are read into the snapshot, then sessions are revoked and licences
// removed (and a cloud-only account disabled); restore assigns them again.
func TestRevokeAndRestoreCloud(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := e.ctx()
	snap, err := e.client.SnapshotCloud(ctx, "jdoe@corp.example.com")
	if err != nil || len(snap.Licenses) != 1 || snap.Licenses[0] != "ENTERPRISEPACK" {
		t.Fatalf("snapshot: %+v %v", snap, err)
	}
	if err := e.client.RevokeCloud(ctx, snap, true); err != nil {
		t.Fatal(err)
	}
	u := e.srv.Tenant().User("jdoe@corp.example.com")
	if u.SessionsValidFrom == nil || len(u.AssignedLicenses) != 0 || u.AccountEnabled || !snap.SessionsRevoked || !snap.Disabled {
		t.Fatalf("after revoke: %+v, snapshot %+v", u, snap)
	}
	actions := map[string]int{}
	for _, r := range e.records() {
		if r.Event == "outcome" && r.Result == "ok" {
			actions[r.Action]++
		}
	}
	if actions["user.revoke_sessions"] != 1 || actions["user.remove_license"] != 1 || actions["user.disable"] != 1 {
		t.Errorf("audited: %v", actions)
	}
	if err := e.client.RestoreCloud(ctx, snap); err != nil {
		t.Fatal(err)
	}
	u = e.srv.Tenant().User("jdoe@corp.example.com")
	if len(u.AssignedLicenses) != 1 || !u.AccountEnabled {
		t.Errorf("after restore: %+v", u)
	}
}
