package onboarding

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

func TestFirstSignInTemplateKeys(t *testing.T) {
	base := "username: {patterns: [\"{first:1}{last}\"]}\nupn_suffix: corp.example.com\n"
	tpl, err := ParseTemplate(strings.NewReader(base + "entra: {mode: cloud, first_sign_in: tap, tap_lifetime: 8h}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !tpl.Entra.WantsTAP() || tpl.Entra.PassLifetime() != 8*time.Hour {
		t.Errorf("WantsTAP %v, PassLifetime %s", tpl.Entra.WantsTAP(), tpl.Entra.PassLifetime())
	}
	for _, c := range []struct{ entra, want string }{
		{"{mode: cloud, first_sign_in: sms}", "entra.first_sign_in \"sms\""},
		{"{first_sign_in: tap}", "needs entra.mode: cloud or hybrid"},
		{"{mode: cloud, first_sign_in: tap, tap_lifetime: 5m}", "between 10m and 720h"},
		{"{mode: cloud, first_sign_in: tap, tap_lifetime: 90s}", "whole minutes"},
		{"{mode: cloud, tap_lifetime: 1h}", "only with entra.first_sign_in: tap"},
	} {
		ou := ""
		if !strings.Contains(c.entra, "mode: cloud") {
			ou = "ou: {default: \"OU=Staff,DC=corp,DC=example,DC=com\"}\n"
		}
		_, err := ParseTemplate(strings.NewReader(base + ou + "entra: " + c.entra + "\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("entra: %s: %v, want an error saying %q", c.entra, err, c.want)
		}
	}
}

type tapCloud struct {
	users  map[string]*directory.User // by lower-case employee ID
	grants int
}

func (c *tapCloud) FindUsers(_ context.Context, ids, _ []string) (map[string]*directory.User, error) {
	out := map[string]*directory.User{}
	for _, id := range ids {
		if u := c.users[strings.ToLower(id)]; u != nil {
			out[strings.ToLower(id)] = u
		}
	}
	return out, nil
}

func (c *tapCloud) GrantAccess(_ context.Context, items []directory.CloudAccess) ([]directory.AccessResult, error) {
	c.grants += len(items)
	return make([]directory.AccessResult, len(items)), nil
}

type tapIssuer struct {
	issued []string
	fail   map[string]bool
}

func (p *tapIssuer) IssueFirstSignInPass(_ context.Context, id string, lifetime time.Duration) (FirstPass, error) {
	if p.fail[id] {
		return FirstPass{}, errors.New("the tenant's Temporary Access Pass policy does not allow a pass")
	}
	p.issued = append(p.issued, id)
	start := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	return FirstPass{Pass: secret.New("pass-" + id), Start: start, End: start.Add(lifetime)}, nil
}

// Only accounts this run created get a pass, each handed over; a refused pass leaves the row
// failed with the command that finishes it; a hybrid account not yet synchronised says so.
func TestApplyCloudIssuesPasses(t *testing.T) {
	plan := &PlanResult{Entries: []Entry{{Row: 2, EmployeeID: "T1"}, {Row: 3, EmployeeID: "T2"}, {Row: 4, EmployeeID: "T3"}, {Row: 5, EmployeeID: "T4"}}}
	results := []Result{
		{Row: 2, EmployeeID: "T1", UserPrincipalName: "t1@x", Status: StatusCreated},
		{Row: 3, EmployeeID: "T2", UserPrincipalName: "t2@x", Status: StatusSkipped},
		{Row: 4, EmployeeID: "T3", UserPrincipalName: "t3@x", Status: StatusCreated},
		{Row: 5, EmployeeID: "T4", UserPrincipalName: "t4@x", Status: StatusCreated},
	}
	cloud := &tapCloud{users: map[string]*directory.User{"t1": {ID: "id1"}, "t2": {ID: "id2"}, "t3": {ID: "id3"}}}
	passes := &tapIssuer{fail: map[string]bool{"id3": true}}
	var delivered []string
	got, err := ApplyCloud(context.Background(), plan, results, cloud, CloudOptions{Hybrid: true, Timeout: 0,
		Passes: passes, PassLifetime: 8 * time.Hour,
		DeliverPass: func(r Result, p FirstPass) error {
			delivered = append(delivered, r.UserPrincipalName+"="+p.Pass.Reveal())
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(passes.issued, []string{"id1"}) || !slices.Equal(delivered, []string{"t1@x=pass-id1"}) {
		t.Errorf("issued %v, delivered %v", passes.issued, delivered)
	}
	if got[0].Status != StatusCreated || got[0].Entra == nil || got[0].Entra.TAPValidUntil != "2026-12-07T16:00:00Z" {
		t.Errorf("t1: %+v %+v", got[0], got[0].Entra)
	}
	if got[1].Status != StatusSkipped || (got[1].Entra != nil && got[1].Entra.TAPValidUntil != "") {
		t.Errorf("t2 (existed before): %+v", got[1])
	}
	if got[2].Status != StatusFailed || !strings.Contains(got[2].Error, "account created, but no Temporary Access Pass") || !strings.Contains(got[2].Error, "adkit user tap t3@x") {
		t.Errorf("t3 (refused): %+v", got[2])
	}
	if got[3].Status != StatusPending || !strings.Contains(got[3].Error, "adkit user tap t4@x") {
		t.Errorf("t4 (not synchronised): %+v", got[3])
	}
	if cloud.grants != 0 {
		t.Errorf("%d grants for rows with no groups or licences", cloud.grants)
	}
}
