package planfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/adkit-dev/adkit/audit"
)

// ApprovalAction is the audit action of an approval.
const ApprovalAction = "plan.approve"

// Approval is one technician's approval of one plan file, stored as a JSON line in the file
// beside the plan (ApprovalsPath). It is bound to the plan's SHA-256, so an approval of a plan
// says nothing about the same plan edited afterwards, and it points at the audit record that
// `plan approve` wrote (OpID), which apply looks for before it counts the approval.
type Approval struct {
	PlanSHA256 string      `json:"plan_sha256"`
	Approver   audit.Actor `json:"approver"`
	Time       string      `json:"time"`
	Ticket     string      `json:"ticket"`
	Reason     string      `json:"reason,omitempty"`
	OpID       string      `json:"op_id"` // the plan.approve records in the audit log
	AuditLog   string      `json:"audit_log"`
}

// ApprovalsPath is where a plan's approvals are kept: beside it, PLAN.approvals.
func ApprovalsPath(planPath string) string { return planPath + ".approvals" }

// AppendApproval adds a to the plan's approvals file (created 0640: the team that applies the
// plan must read it, as it reads the plan).
func AppendApproval(planPath string, a Approval) error {
	line, err := json.Marshal(a)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(ApprovalsPath(planPath), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("record approval: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("record approval in %s: %w", ApprovalsPath(planPath), err)
	}
	return f.Close()
}

// ReadApprovals reads the plan's approvals file; none is an empty list.
func ReadApprovals(planPath string) ([]Approval, error) {
	data, err := os.ReadFile(ApprovalsPath(planPath))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read approvals: %w", err)
	}
	var out []Approval
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var a Approval
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			return nil, fmt.Errorf("read approvals %s line %d: %w", ApprovalsPath(planPath), n, err)
		}
		out = append(out, a)
	}
	return out, sc.Err()
}

// SamePerson says whether two actors are the same technician: the same OS account, or the
// same directory identity. Either is enough to refuse a self-approval: a second pair of eyes
// means a second person, not a second login.
func SamePerson(a, b audit.Actor) bool {
	eq := func(x, y string) bool {
		return x != "" && strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(y))
	}
	return eq(a.OSUser, b.OSUser) || eq(a.BindIdentity, b.BindIdentity)
}

// Verdict is what apply concluded about each approval.
type Verdict struct {
	Approval Approval
	Counted  bool
	Why      string // why it does not count
}

// CheckApprovals decides which approvals count for plan l: bound to its hash, by someone
// other than the planner, once per person, and backed by a successful plan.approve record
// in the audit log (log, read with audit.ReadRecords). An approval line whose record is not
// in the log is treated as forged: anyone who can write the approvals file can write a line,
// but adding a record to the log is itself recorded in the chain (and, with a signing key,
// under a signed checkpoint).
func CheckApprovals(l *Loaded, approvals []Approval, log io.Reader) ([]Verdict, error) {
	type rec struct {
		actor  audit.Actor
		target string
	}
	byOp := map[string]rec{}
	if log != nil {
		err := audit.ReadRecords(log, audit.Filter{Action: ApprovalAction}, func(r audit.Record) error {
			if r.Event == audit.EventOutcome && r.Result == audit.ResultOK && !r.DryRun {
				byOp[r.OpID] = rec{actor: r.Actor, target: r.Target.ID}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("look for approvals in the audit log: %w", err)
		}
	}
	var out []Verdict
	var counted []audit.Actor
	for _, a := range approvals {
		v := Verdict{Approval: a}
		r, inLog := byOp[a.OpID]
		switch {
		case a.PlanSHA256 != l.SHA256:
			v.Why = "it approves another version of the plan (the plan file changed after it was approved)"
		case SamePerson(a.Approver, l.PlannedBy):
			v.Why = "the approver is the planner"
		case !inLog:
			v.Why = "the audit log has no plan.approve record for it (op_id " + a.OpID + "): forged, or approved against another audit log"
		case r.target != l.SHA256 || !sameActor(r.actor, a.Approver):
			v.Why = "it does not match its plan.approve record in the audit log"
		default:
			dup := false
			for _, c := range counted {
				if SamePerson(c, a.Approver) {
					dup = true
				}
			}
			if dup {
				v.Why = "the same approver approved more than once"
			} else {
				v.Counted = true
				counted = append(counted, a.Approver)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func sameActor(a, b audit.Actor) bool {
	return a.OSUser == b.OSUser && a.Host == b.Host && a.BindIdentity == b.BindIdentity && a.OSUID == b.OSUID
}

// Counted returns the approvals that count.
func Counted(vs []Verdict) []Approval {
	var out []Approval
	for _, v := range vs {
		if v.Counted {
			out = append(out, v.Approval)
		}
	}
	return out
}

// RequireApprovals refuses the plan unless at least min approvals count.
func RequireApprovals(l *Loaded, vs []Verdict, min int) error {
	n := len(Counted(vs))
	if n >= min {
		return nil
	}
	var why []string
	for _, v := range vs {
		if !v.Counted {
			why = append(why, fmt.Sprintf("approval by %s not counted: %s", Who(v.Approval.Approver), v.Why))
		}
	}
	msg := fmt.Sprintf("the profile requires %d approval(s) by someone other than the planner (%s), and it has %d. "+
		"Ask a colleague to run: adkit plan approve %s --ticket TICKET", min, Who(l.PlannedBy), n, l.Path)
	if len(why) > 0 {
		msg += " (" + strings.Join(why, "; ") + ")"
	}
	return &RefusedError{Path: l.Path, Reason: msg}
}

// Who names a technician for messages: OS user, directory identity, host.
func Who(a audit.Actor) string {
	s := a.OSUser
	if a.BindIdentity != "" {
		s += " as " + a.BindIdentity
	}
	if a.Host != "" {
		s += " on " + a.Host
	}
	return s
}
