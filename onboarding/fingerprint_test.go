package onboarding

import (
	"context"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/planfile"
)

func fingerprint(t *testing.T, plan *PlanResult, d *fakeDomain) []planfile.Row {
	t.Helper()
	rows, err := Fingerprint(context.Background(), plan, d)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The fake answers from data, not server behaviour; what is tested here is which facts a row
// depends on and how a change to them is attributed to rows. The lab test (plan_lab.txtar)
// does the same against the DC.
func TestFingerprintDrift(t *testing.T) {
	d := corpDomain()
	plan := planHRExport(t, d)
	planned := fingerprint(t, plan, d)
	if len(planned) != len(plan.Entries) {
		t.Fatalf("%d rows for %d entries", len(planned), len(plan.Entries))
	}
	if drift := planfile.Compare(planned, fingerprint(t, plan, d)); len(drift) != 0 {
		t.Fatalf("nothing changed, yet drift: %+v", drift)
	}

	// Someone takes one row's username between planning and applying.
	target := findOne(t, plan.Entries, func(e Entry) bool { return e.Action == ActionCreate }, "row to create in the plan")
	d.users = append(d.users, &directory.User{DN: "CN=Someone Else,OU=Elsewhere,DC=corp,DC=example,DC=com", SAMAccountName: target.SAMAccountName})
	drift := planfile.Compare(planned, fingerprint(t, plan, d))
	if len(drift) != 1 || drift[0].Row != target.Row {
		t.Fatalf("want only row %d refused, got %+v", target.Row, drift)
	}
	if want := "name:" + target.SAMAccountName + ": was free, now taken"; !strings.Contains(strings.Join(drift[0].Changes, "; "), want) {
		t.Fatalf("row %d's changes %q do not say %q", target.Row, drift[0].Changes, want)
	}
}

// Re-running apply --plan after a run that created some accounts and stopped: the accounts
// this plan made are not a change under their rows, so the re-run finishes the job.
func TestFingerprintAfterPartialApply(t *testing.T) {
	d := corpDomain()
	plan := planHRExport(t, d)
	planned := fingerprint(t, plan, d)
	if _, err := Apply(context.Background(), plan, d, ApplyOptions{Parallel: 2, Passwords: counterPasswords()}); err != nil {
		t.Fatal(err)
	}
	if drift := planfile.Compare(planned, fingerprint(t, plan, d)); len(drift) != 0 {
		t.Fatalf("the plan's own accounts were taken for a change: %+v", drift)
	}
	// But an account with the row's employee ID somewhere else is a change.
	target := findOne(t, plan.Entries, func(e Entry) bool { return e.Action == ActionCreate }, "row to create in the plan")
	for _, u := range d.users {
		if strings.EqualFold(u.EmployeeID, target.EmployeeID) {
			u.DN = "CN=Moved,OU=Elsewhere,DC=corp,DC=example,DC=com"
		}
	}
	drift := planfile.Compare(planned, fingerprint(t, plan, d))
	if len(drift) != 1 || drift[0].Row != target.Row {
		t.Fatalf("want row %d refused (its employee ID is another account now), got %+v", target.Row, drift)
	}
}
