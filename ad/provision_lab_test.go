package ad_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/ad"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
	"github.com/adkit-dev/adkit/internal/secret"
)

// TestCreateAccountIsIdempotentByEmployeeID is what a re-run of onboarding rests on: creating
// the same hire again returns the account that exists (created=false) instead of failing or
// making a second one, while a different person whose name collides is still an error.
func TestCreateAccountIsIdempotentByEmployeeID(t *testing.T) {
	admin, _ := labtest.Connect(t)
	ctx := context.Background()
	sam := labtest.UniqueName("idem")
	deleteUserAtCleanup(t, admin, sam)
	a := directory.NewAccount{
		DN: "CN=Idem " + sam + "," + staffOU(admin), SAMAccountName: sam, UserPrincipalName: sam + "@lab.adkit.test",
		GivenName: "Idem", Surname: sam, DisplayName: "Idem " + sam, EmployeeID: "X" + sam,
		Password: secret.New(testPassword()), MustChangePassword: true,
	}
	u, created, err := admin.CreateAccount(ctx, a)
	if err != nil || !created {
		t.Fatalf("first CreateAccount = created %v, %v", created, err)
	}
	again, created, err := admin.CreateAccount(ctx, a)
	if err != nil || created || again.DN != u.DN {
		t.Fatalf("second CreateAccount = %+v, created %v, %v; want the existing account, created=false", again, created, err)
	}
	found, err := admin.ExistingByEmployeeID(ctx, []string{a.EmployeeID})
	if err != nil || len(found) != 1 {
		t.Fatalf("accounts with employee ID %s: %v, %v; want exactly one", a.EmployeeID, found, err)
	}

	// Same name, another person: a real conflict, reported.
	other := a
	other.EmployeeID = "Y" + sam
	if _, created, err := admin.CreateAccount(ctx, other); err == nil || created || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("colliding CreateAccount for another employee = created %v, %v; want an 'already exists' error", created, err)
	}
}

// newAccount creates an account the way onboarding does (CreateAccount) and deletes it at
// cleanup.
func newAccount(t *testing.T, admin *ad.Client, prefix string) *directory.User {
	t.Helper()
	sam := labtest.UniqueName(prefix)
	deleteUserAtCleanup(t, admin, sam)
	u, created, err := admin.CreateAccount(context.Background(), directory.NewAccount{
		DN: "CN=New " + sam + "," + staffOU(admin), SAMAccountName: sam, UserPrincipalName: sam + "@lab.adkit.test",
		GivenName: "New", Surname: sam, DisplayName: "New " + sam, EmployeeID: "N" + sam,
		Password: secret.New(testPassword()), MustChangePassword: true,
	})
	if err != nil || !created {
		t.Fatalf("CreateAccount: created %v, %v", created, err)
	}
	return u
}

// TestAddNewMember: a just-created account joins a group with one modify; what Samba answers
// when the membership is already there — a second add, or the account's primary group
// (LDAP 68, entryAlreadyExists) — is success, recorded as skipped, not an error.
func TestAddNewMember(t *testing.T) {
	admin, logPath, ctx := parallelLab(t)
	u := newAccount(t, admin, "anm")
	name := labtest.UniqueName("g")
	gdn := newLabGroup(t, admin, "", name, name, "")

	if added, err := admin.AddNewMember(ctx, name, u); err != nil || !added {
		t.Fatalf("AddNewMember = %v, %v; want added", added, err)
	}
	if got := readUser(t, admin, u.SAMAccountName); !slices.Contains(got.MemberOf, gdn) {
		t.Fatalf("memberOf = %v, want %s", got.MemberOf, gdn)
	}
	if added, err := admin.AddNewMember(ctx, name, u); err != nil || added {
		t.Errorf("AddNewMember again = %v, %v; want not added, no error", added, err)
	}
	if added, err := admin.AddNewMember(ctx, "Domain Users", u); err != nil || added {
		t.Errorf("AddNewMember to the primary group = %v, %v; want not added, no error", added, err)
	}
	_, err := admin.AddNewMember(ctx, labtest.UniqueName("nogroup"), u)
	mustNotFound(t, err, "AddNewMember to a missing group")
	recs := auditRecords(t, logPath, "group.add_member")
	if got := strings.Join(pairs(t, recs), ","); got != "ok,skipped,skipped" {
		t.Errorf("group.add_member outcomes %s, want ok,skipped,skipped", got)
	}
	if after, _ := recs[0].Changes[0].After.(string); recs[0].Target.DN != u.DN || after != gdn {
		t.Errorf("audit record: target %s, change %+v", recs[0].Target.DN, recs[0].Changes)
	}
}

