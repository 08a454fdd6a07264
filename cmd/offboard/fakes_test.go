package offboard

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/secret"
)

const (
	testOU      = "OU=Staff,DC=corp"
	testLeavers = "OU=Leavers,DC=corp"
	testSales   = "CN=Sales,OU=Groups,DC=corp"
)

// fakeDir is a directory of a few accounts that records what was asked of it.
type fakeDir struct {
	users      map[string]*directory.User
	offboarded []string
	// onOffboard, if set, runs when Offboard is called (to look at the disk at that moment).
	onOffboard  func(s *directory.LeaverSnapshot)
	offboardErr error
	restored    []string
	restoreErr  error
}

func newFakeDir() *fakeDir {
	return &fakeDir{users: map[string]*directory.User{
		"jdoe": {DN: "CN=John Doe," + testOU, SAMAccountName: "jdoe", EmployeeID: "1001", Enabled: true,
			MemberOf: []string{testSales}, ObjectGUID: "11111111-2222-3333-4444-555555555555", ObjectSID: "S-1-5-21-1-2-3-1105"},
		"asmith": {DN: "CN=Alice Smith," + testOU, SAMAccountName: "asmith", EmployeeID: "1002", Enabled: true,
			ObjectGUID: "aaaaaaaa-2222-3333-4444-555555555555", ObjectSID: "S-1-5-21-1-2-3-1106"},
	}}
}

func (d *fakeDir) find(ident string) *directory.User {
	for _, u := range d.users {
		if strings.EqualFold(u.SAMAccountName, ident) || strings.EqualFold(u.DN, ident) || strings.EqualFold(u.EmployeeID, ident) {
			return u
		}
	}
	return nil
}

func (d *fakeDir) UsersByEmployeeID(_ context.Context, ids []string) (map[string][]*directory.User, error) {
	out := map[string][]*directory.User{}
	for _, id := range ids {
		if u := d.find(id); u != nil && u.EmployeeID == id {
			out[strings.ToLower(id)] = []*directory.User{u}
		}
	}
	return out, nil
}

func (d *fakeDir) UsersByLogonName(_ context.Context, names []string) (map[string][]*directory.User, error) {
	out := map[string][]*directory.User{}
	for _, n := range names {
		if u := d.find(n); u != nil && strings.EqualFold(u.SAMAccountName, n) {
			out[strings.ToLower(n)] = []*directory.User{u}
		}
	}
	return out, nil
}

func (d *fakeDir) User(_ context.Context, ident string) (*directory.User, error) {
	if u := d.find(ident); u != nil {
		return u, nil
	}
	return nil, &directory.NotFoundError{Kind: "user", Ident: ident}
}

func (d *fakeDir) GroupDNs(_ context.Context, names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		if !strings.EqualFold(n, "Sales") {
			return nil, &directory.NotFoundError{Kind: "group", Ident: n}
		}
		out = append(out, testSales)
	}
	return out, nil
}

func (d *fakeDir) CheckOU(_ context.Context, dn string) error {
	if dn != testLeavers {
		return &directory.NotFoundError{Kind: "OU", Ident: dn}
	}
	return nil
}

func (d *fakeDir) Server() string { return "dc1.corp" }

func (d *fakeDir) SnapshotLeaver(_ context.Context, ident string) (*directory.LeaverSnapshot, error) {
	u := d.find(ident)
	if u == nil {
		return nil, &directory.NotFoundError{Kind: "user", Ident: ident}
	}
	return &directory.LeaverSnapshot{Version: 1, TakenAt: time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC), Directory: "ad",
		DN: u.DN, OU: dn.Parent(u.DN), SAMAccountName: u.SAMAccountName, ObjectGUID: u.ObjectGUID, Groups: u.MemberOf, Enabled: u.Enabled,
		Description: u.Description}, nil
}

func (d *fakeDir) Offboard(_ context.Context, s *directory.LeaverSnapshot, opts directory.OffboardOptions) (directory.OffboardResult, error) {
	if d.onOffboard != nil {
		d.onOffboard(s)
	}
	d.offboarded = append(d.offboarded, s.SAMAccountName)
	res := directory.OffboardResult{DN: s.DN, GroupsRemoved: s.Groups,
		Steps: []directory.Step{{Action: "user.disable", Changed: true, Note: "disabled"}}}
	return res, d.offboardErr
}

func (d *fakeDir) RestoreLeaver(_ context.Context, s *directory.LeaverSnapshot, pw secret.Secret) (directory.RestoreResult, error) {
	d.restored = append(d.restored, s.SAMAccountName)
	if d.restoreErr != nil {
		return directory.RestoreResult{}, d.restoreErr
	}
	u := *d.find(s.SAMAccountName)
	u.Enabled = true
	return directory.RestoreResult{User: &u, Password: secret.New("Fresh-Pa55word-xyz"), Generated: true,
		GroupsAdded: []string{testSales}, MissingGroups: []string{"CN=Gone,DC=corp"},
		Steps: []directory.Step{{Action: "user.enable", Changed: true, Note: "enabled"}}}, nil
}

// fakeConfirmer answers every question with answer and remembers it.
type fakeConfirmer struct {
	answer bool
	asked  []string
}

func (c *fakeConfirmer) Confirm(msg string, _ bool) (bool, error) {
	c.asked = append(c.asked, msg)
	return c.answer, nil
}

// failingSaver cannot save any snapshot.
type failingSaver struct{}

func (failingSaver) write(s *directory.LeaverSnapshot) (string, error) {
	return "", errors.New("save snapshot of " + s.SAMAccountName + ": no space left on device")
}
func (failingSaver) first(string, string, string) (string, *directory.LeaverSnapshot) { return "", nil }

func testTrail(t *testing.T, dryRun bool) (func() (*audit.Trail, error), string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail := audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(path), Actor: audit.Actor{OSUser: "test"}, DryRun: dryRun})
	return func() (*audit.Trail, error) { return trail, nil }, path
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
