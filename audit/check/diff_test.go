package check

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSnapshot(t *testing.T) {
	snap := NewSnapshot(fixture(), testNow)
	if snap.Version != SnapshotVersion || snap.Directory != "corp.example.com" || !snap.GeneratedAt.Equal(testNow) {
		t.Errorf("header: %+v", snap)
	}
	var da *SnapshotGroup
	for i := range snap.Groups {
		if snap.Groups[i].SID == rid(512) {
			da = &snap.Groups[i]
		}
		if snap.Groups[i].SID == rid(1104) {
			t.Error("the look-alike group is in the snapshot")
		}
	}
	if da == nil || da.Name != "Domain Admins" {
		t.Fatalf("no Domain Admins in %+v", snap.Groups)
	}
	var names []string
	for _, m := range da.Members {
		names = append(names, m.SAMAccountName)
		if m.SAMAccountName == "priadm" && (!m.Primary || !slices.Equal(m.Path, []string{dnDomainAdmins, dnTier0})) {
			t.Errorf("priadm: %+v", m)
		}
	}
	if !slices.Equal(names, []string{"adm", "Administrator", "admsvc", "offadm", "priadm"}) {
		t.Errorf("Domain Admins members %v", names)
	}
	flags := map[string][]string{}
	for _, a := range snap.Accounts {
		flags[a.SAMAccountName] = a.Flags
	}
	if !slices.Equal(flags["offadm"], []string{"disabled"}) || !slices.Equal(flags["admsvc"], []string{"has_spn"}) || flags["svc"] != nil {
		t.Errorf("flags %v", flags)
	}

	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(snap); err != nil {
		t.Fatal(err)
	}
	back, err := ReadSnapshot(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, snap) {
		t.Errorf("round trip changed the snapshot:\n%+v\n%+v", back, snap)
	}
}

func TestReadSnapshotRejectsOtherFiles(t *testing.T) {
	for _, in := range []string{`{"version": 2}`, `{"findings": []}`, `not json`} {
		if _, err := ReadSnapshot(strings.NewReader(in)); err == nil {
			t.Errorf("ReadSnapshot(%s) succeeded", in)
		}
	}
}

func TestCompare(t *testing.T) {
	before := fixture()
	after := fixture()
	// helper joins Domain Admins; offadm leaves Ops (so Domain Admins); adm becomes a direct
	// member instead of through IT Admins; admsvc's password stops expiring; priadm is renamed
	// and moved, which is not a change of membership.
	acct := func(inv *Inventory, sam string) *Account {
		return &inv.Accounts[slices.IndexFunc(inv.Accounts, func(a Account) bool { return a.SAMAccountName == sam })]
	}
	acct(after, "helper").MemberOf = append(acct(after, "helper").MemberOf, dnDomainAdmins)
	acct(after, "offadm").MemberOf = nil
	acct(after, "adm").MemberOf = []string{dnDomainAdmins}
	acct(after, "admsvc").UAC |= uacDontExpirePassword
	acct(after, "priadm").SAMAccountName, acct(after, "priadm").DN = "pri-admin", "CN=pri-admin,OU=Admins,"+testDomainDN

	d := Compare(NewSnapshot(before, testNow), NewSnapshot(after, testNow.Add(24*time.Hour)))
	var got []string
	for _, c := range d.Changes {
		got = append(got, c.Group+"|"+c.SAMAccountName+"|"+c.Describe())
	}
	want := []string{
		"Domain Admins|helper|added to Domain Admins, direct",
		"Domain Admins|offadm|removed from Domain Admins (was via Tier0 → Ops)",
		"Domain Admins|adm|still in Domain Admins, now direct (was via IT Admins)",
		"Administrators|helper|added to Administrators, via Domain Admins",
		"Administrators|offadm|removed from Administrators (was via Domain Admins → Tier0 → Ops)",
		"Administrators|adm|still in Administrators, now via Domain Admins (was via Domain Admins → IT Admins)",
		"|admsvc|flags +password_never_expires",
	}
	if !slices.Equal(got, want) {
		t.Errorf("changes:\n got  %q\n want %q", got, want)
	}
	if d.Old.GeneratedAt.Equal(d.New.GeneratedAt) {
		t.Error("the diff does not say which snapshot is which")
	}
	if len(Compare(NewSnapshot(before, testNow), NewSnapshot(before, testNow)).Changes) != 0 {
		t.Error("a snapshot differs from itself")
	}
}

func TestRunWithBaselineReportsDrift(t *testing.T) {
	baseline := NewSnapshot(fixture(), testNow)
	inv := fixture()
	inv.Accounts[slices.IndexFunc(inv.Accounts, func(a Account) bool { return a.SAMAccountName == "svc" })].MemberOf = []string{dnITAdmins}
	r := runAll(t, inv, Options{Baseline: baseline})
	var drift *Finding
	for i := range r.Findings {
		if r.Findings[i].Check == "privileged-drift" {
			drift = &r.Findings[i]
		}
	}
	if drift == nil || drift.Severity != SeverityHigh {
		t.Fatalf("no high privileged-drift finding in %v", r.Findings)
	}
	want := []Object{
		{DN: userDN("svc"), SAMAccountName: "svc", Detail: "added to Administrators, via Domain Admins → IT Admins", Path: []string{dnAdministrators, dnDomainAdmins, dnITAdmins}},
		{DN: userDN("svc"), SAMAccountName: "svc", Detail: "added to Domain Admins, via IT Admins", Path: []string{dnDomainAdmins, dnITAdmins}},
	}
	if !reflect.DeepEqual(drift.Objects, want) {
		t.Errorf("drift objects:\n got  %+v\n want %+v", drift.Objects, want)
	}
	// svc is now privileged and Kerberoastable: critical, not merely high.
	if got := accountsOf(r, "kerberoastable-privileged"); !slices.Contains(got, "svc") {
		t.Errorf("kerberoastable-privileged = %v", got)
	}
}