// TestSetManager: one modify, audited as user.update with the manager as the change.
func TestSetManager(t *testing.T) {
	admin, logPath, ctx := parallelLab(t)
	boss, report := newAccount(t, admin, "boss"), newAccount(t, admin, "rep")
	if err := admin.SetManager(ctx, report, boss.DN); err != nil {
		t.Fatal(err)
	}
	if got := readUser(t, admin, report.SAMAccountName); !strings.EqualFold(got.Manager, boss.DN) {
		t.Errorf("manager = %q, want %s", got.Manager, boss.DN)
	}
	recs := auditRecords(t, logPath, "user.update")
	if got := strings.Join(pairs(t, recs), ","); got != "ok" || recs[0].Changes[0].Attribute != "manager" || recs[0].Target.DN != report.DN {
		t.Errorf("user.update records %s: %+v", got, recs)
	}
	err := admin.SetManager(ctx, report, "CN=Nobody "+labtest.UniqueName("x")+","+staffOU(admin))
	if err == nil {
		t.Error("SetManager to a DN that does not exist succeeded")
	}
}

// TestGroupsByName finds groups by every name a GROUP argument may be, in one search, and
// tells a missing name (absent) from an ambiguous one (two DNs).
func TestGroupsByName(t *testing.T) {
	admin, _, ctx := parallelLab(t)
	sam := labtest.UniqueName("gbn")
	cn := "Team " + sam
	mail := sam + "@lab.adkit.test"
	gdn := newLabGroup(t, admin, "", cn, sam, mail)
	// Two groups with one cn, in different OUs: the cn is ambiguous, their sAMAccountNames not.
	twin := "Twin " + sam
	t1 := newLabGroup(t, admin, "", twin, sam+"a", "")
	t2 := newLabGroup(t, admin, staffOU(admin), twin, sam+"b", "")
	missing := labtest.UniqueName("nogrp")

	names := []string{sam, strings.ToUpper(cn), mail, gdn, twin, sam + "b", missing, "Domain Users"}
	got, err := admin.GroupsByName(ctx, names)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{sam, strings.ToUpper(cn), mail, gdn} {
		if len(got[n]) != 1 || !strings.EqualFold(got[n][0], gdn) {
			t.Errorf("%q → %v, want [%s]", n, got[n], gdn)
		}
	}
	if len(got[twin]) != 2 || !slices.ContainsFunc(got[twin], func(d string) bool { return strings.EqualFold(d, t1) }) ||
		!slices.ContainsFunc(got[twin], func(d string) bool { return strings.EqualFold(d, t2) }) {
		t.Errorf("%q → %v, want both %s and %s", twin, got[twin], t1, t2)
	}
	if len(got[sam+"b"]) != 1 || !strings.EqualFold(got[sam+"b"][0], t2) {
		t.Errorf("%q → %v, want [%s]", sam+"b", got[sam+"b"], t2)
	}
	if _, ok := got[missing]; ok {
		t.Errorf("missing group %q → %v", missing, got[missing])
	}
	if len(got["Domain Users"]) != 1 {
		t.Errorf("Domain Users → %v", got["Domain Users"])
	}
}

// TestExistingByEmployeeIDManyIDs: a file's worth of employee IDs is answered by reading
// every account's employeeID once rather than by OR filters; the answer must be the one the
// OR filter gives for a few IDs — the same accounts, matched without regard to case, read
// whole (as the plan and the membership cache use them), and none for IDs nobody has.
func TestExistingByEmployeeIDManyIDs(t *testing.T) {
	admin, _, ctx := parallelLab(t)
	a := newAccount(t, admin, "eid")
	b := newAccount(t, admin, "eid")
	ids := []string{strings.ToUpper(a.EmployeeID), b.EmployeeID}
	for i := range 60 { // past the OR filter's limit
		ids = append(ids, labtest.UniqueName("nobody")+string(rune('a'+i%26)))
	}
	for _, tc := range []struct {
		name string
		ids  []string
	}{{"few IDs, one OR filter", ids[:3]}, {"many IDs, one pass over the accounts", ids}} {
		found, err := admin.ExistingByEmployeeID(ctx, tc.ids)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(found) != 2 {
			t.Errorf("%s: found %d accounts (%v), want the 2 created", tc.name, len(found), found)
		}
		for _, want := range []*directory.User{a, b} {
			u := found[want.EmployeeID]
			if u == nil {
				t.Errorf("%s: employee ID %s not found (asked as %q)", tc.name, want.EmployeeID, tc.ids[:2])
				continue
			}
			if !strings.EqualFold(u.DN, want.DN) || u.SAMAccountName != want.SAMAccountName || u.ObjectSID == "" {
				t.Errorf("%s: %s = %+v; want %s read whole (with its SID)", tc.name, want.EmployeeID, u, want.DN)
			}
		}
	}
}
