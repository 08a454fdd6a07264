package planfile

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
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
	// KeyID and Signature: the approver's Ed25519 signature (plan approve --key), required
	// when the profile lists approvers.
	KeyID     string `json:"key_id,omitempty"`
	Signature string `json:"signature,omitempty"`
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
			// A garbled line is someone's editing: refuse, rather than guess what it meant.
			return nil, &RefusedError{Path: planPath, Reason: fmt.Sprintf("line %d of %s is not an approval (%v): remove the line, and have the plan approved again if needed",
				n, ApprovalsPath(planPath), err)}
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

// Checker decides which approvals count.
type Checker struct {
	// Log is the audit log apply writes to (nil: none yet); an approval counts only if it
	// holds its plan.approve record.
	Log io.Reader
	// Applier is who runs apply, if known: their own approvals do not count, so that the
	// person who carries out a change cannot also be its second pair of eyes — whatever the
	// plan file says about who planned it.
	Applier *audit.Actor
	// Approvers, when not empty, are the only people whose approvals count, by OS user, each
	// with the public key their approval must be signed with (profile key approvers).
	Approvers map[string]ed25519.PublicKey
}

// Check decides which approvals count for plan l: bound to its hash, by someone other than
// the planner and the applier, once per person, backed by a successful plan.approve record in
// the audit log and, with Approvers, signed by the approver's registered key. An approval line
// whose record is not in the log is treated as forged: anyone who can write the approvals file
// can write a line. What that proves, and what it does not, is in docs/plan-file.md.
func (c Checker) Check(l *Loaded, approvals []Approval) ([]Verdict, error) {
	type rec struct {
		actor  audit.Actor
		target string
	}
	byOp := map[string]rec{}
	if c.Log != nil {
		err := audit.ReadRecords(c.Log, audit.Filter{Action: ApprovalAction}, func(r audit.Record) error {
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
		case c.Applier != nil && SamePerson(a.Approver, *c.Applier):
			v.Why = "the approver is the one applying the plan"
		case !inLog:
			v.Why = "the audit log has no plan.approve record for it (op_id " + a.OpID + "): forged, or approved against another audit log"
		case r.target != l.SHA256 || !sameActor(r.actor, a.Approver):
			v.Why = "it does not match its plan.approve record in the audit log"
		case len(c.Approvers) > 0:
			v.Why = c.checkSignature(a)
		}
		if v.Why == "" {
			for _, p := range counted {
				if SamePerson(p, a.Approver) {
					v.Why = "the same approver approved more than once"
				}
			}
		}
		if v.Why == "" {
			v.Counted = true
			counted = append(counted, a.Approver)
		}
		out = append(out, v)
	}
	return out, nil
}

// checkSignature says why a's signature does not count, or "".
func (c Checker) checkSignature(a Approval) string {
	pub, ok := c.Approvers[a.Approver.OSUser]
	switch {
	case !ok:
		return fmt.Sprintf("%s is not in the profile's approvers", a.Approver.OSUser)
	case a.Signature == "":
		return "it is not signed, and the profile's approvers require a signed approval (plan approve --key)"
	}
	sig, err := base64.StdEncoding.DecodeString(a.Signature)
	if err != nil || !ed25519.Verify(pub, a.signedMessage(), sig) {
		return fmt.Sprintf("its signature is not by %s's registered key: forged, or signed with another key", a.Approver.OSUser)
	}
	return ""
}

// approvalDomain separates approval signatures from anything else a key might sign.
const approvalDomain = "adkit-plan-approval/1"

// signedMessage is what an approver's key signs: the plan's hash and everything the approval
// says about itself.
func (a Approval) signedMessage() []byte {
	return []byte(fmt.Sprintf("%s\nplan_sha256=%s\nop_id=%s\nos_user=%s\nbind_identity=%s\nhost=%s\ntime=%s\nticket=%s\n",
		approvalDomain, a.PlanSHA256, a.OpID, a.Approver.OSUser, a.Approver.BindIdentity, a.Approver.Host, a.Time, a.Ticket))
}

// Sign signs the approval with the approver's private key.
func (a *Approval) Sign(priv ed25519.PrivateKey) {
	a.KeyID = audit.KeyID(priv.Public().(ed25519.PublicKey))
	a.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, a.signedMessage()))
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
