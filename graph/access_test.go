package graph_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
)

// 30 accounts × 2 cloud groups + 1 licence: 2 $batch requests to read the accounts, 3 for the
// 60 memberships, 2 for the 30 licences; a second call adds nothing.
func TestGrantAccessInBulk(t *testing.T) {
	tenant := graphtest.DefaultTenant(time.Now())
	tenant.SetSKUUnits("ENTERPRISEPACK", 100)
	var items []directory.CloudAccess
	for i := range 30 {
		u := tenant.AddUser(&graphtest.User{UserPrincipalName: fmt.Sprintf("bulk%02d@corp.example.com", i), AccountEnabled: true})
		items = append(items, directory.CloudAccess{User: u.ID, Groups: []string{"Staff", "VPN Users"}, Licenses: []string{"ENTERPRISEPACK"}, UsageLocation: "US"})
	}
	e := newEnv(t, envOptions{tenant: tenant, pageSize: 100})
	e.srv.ResetLog()
	res, err := e.client.GrantAccess(e.ctx(), items)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || len(r.GroupsAdded) != 2 || len(r.LicensesAdded) != 1 {
			t.Fatalf("item %d: %+v", i, r)
		}
	}
	// Usage locations: 30 PATCHes in 2 $batch requests, then the rest.
	if got, want := e.srv.WireCount("POST", "/$batch"), 2+2+3+2; got != want {
		t.Errorf("$batch requests = %d, want %d", got, want)
	}
	if n := e.srv.Count("POST", "/groups/*/members/$ref"); n != 60 {
		t.Errorf("memberships = %d", n)
	}
	e.srv.ResetLog()
	res, err = e.client.GrantAccess(e.ctx(), items)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || len(r.GroupsAdded)+len(r.LicensesAdded) != 0 || len(r.Groups) != 2 || len(r.Licenses) != 1 {
			t.Fatalf("again, item %d: %+v", i, r)
		}
	}
	if n := e.srv.Count("POST", "/users/*/assignLicense"); n != 0 {
		t.Errorf("licences assigned again: %d", n)
	}
}
