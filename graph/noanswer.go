package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// A write whose request got no answer — Ctrl-C, --timeout, a connection lost — may or may not
// have been made by Graph. The audit log must not call it "error" (the spec: the result is
// "unknown", settled by reading the object back or by a later run), so the write's error is
// marked audit.ErrNoAnswer here; the trail then reads the object back where adkit knows how
// (readBack), and a later run that finds the change made settles the open intent
// (settleEarlier). The same rules as the AD client's (ad/readback.go), in Graph's terms.

// noAnswerError is a write that got no answer from Graph.
type noAnswerError struct {
	err         error
	interrupted bool // Ctrl-C (the context was cancelled), not a timeout or a lost connection
	// gateway is the status a gateway in front of Graph answered instead of Graph (502,
	// 504): Graph may have made the change (resend.go).
	gateway int
}

func (e *noAnswerError) Error() string {
	switch {
	case e.interrupted:
		return "interrupted while the request was under way"
	case e.gateway == http.StatusGatewayTimeout:
		return "Graph's gateway timed out (504 Gateway Timeout) before Graph answered"
	case e.gateway != 0:
		return fmt.Sprintf("Graph's gateway got no valid answer from Graph (%d %s)", e.gateway, http.StatusText(e.gateway))
	}
	return "no answer from Graph: " + e.err.Error()
}

func (e *noAnswerError) Unwrap() []error {
	switch {
	case e.interrupted:
		return []error{audit.ErrNoAnswer, directory.ErrUnreachable, context.Canceled, e.err}
	case e.gateway != 0:
		// Graph is reached through its gateway, which answered: not ErrUnreachable, which
		// stops a bulk run's remaining rows; the next row's request may well go through.
		return []error{audit.ErrNoAnswer, e.err}
	}
	return []error{audit.ErrNoAnswer, directory.ErrUnreachable, e.err}
}

// noAnswer marks a write's error that means the request may have reached Graph without an
// answer coming back: no answer at all, or a gateway's 502 or 504 in place of Graph's (on the
// wire or for a $batch item). Graph's own answers (refusals, throttling) and failures to
// connect at all (nothing was sent) pass through unchanged.
func noAnswer(err error) error {
	if err == nil || errors.Is(err, audit.ErrNoAnswer) {
		return err
	}
	if s := gatewayStatus(err); s != 0 {
		return &noAnswerError{err: err, gateway: s}
	}
	var re *RefusedError
	if _, answered := asFailure(err); answered || errors.As(err, &re) {
		return err
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return err // the connection was never made: nothing was sent
	}
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return &noAnswerError{err: err, interrupted: true}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout(),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return &noAnswerError{err: err}
	}
	return err
}

// gatewayStatus is the 502 or 504 err carries, from the SDK (asFailure) or from a $batch item
// (a RefusedError made by failure.explain), or 0.
func gatewayStatus(err error) int {
	if f, ok := asFailure(err); ok && isGateway(f.status) {
		return f.status
	}
	var re *RefusedError
	if errors.As(err, &re) && isGateway(re.Status) {
		return re.Status
	}
	return 0
}

// readBackTimeout bounds reading a change back after its answer was lost: the technician has
// pressed Ctrl-C, or Graph has just failed to answer, so this must not keep them long.
const readBackTimeout = 5 * time.Second

// readBack returns how to tell whether a change of this kind is in the tenant, or nil when
// adkit cannot tell. A password reset or a session revocation is told by the time Graph
// stamps on the account (stamp.go), compared with sent, when the request went out. A change
// not found made stays "unknown": Graph may still be applying it. Memberships and licences,
// changed in $batch, are read back all at once instead (batchReadBack, readbackbatch.go).
func (c *Client) readBack(action string, tgt audit.Target, changes []audit.Change, sent *time.Time) func(context.Context) (bool, error) {
	if tgt.ID == "" || len(changes) == 0 {
		return nil
	}
	switch action {
	case "user.enable", "user.disable":
		want := action == "user.enable"
		return readBackOf(tgt, func(ctx context.Context) (bool, error) {
			m, err := c.findUser(ctx, tgt.ID, []string{"id", "accountEnabled"})
			if err != nil {
				return false, err
			}
			return m.GetAccountEnabled() != nil && *m.GetAccountEnabled() == want, nil
		})
	case "user.reset_password", "user.revoke_sessions":
		return c.readBackStamp(action, tgt, changes, sent)
	case "user.risk_confirm_safe", "user.risk_dismiss":
		want := fmt.Sprint(changes[0].After) // riskState: confirmedSafe or dismissed
		return readBackOf(tgt, func(ctx context.Context) (bool, error) {
			r, err := c.userRisk(ctx, tgt.ID)
			if err != nil {
				return false, err
			}
			return r.State == want, nil
		})
	case "user.remove_auth_method":
		id := methodIDOf(changes)
		return readBackOf(tgt, func(ctx context.Context) (bool, error) {
			ms, err := c.authMethods(ctx, &directory.User{ID: tgt.ID, UserPrincipalName: tgt.Name})
			if err != nil {
				return false, err
			}
			return id != "" && !slices.ContainsFunc(ms, func(m directory.AuthMethod) bool { return m.ID == id }), nil
		})
	}
	return nil
}

