package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// wideInventory gives Helpers Reset Password on 40 members of Domain Admins: one finding row
// that names 40 accounts.
func wideInventory() *Inventory {
	inv := aclFixture()
	inv.Secured = inv.Secured[:1] // the domain head only
	for i := range 40 {
		sam := fmt.Sprintf("wide%02d", i)
		r := rid(5000 + i)
		inv.Accounts = append(inv.Accounts, Account{DN: userDN(sam), SAMAccountName: sam, SID: r, UAC: 512, PrimaryGroupID: 513,
			LastLogon: daysAgo(1), PasswordLastSet: daysAgo(1), Created: daysAgo(100), MemberOf: []string{dnDomainAdmins}})
		inv.Secured = append(inv.Secured, SecuredObject{DN: userDN(sam), Class: ClassUser, SID: r, SD: &SecurityDescriptor{Owner: rid(512),
			DACL: []ACE{inherited(allowObject(rid(1106), adsRightControlAccess, guidResetPassword))}}})
	}
	return inv
}

func TestWideRowIsBriefForPeopleAndWholeForMachines(t *testing.T) {
	// Only this check: the 40 accounts are also Domain Admins members, listed one per row elsewhere.
	checks, err := Select([]string{"acl-privileged-accounts"})
	if err != nil {
		t.Fatal(err)
	}
	r := Run(wideInventory(), checks, Options{Now: testNow, StaleDays: DefaultStaleDays})
	const brief = "ResetPassword on 40 objects: wide00, wide01, wide02, wide03, wide04 and 35 more (all of them in -o json or csv); the group has 1 member account"
	var row *Object
	for _, f := range r.Findings {
		if f.Check == "acl-privileged-accounts" && len(f.Objects) == 1 {
			row = &f.Objects[0]
		}
	}
	if row == nil {
		t.Fatalf("no single acl-privileged-accounts row: %+v", r.Findings)
	}
	if row.Shown() != brief {
		t.Errorf("shown:\n got  %q\n want %q", row.Shown(), brief)
	}

	var js []byte
	js, err = json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	csv := r.CSV()
	var csvDetail string
	for _, cells := range csv.Rows {
		if cells[0] == "acl-privileged-accounts" {
			csvDetail = cells[5]
		}
	}
	for i := range 40 {
		name := fmt.Sprintf("wide%02d", i)
		if !strings.Contains(row.Detail, name) || !bytes.Contains(js, []byte(name+",")) && !bytes.Contains(js, []byte(name+";")) {
			t.Errorf("JSON lost %s", name)
		}
		if !strings.Contains(csvDetail, name) {
			t.Errorf("CSV lost %s", name)
		}
	}
	if bytes.Contains(js, []byte("40 objects")) {
		t.Error("JSON carries the brief form")
	}

	var md, html bytes.Buffer
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, r); err != nil {
		t.Fatal(err)
	}
	table := r.Table()
	var tableDetail string
	for _, cells := range table.Rows {
		if cells[1] == "acl-privileged-accounts" {
			tableDetail = cells[3]
		}
	}
	for name, out := range map[string]string{"table": tableDetail, "markdown": md.String(), "html": html.String()} {
		if !strings.Contains(out, "40 objects: wide00, wide01, wide02, wide03, wide04 and 35 more") {
			t.Errorf("%s does not show the count and the first few", name)
		}
		if strings.Contains(out, "wide05") || strings.Contains(out, "wide39") {
			t.Errorf("%s lists the whole row", name)
		}
	}
}
