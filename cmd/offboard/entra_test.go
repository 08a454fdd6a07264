package offboard

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/onboarding"
)

// fakeCloud is the Entra ID side: accounts by employee ID, and what OffboardCloud was asked.
type fakeCloud struct {
	snaps map[string]*directory.CloudRevocation
	got   []directory.CloudOffboard
	fail  map[string]error // by UPN
}

func (f *fakeCloud) CloudLeavers(_ context.Context, keys []directory.CloudKey) ([]*directory.CloudRevocation, []error, error) {
	snaps, errs := make([]*directory.CloudRevocation, len(keys)), make([]error, len(keys))
	for i, k := range keys {
		if s := f.snaps[k.EmployeeID]; s != nil {
			snaps[i] = s
		} else {
			errs[i] = &directory.NotFoundError{Kind: "Entra ID user", Ident: k.EmployeeID}
		}
	}
	return snaps, errs, nil
}

func (f *fakeCloud) OffboardCloud(_ context.Context, items []directory.CloudOffboard) []directory.CloudOffboardResult {
	f.got = append(f.got, items...)
	out := make([]directory.CloudOffboardResult, len(items))
	for i, it := range items {
		out[i] = directory.CloudOffboardResult{SessionsRevoked: it.Revoke, LicensesRemoved: it.Snapshot.Licenses, Err: f.fail[it.Snapshot.UPN]}
	}
	return out
}

// A hybrid plan revokes sessions of every leaver still to offboard in AD, and of one already
// offboarded there whose Entra ID account still holds a licence (planned again); one with
// nothing left is skipped, one missing from Entra ID is reported.
func TestPlanCloudHybrid(t *testing.T) {
	revoked := time.Now()
	cloud := &fakeCloud{snaps: map[string]*directory.CloudRevocation{
		"1": {ID: "id1", UPN: "a@x", Licenses: []string{"E3"}},
		"2": {ID: "id2", UPN: "b@x", Licenses: []string{"E3"}, SessionsValidFrom: &revoked},
		"3": {ID: "id3", UPN: "c@x", Licenses: []string{}, SessionsValidFrom: &revoked},
	}}
	entry := func(row int, id, action string) onboarding.LeaverEntry {
		return onboarding.LeaverEntry{Row: row, EmployeeID: id, Action: action, SAMAccountName: "u" + id,
			User: &directory.User{EmployeeID: id, UserPrincipalName: "u" + id + "@x"}}
	}
	p := &onboarding.LeaverPlan{Entries: []onboarding.LeaverEntry{
		entry(2, "1", onboarding.ActionOffboard), entry(3, "2", onboarding.ActionSkip),
		entry(4, "3", onboarding.ActionSkip), entry(5, "4", onboarding.ActionOffboard),
	}}
	began := func(name string) (time.Time, bool) { return revoked.Add(-time.Hour), name == "u3" }
	cps, err := planCloud(context.Background(), cloud, p, modeHybrid, revocationEvidence{began: began})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		action, words string
	}{
		{onboarding.ActionOffboard, "revoke sessions, -licence:E3"},
		{onboarding.ActionOffboard, "revoke sessions, -licence:E3"},
		{onboarding.ActionSkip, "nothing left to take"},
		{onboarding.ActionOffboard, "not in Entra ID (yet): nothing to revoke there"},
	}
	for i, w := range want {
		if p.Entries[i].Action != w.action || cps[i].words() != w.words {
			t.Errorf("row %d: %s %q, want %s %q", p.Entries[i].Row, p.Entries[i].Action, cps[i].words(), w.action, w.words)
		}
	}

	// Apply's cloud step: only the leavers with work left, in one call; what it did lands in
	// their results; a cloud failure fails the leaver.
	cloud.fail = map[string]error{"a@x": errors.New("refused")}
	a := &applier{cloudDir: cloud, cloud: map[int]*cloudPlan{}}
	for i, c := range cps {
		a.cloud[p.Entries[i].Row] = c
	}
	results := []result{
		{Row: 2, Status: statusOffboarded, Snapshot: "a.json"},
		{Row: 3, Status: statusSkipped, Snapshot: "b.json", Note: "nothing was left to do"},
		{Row: 4, Status: statusSkipped},
		{Row: 5, Status: statusOffboarded, Snapshot: "d.json"},
	}
	a.offboardCloud(context.Background(), results)
	if len(cloud.got) != 2 {
		t.Fatalf("OffboardCloud got %d items, want 2", len(cloud.got))
	}
	if r := results[0]; r.Status != statusFailed || !strings.Contains(r.Error, "Entra ID: refused") {
		t.Errorf("failed leaver: %+v", r)
	}
	if r := results[1]; r.Status != statusOffboarded || r.Note != "" || !r.Entra.SessionsRevoked || r.Entra.LicensesRemoved[0] != "E3" {
		t.Errorf("licence left: %+v %+v", r, r.Entra)
	}
	if r := results[2]; r.Status != statusSkipped || r.Entra.changed {
		t.Errorf("nothing left: %+v", r)
	}
	if r := results[3]; r.Status != statusOffboarded || r.err != nil || !strings.Contains(r.Entra.words(false), "not in Entra ID (yet)") {
		t.Errorf("missing in Entra ID: %+v %+v", r, r.Entra)
	}
}

