package onboarding_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/test/onboardlab"
)

// TestApplySetsManagerWhoIsANewHire: a manager who starts with their team (the manager email
// is the address another row gets) is set on the lab once both accounts exist, whatever the
// rows' order; a run stopped before that step is finished by the next; and a run after that
// changes no manager. Before the fix such a manager was never set.
func TestApplySetsManagerWhoIsANewHire(t *testing.T) {
	r := onboardlab.New(t, "m", 2, 1) // its HR file is replaced below
	boss := "greta.boss@" + r.Tag + ".lab.adkit.test"
	csv := "First Name,Last Name,Preferred Name,Employee ID,Department,Job Title,Manager Email,Start Date,End Date,Office\r\n" +
		"Ivo,Report,," + r.Tag + "-m2,Engineering,Engineer," + boss + ",2026-12-01,,Oslo\r\n" +
		"Greta,Boss,," + r.Tag + "-m1,Engineering,Engineering Manager,alice.smith@lab.adkit.test,2026-12-01,,Oslo\r\n"
	if err := os.WriteFile(r.CSV, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	ivoDN := "CN=Ivo Report,OU=Engineering," + r.OU
	gretaDN := "CN=Greta Boss,OU=Engineering," + r.OU

	plan := r.Run("onboard", "plan", r.CSV, "--template", r.Template, "-o", "json")
	if plan.ExitCode() != 0 {
		t.Fatalf("plan: exit %d\n%s", plan.ExitCode(), plan.Stderr)
	}
	var entries []struct {
		Row        int    `json:"row"`
		Manager    string `json:"manager"`
		ManagerRow int    `json:"manager_row"`
	}
	if err := json.Unmarshal(plan.Stdout.Bytes(), &entries); err != nil {
		t.Fatalf("plan -o json: %v\n%s", err, plan.Stdout)
	}
	if len(entries) != 2 || entries[0].ManagerRow != 3 || !strings.EqualFold(entries[0].Manager, gretaDN) {
		t.Errorf("plan: %+v; want row 2's manager to be row 3's %s", entries, gretaDN)
	}
	if strings.Contains(plan.Stderr.String(), "without a manager") {
		t.Errorf("plan warns about the manager:\n%s", plan.Stderr)
	}

	managers := func() map[string]string {
		out := map[string]string{}
		for _, a := range r.Accounts() {
			out[strings.ToLower(a.DN)] = a.Manager
		}
		return out
	}
	args := r.ApplyArgs()
	if p := r.Run(args...); p.ExitCode() != 0 {
		t.Fatalf("apply: exit %d\n%s", p.ExitCode(), p.Stderr)
	}
	m := managers()
	if !strings.EqualFold(m[strings.ToLower(ivoDN)], gretaDN) || !strings.EqualFold(m[strings.ToLower(gretaDN)], r.Managers["alice.smith@lab.adkit.test"]) {
		t.Fatalf("managers after apply: %v", m)
	}

	// As if the run had been killed before its second pass: Ivo has no manager.
	conn := r.Conn()
	req := ldap.NewModifyRequest(ivoDN, nil)
	req.Delete("manager", nil)
	if err := conn.Modify(req); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	p := r.Run(args...)
	if p.ExitCode() != 0 {
		t.Fatalf("re-run: exit %d\n%s", p.ExitCode(), p.Stderr)
	}
	if res := r.Results(); len(res) != 2 || res[0].Status != "completed" || res[1].Status != "skipped" {
		t.Errorf("re-run results %+v; want row 2 completed (its manager set), row 3 skipped", res)
	}
	if m := managers(); !strings.EqualFold(m[strings.ToLower(ivoDN)], gretaDN) {
		t.Errorf("Ivo's manager after the re-run: %q, want %s", m[strings.ToLower(ivoDN)], gretaDN)
	}

	// Once done, nothing more: no manager is written again.
	before, _ := os.ReadFile(r.Audit)
	if p := r.Run(args...); p.ExitCode() != 0 {
		t.Fatalf("third run: exit %d\n%s", p.ExitCode(), p.Stderr)
	}
	after, _ := os.ReadFile(r.Audit)
	if added := after[len(before):]; bytes.Contains(added, []byte(`"user.update"`)) {
		t.Errorf("the third run wrote a manager again:\n%s", added)
	}
	for _, x := range r.Results() {
		if x.Status != "skipped" {
			t.Errorf("third run: row %s %s", x.Row, x.Status)
		}
	}
}
