package plancmd

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/planfile"
)

var (
	alice = audit.Actor{OSUser: "alice", Host: "ws1", BindIdentity: "alice@corp.example.com"}
	bob   = audit.Actor{OSUser: "bob", Host: "ws2", BindIdentity: "bob@corp.example.com"}
	now   = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
)

// setup writes a plan by alice and returns its path and the audit log's path.
func setup(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "hires.plan")
	if _, err := planfile.Write(path, &planfile.File{Kind: planfile.KindOnboard, CreatedAt: now.Add(-time.Hour), PlannedBy: alice,
		Directory: "ad", Server: "dc1", Plan: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	return path, filepath.Join(dir, "audit.jsonl")
}

func approveAs(t *testing.T, me audit.Actor, planPath, logPath string) error {
	t.Helper()
	return approveWith(t, me, planPath, Policy{MinApprovers: 1, MaxAge: 7 * 24 * time.Hour, AuditLog: logPath}, "")
}

func approveWith(t *testing.T, me audit.Actor, planPath string, pol Policy, key string) error {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	logPath := pol.AuditLog
	return approveRun(context.Background(), &approveOptions{
		IO: ios, Now: func() time.Time { return now }, Path: planPath, Ticket: "CHG-7", KeyFile: key,
		Me:     func() (audit.Actor, error) { return me, nil },
		Policy: func() (Policy, error) { return pol, nil },
		Trail: func() (*audit.Trail, error) {
			return audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(logPath), Actor: me, Ticket: "CHG-7"}), nil
		},
	})
}

func TestApproveThenApplyOpens(t *testing.T) {
	planPath, logPath := setup(t)
	pol := Policy{MinApprovers: 1, MaxAge: 7 * 24 * time.Hour, AuditLog: logPath}
	if _, err := Open(planPath, planfile.KindOnboard, pol, now); !errors.Is(err, planfile.ErrRefused) {
		t.Fatalf("unapproved plan with an approval required: want a refusal, got %v", err)
	}
	if err := approveAs(t, bob, planPath, logPath); err != nil {
		t.Fatalf("bob approves alice's plan: %v", err)
	}
	o, err := Open(planPath, planfile.KindOnboard, pol, now)
	if err != nil {
		t.Fatalf("approved plan refused: %v", err)
	}
	if len(o.Approvals) != 1 || o.Approvals[0].Approver.OSUser != "bob" || o.Approvals[0].PlanSHA256 != o.SHA256 {
		t.Fatalf("approvals %+v, want bob's, bound to %s", o.Approvals, o.SHA256)
	}
	// The approval is in the audit log, under bob, naming the plan's hash.
	log, _ := os.ReadFile(logPath)
	if !strings.Contains(string(log), `"action":"plan.approve"`) || !strings.Contains(string(log), o.SHA256) || !strings.Contains(string(log), `"os_user":"bob"`) {
		t.Fatalf("audit log lacks bob's plan.approve record for the plan:\n%s", log)
	}
	// The apply's run record names the plan and the approval.
	ch := o.RunChanges()
	if ch[1].After != o.SHA256 || !strings.Contains(strings.Join(ch[2].After.([]string), ""), o.Approvals[0].OpID) {
		t.Fatalf("run changes %+v do not reference the plan hash and approval", ch)
	}
}

func TestPlannerCannotApprove(t *testing.T) {
	planPath, logPath := setup(t)
	err := approveAs(t, alice, planPath, logPath)
	if !errors.Is(err, planfile.ErrRefused) || !strings.Contains(err.Error(), "an approval must come from someone else") {
		t.Fatalf("alice approving her own plan: want a refusal, got %v", err)
	}
	if _, err := os.Stat(planfile.ApprovalsPath(planPath)); !os.IsNotExist(err) {
		t.Fatal("a refused approval left an approvals file")
	}
	if _, err := os.Stat(logPath); !os.IsNotExist(err) {
		t.Fatal("a refused approval wrote to the audit log")
	}
}

func TestApprovalOfEditedPlanDoesNotCount(t *testing.T) {
	planPath, logPath := setup(t)
	if err := approveAs(t, bob, planPath, logPath); err != nil {
		t.Fatal(err)
	}
	// Alice edits the plan after bob approved, and reseals its digest: the approval is bound
	// to the old hash.
	l, err := planfile.Read(planPath)
	if err != nil {
		t.Fatal(err)
	}
	l.Server = "dc2"
	os.Remove(planPath)
	if _, err := planfile.Write(planPath, l.File); err != nil {
		t.Fatal(err)
	}
	pol := Policy{MinApprovers: 1, MaxAge: 7 * 24 * time.Hour, AuditLog: logPath}
	_, err = Open(planPath, planfile.KindOnboard, pol, now)
	if !errors.Is(err, planfile.ErrRefused) || !strings.Contains(err.Error(), "another version of the plan") {
		t.Fatalf("approval of the earlier version: want a refusal saying so, got %v", err)
	}
}

func TestSignedApprovalWithApprovers(t *testing.T) {
	planPath, logPath := setup(t)
	dir := t.TempDir()
	bobKey := filepath.Join(dir, "bob.key")
	bobPub, _, err := audit.GenerateSigningKey(bobKey)
	if err != nil {
		t.Fatal(err)
	}
	pol := Policy{MinApprovers: 1, MaxAge: 7 * 24 * time.Hour, AuditLog: logPath, Approvers: map[string]string{"bob": bobPub}}
	if err := approveWith(t, bob, planPath, pol, ""); err == nil || !strings.Contains(err.Error(), "give --key FILE") {
		t.Fatalf("unsigned approval with approvers listed: want a usage error, got %v", err)
	}
	if err := approveWith(t, bob, planPath, pol, bobKey); err != nil {
		t.Fatalf("bob signs: %v", err)
	}
	o, err := Open(planPath, planfile.KindOnboard, pol, now)
	if err != nil {
		t.Fatalf("signed approval refused: %v", err)
	}
	if len(o.Approvals) != 1 || o.Approvals[0].Signature == "" {
		t.Fatalf("want bob's signed approval counted, got %+v", o.Approvals)
	}
	// Bob applying his own approval: it does not count.
	pol.Me = bob
	if _, err := Open(planPath, planfile.KindOnboard, pol, now); err == nil || !strings.Contains(err.Error(), "the one applying") {
		t.Fatalf("approver applying: want a refusal, got %v", err)
	}
}