// readBackOf is one read-back of tgt: look, bounded by readBackTimeout, its failure named
// after the object read.
func readBackOf(tgt audit.Target, look func(context.Context) (bool, error)) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		ctx, cancel := context.WithTimeout(ctx, readBackTimeout)
		defer cancel()
		made, err := look(ctx)
		if err != nil {
			return false, fmt.Errorf("read back %s: %w", tgt.Name, err)
		}
		return made, nil
	}
}

// settleEarlier writes the missing outcome of earlier runs' intents for the change this run
// found made (skipped: "ok", settled later) or has just made itself (made: the earlier
// request was not made, "skipped", settled later): same action, same object id and the same
// first change (the group, the licence). A failure to write a settling record leaves those
// intents open ('log verify' lists them); it does not fail this change, which is recorded.
func (c *Client) settleEarlier(ctx context.Context, op audit.Operation, err error) {
	if c.DryRun() || op.Target.ID == "" || !checkedFirst[op.Action] {
		return
	}
	settle, note := c.trail.SupersedeEarlier, "not made by that request: a later run made the change"
	switch {
	case errors.Is(err, audit.ErrSkipped):
		settle, note = c.trail.SettleEarlier, "a later run found it already done ("+err.Error()+")"
	case err != nil:
		return
	}
	key := firstChange(op.Changes)
	_, _ = settle(ctx, func(r audit.Record) bool {
		return r.Action == op.Action && r.Directory == audit.DirectoryEntra && r.Target.ID == op.Target.ID &&
			firstChange(r.Changes) == key
	}, note)
}

// eachOpenEarlier calls fn for each open intent of an earlier run, settling none: it looks at
// the view audit.Trail.SettleEarlier settles from (the log read once per run), so a caller can
// choose what to settle before it settles it. A log that cannot be read calls fn for none.
func (c *Client) eachOpenEarlier(ctx context.Context, fn func(audit.Record)) {
	_, _ = c.trail.SettleEarlier(ctx, func(r audit.Record) bool { fn(r); return false }, "")
}

// checkedFirst are the changes adkit makes only after finding them not made (or that Graph
// refuses to make twice): one made now means an earlier request without an answer was not
// made. A session revocation or a password reset is made again by every run, so nothing
// can be said of an earlier one from this run's own change: settleStamped settles those
// from Graph's stamp before this run's change.
var checkedFirst = map[string]bool{
	"user.enable": true, "user.disable": true, "group.add_member": true, "group.remove_member": true,
	"user.assign_license": true, "user.remove_license": true,
	"user.risk_confirm_safe": true, "user.risk_dismiss": true, // skipped when not at risk
}

// methodIDOf is the id of the method a user.remove_auth_method change removes: its before
// value reads "<label> id <id>" (RemoveMethods).
func methodIDOf(changes []audit.Change) string {
	if len(changes) == 0 {
		return ""
	}
	s, _ := changes[0].Before.(string)
	if i := strings.LastIndex(s, " id "); i >= 0 {
		return s[i+len(" id "):]
	}
	return ""
}

// firstChange names a change by its first attribute and value: "group=VPN Users (id)".
func firstChange(cs []audit.Change) string {
	if len(cs) == 0 {
		return ""
	}
	v := cs[0].After
	if v == nil {
		v = cs[0].Before
	}
	return fmt.Sprintf("%s=%v", cs[0].Attribute, v)
}
