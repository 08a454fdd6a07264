package graph_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
)

func TestAssignAndRemoveLicense(t *testing.T) {
	e := newEnv(t, envOptions{})
	e3 := graphtest.StableID("sku:ENTERPRISEPACK")

	// No usage location, none given: refused before anything is sent.
	_, err := e.client.AssignLicense(e.ctx(), "new.hire@corp.example.com", "ENTERPRISEPACK", "")
	if !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "--usage-location") {
		t.Errorf("without usage location: %v", err)
	}
	if n := e.srv.Count("POST", "/users/*/assignLicense"); n != 0 {
		t.Errorf("assignLicense sent %d times", n)
	}

	o, err := e.client.AssignLicense(e.ctx(), "new.hire@corp.example.com", "enterprisepack", "US")
	if err != nil || !o.Changed || o.Note != "licensed ENTERPRISEPACK" {
		t.Fatalf("assign: %+v %v", o, err)
	}
	u := e.srv.Tenant().User("new.hire@corp.example.com")
	if u.UsageLocation != "US" || !slices.Contains(u.AssignedLicenses, e3) {
		t.Errorf("tenant: location %q licences %v", u.UsageLocation, u.AssignedLicenses)
	}
	if got := e.outcomes(); got != "user.update:ok user.assign_license:ok" {
		t.Errorf("audit = %s", got)
	}

	o, err = e.client.AssignLicense(e.ctx(), "new.hire@corp.example.com", "ENTERPRISEPACK", "")
	if err != nil || o.Changed || o.Note != "already has ENTERPRISEPACK" {
		t.Errorf("assign again: %+v %v", o, err)
	}
	o, err = e.client.RemoveLicense(e.ctx(), "new.hire@corp.example.com", e3)
	if err != nil || !o.Changed {
		t.Errorf("remove by SKU id: %+v %v", o, err)
	}
	if slices.Contains(e.srv.Tenant().User("new.hire@corp.example.com").AssignedLicenses, e3) {
		t.Error("licence still assigned")
	}

	// None left, and unknown SKUs.
	if _, err := e.client.AssignLicense(e.ctx(), "jdoe", "EMS", ""); !errors.Is(err, graph.ErrNoLicenses) {
		t.Errorf("EMS has no units: %v", err)
	}
	if _, err := e.client.AssignLicense(e.ctx(), "jdoe", "NOPE", ""); !errors.Is(err, directory.ErrNotFound) ||
		!strings.Contains(err.Error(), "ENTERPRISEPACK") {
		t.Errorf("unknown SKU: %v", err)
	}
	// Graph's refusal (the last unit taken meanwhile) is worded.
	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/users/*/assignLicense", Times: 1, Status: 400, Code: "Request_BadRequest",
		Message: "Subscription with SKU x does not have any available licenses."})
	if _, err := e.client.AssignLicense(e.ctx(), "asmith", "ENTERPRISEPACK", ""); err == nil ||
		!strings.Contains(err.Error(), "no licences of this SKU are left") {
		t.Errorf("refused: %v", err)
	}
}

func TestBulkLicencesUseBatch(t *testing.T) {
	e := newEnv(t, envOptions{})
	var upns []string
	for i := 1; i <= 7; i++ {
		upns = append(upns, "user0"+string(rune('0'+i))+"@corp.example.com")
	}
	e.srv.ResetLog()
	outs, errs, err := e.client.AssignLicenses(e.ctx(), upns, "ENTERPRISEPACK", "DE")
	if err != nil {
		t.Fatal(err)
	}
	for i := range upns {
		if errs[i] != nil || !outs[i].Changed {
			t.Errorf("%s: %+v %v", upns[i], outs[i], errs[i])
		}
	}
	// One batch to look the users up, one to set usage locations, one to assign.
	if n := e.srv.WireCount("POST", "/$batch"); n != 3 {
		t.Errorf("$batch requests = %d, want 3", n)
	}
	if n := e.srv.WireCount("POST", "/users/*/assignLicense"); n != 0 {
		t.Errorf("%d assignments outside $batch", n)
	}
	if got := e.srv.Tenant().ConsumedUnits(graphtest.StableID("sku:ENTERPRISEPACK")); got != 8 {
		t.Errorf("consumed = %d, want 8", got)
	}
}