// Sessions count as revoked only when Graph's signInSessionsValidFromDateTime is no earlier
// than the leaver's first snapshot (less a minute of clock skew) and has moved past the
// account's createdDateTime (Graph has a value for every account, from its creation on), or
// when the audit log records this machine's revocation since then.
func TestRevokedSince(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	began := func(name string) (time.Time, bool) { return start, name == "jdoe@x" }
	at := func(d time.Duration) *directory.CloudRevocation {
		v := start.Add(d)
		return &directory.CloudRevocation{ID: "ID1", SessionsValidFrom: &v}
	}
	made := func(s *directory.CloudRevocation, d time.Duration) *directory.CloudRevocation {
		c := start.Add(d)
		s.Created = &c
		return s
	}
	okAt := func(d time.Duration) map[string][]time.Time { return map[string][]time.Time{"id1": {start.Add(d)}} }
	for _, tt := range []struct {
		why     string
		name    string
		s       *directory.CloudRevocation
		audited map[string][]time.Time
		revoked bool
	}{
		{"revoked by the first run", "jdoe@x", at(2 * time.Second), nil, true},
		{"Graph's clock a little behind", "jdoe@x", at(-30 * time.Second), nil, true},
		{"the account's creation: never revoked", "jdoe@x", at(-400 * 24 * time.Hour), nil, false},
		{"no snapshot: not known, so revoke", "other@x", at(time.Hour), nil, false},
		{"no stamp", "jdoe@x", &directory.CloudRevocation{ID: "ID1"}, nil, false},
		// An account made 30 s before its offboarding began, whose revocation failed: the
		// stamp is its creation's, within the skew allowed; before, it counted as revoked.
		{"a fresh account's creation", "jdoe@x", made(at(-30*time.Second), -30*time.Second), nil, false},
		{"a fresh account's creation, Graph's clock ahead", "jdoe@x", made(at(5*time.Second), 5*time.Second), nil, false},
		{"a fresh account revoked since", "jdoe@x", made(at(3*time.Second), -30*time.Second), nil, true},
		// Revoked in the second it was made: the stamps are equal, the audit log decides.
		{"revoked the second it was made, recorded ok", "jdoe@x", made(at(2*time.Second), 2*time.Second), okAt(2 * time.Second), true},
		{"recorded ok before this offboarding began", "jdoe@x", made(at(2*time.Second), 2*time.Second), okAt(-time.Hour), false},
	} {
		ev := revocationEvidence{began: began, revoked: tt.audited}
		if got := revokedSince(tt.s, tt.name, ev) != nil; got != tt.revoked {
			t.Errorf("%s: revoked = %v, want %v", tt.why, got, tt.revoked)
		}
	}
}
