package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ErrAuditUnavailable means a record could not be written. When it comes
// from the intent record, the change was not made.
var ErrAuditUnavailable = errors.New("audit log unavailable")

// ErrSkipped marks a change that turned out to be unnecessary, such as
// unlocking an account that was not locked. Wrap it with [Skipped].
var ErrSkipped = errors.New("skipped")

// Skipped returns an error that wraps [ErrSkipped] and reads as msg.
func Skipped(msg string) error {
	return skippedError(msg)
}

type skippedError string

func (e skippedError) Error() string        { return string(e) }
func (e skippedError) Is(target error) bool { return target == ErrSkipped }

// ErrNoAnswer marks an apply error that means the request was sent, or may have been, and
// no answer came: the run was interrupted, the request timed out or the connection was lost.
// The directory may or may not have made the change, so the outcome is not "error".
var ErrNoAnswer = errors.New("no answer came from the directory")

// ErrOutcomeUnknown is wrapped by the error [Trail.Do] returns when a change got no answer
// and reading it back was not possible: the outcome recorded is "unknown".
var ErrOutcomeUnknown = errors.New("outcome unknown")

// unknownError is a change whose outcome is not known; it reads as the cause and what to do.
type unknownError struct{ err error }

func (e unknownError) Error() string {
	return e.err.Error() + "; whether the change was made is not known: run the same command again, it finds out and settles the audit log"
}
func (e unknownError) Unwrap() []error { return []error{ErrOutcomeUnknown, e.err} }

// Trail is the single path through which every directory change goes. It
// brackets each change with an intent and an outcome record and refuses to
// make a change it could not announce.
//
// A Trail is safe for concurrent use if its Sink is.
type Trail struct {
	sink   Sink
	actor  Actor
	ticket string
	reason string
	dryRun bool
	plan   string
	now    func() time.Time
	// pending holds the open intents of earlier runs, for SettleEarlier.
	pending *pending
}

// TrailOptions configures a Trail. Actor, Ticket and Reason are copied into
// every record.
type TrailOptions struct {
	Sink   Sink
	Actor  Actor
	Ticket string
	Reason string
	DryRun bool
	Plan   string           // the SHA-256 of the saved plan being applied, if any
	Now    func() time.Time // defaults to time.Now
}

// NewTrail returns a Trail writing to o.Sink. A nil Sink is allowed but
// makes every Do fail with ErrAuditUnavailable.
func NewTrail(o TrailOptions) *Trail {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Trail{
		sink:    o.Sink,
		actor:   o.Actor,
		ticket:  o.Ticket,
		reason:  o.Reason,
		dryRun:  o.DryRun,
		plan:    o.Plan,
		now:     now,
		pending: &pending{},
	}
}

// DryRun reports whether the trail records changes without making them.
func (t *Trail) DryRun() bool { return t.dryRun }

// Operation describes one change about to be made.
type Operation struct {
	Action    string // e.g. "user.unlock"
	Directory string // DirectoryAD or DirectoryEntra
	Server    string
	Target    Target
	Changes   []Change
	// Check, if set, reads the object back and reports whether the change is in the
	// directory. Do calls it when apply's error wraps ErrNoAnswer, so that the outcome says
	// what happened instead of "unknown". It is called with a context that is not cancelled
	// (the interrupt that caused the missing answer has already happened) and must bound
	// itself.
	Check func(ctx context.Context) (made bool, err error)
}

// Do records op's intent, makes the change by calling apply, and records
// the outcome.
//
// If the intent cannot be written, apply is not called and Do returns an
// error wrapping ErrAuditUnavailable. In dry-run mode apply is never called
// and the outcome is "skipped". Otherwise apply's error decides the outcome:
// nil is "ok", an error wrapping ErrSkipped is "skipped", anything else is
// "error"; Do returns apply's error unchanged. If the outcome cannot be
// written, Do returns an error wrapping ErrAuditUnavailable (and apply's
// error, if any) that says whether the change was applied.
//
// The outcome is written even if ctx is cancelled while apply runs, and
// even if apply panics: the log must say what happened to every intent.
func (t *Trail) Do(ctx context.Context, op Operation, apply func(ctx context.Context) error) error {
	if err := op.validate(); err != nil {
		return err
	}
	if t.sink == nil {
		return fmt.Errorf("%w: %s: no audit sink configured", ErrAuditUnavailable, op.Action)
	}

	if err := ctx.Err(); err != nil {
		// Interrupted before anything was sent: nothing to announce, nothing changed. Not
		// "audit log unavailable", which would send the technician looking at the log.
		return fmt.Errorf("%s not started: %w", op.Action, err)
	}
	intent := t.intent(ctx, op)
	if t.pending != nil {
		t.pending.mine(intent.OpID)
	}
	if err := t.write(ctx, intent); err != nil {
		return fmt.Errorf("%w: %s not attempted: %w", ErrAuditUnavailable, op.Action, err)
	}
	// From here on an outcome must be written, whatever happens to ctx.
	octx := context.WithoutCancel(ctx)

	if t.dryRun {
		if err := t.write(octx, t.outcome(intent, ResultSkipped, "dry run")); err != nil {
			return fmt.Errorf("%w: dry run of %s: outcome not recorded: %w", ErrAuditUnavailable, op.Action, err)
		}
		return nil
	}

	done := false
	defer func() {
		if !done { // apply panicked or called runtime.Goexit
			_ = t.write(octx, t.outcome(intent, ResultError, "apply did not return (panic or goroutine exit)"))
		}
	}()
	applyErr := apply(context.WithValue(ctx, opIDKey{}, intent.OpID))
	done = true

	out := t.outcome(intent, ResultOK, "")
	switch {
	case errors.Is(applyErr, ErrSkipped):
		out.Result, out.Error = ResultSkipped, applyErr.Error()
	case errors.Is(applyErr, ErrNoAnswer):
		applyErr = t.settleNoAnswer(octx, op, &out, applyErr)
	case applyErr != nil:
		out.Result, out.Error = ResultError, applyErr.Error()
	}
	out.Time = t.timestamp()
	if err := t.write(octx, out); err != nil {
		if applyErr != nil {
			return fmt.Errorf("%w: %s failed (%w) and its outcome was not recorded: %w",
				ErrAuditUnavailable, op.Action, applyErr, err)
		}
		return fmt.Errorf("%w: %s was applied but its outcome was not recorded: %w",
			ErrAuditUnavailable, op.Action, err)
	}
	return applyErr
}

// settleNoAnswer decides the outcome of a change whose request got no answer, by reading the
// object back when op can, and returns the error Do returns: nil when the change is made,
// applyErr when it is not, and an error wrapping ErrOutcomeUnknown when nobody can tell yet.
// "error" is recorded only when the read-back shows the change was not made; without a
// read-back the result is "unknown", which a later run settles.
func (t *Trail) settleNoAnswer(ctx context.Context, op Operation, out *Record, applyErr error) error {
	if op.Check == nil {
		return noAnswerOutcome(out, applyErr, false, false, nil)
	}
	made, err := op.Check(ctx)
	return noAnswerOutcome(out, applyErr, true, made, err)
}

// noAnswerOutcome fills in the outcome of a change whose request got no answer from what
// reading it back found (checked: a read-back was made; made, checkErr: what it said) and
// returns the error Do returns (see settleNoAnswer).
func noAnswerOutcome(out *Record, applyErr error, checked, made bool, checkErr error) error {
	out.Result, out.Note = ResultUnknown, "no answer came: "+applyErr.Error()
	switch {
	case !checked:
		out.Note += "; a later run that finds the change made settles it"
		return unknownError{applyErr}
	case checkErr != nil:
		out.Note += "; reading it back failed (" + checkErr.Error() + "); a later run that finds the change made settles it"
		return unknownError{applyErr}
	case made:
		out.Result, out.Settled = ResultOK, SettledReadBack
		out.Note = "no answer came (" + applyErr.Error() + "); read back afterwards: the change is made"
		return nil
	default:
		// Not there — yet: the directory may still be working on a request whose connection
		// was closed under it (seen on Samba: the add lands just after a read-back). So this
		// is not "error"; a later run that makes the change, or finds it made, settles it.
		out.Note += "; read back afterwards: not made (as far as the directory showed then); a later run settles it"
		return unknownError{applyErr}
	}
}

func (op Operation) validate() error {
	if op.Action == "" {
		return errors.New("audit: operation has no action")
	}
	if op.Directory != DirectoryAD && op.Directory != DirectoryEntra {
		return fmt.Errorf("audit: %s: unknown directory %q", op.Action, op.Directory)
	}
	return nil
}

func (t *Trail) write(ctx context.Context, r Record) error {
	return t.sink.Append(ctx, &r)
}

// intent is op's intent record. A change made inside another operation's apply (the
// per-account changes of a bulk run) names that operation's op_id as its run.
func (t *Trail) intent(ctx context.Context, op Operation) Record {
	changes := make([]Change, len(op.Changes))
	for i, c := range op.Changes {
		// Drop secret values here too, so they are not even held in
		// memory by sinks.
		changes[i] = c.redacted()
	}
	return Record{
		V:         Version,
		Time:      t.timestamp(),
		Event:     EventIntent,
		OpID:      newOpID(),
		Action:    op.Action,
		Directory: op.Directory,
		Server:    op.Server,
		Actor:     t.actor,
		Target:    op.Target,
		Ticket:    t.ticket,
		Reason:    t.reason,
		DryRun:    t.dryRun,
		Changes:   changes,
		Plan:      t.plan,
		Run:       OperationID(ctx),
	}
}

// outcome returns the outcome record paired with intent.
func (t *Trail) outcome(intent Record, result, msg string) Record {
	r := intent
	r.Time = t.timestamp()
	r.Event = EventOutcome
	r.Result = result
	r.Error = msg
	r.Seq, r.PrevHash, r.Hash = 0, "", ""
	return r
}

// timeFormat is RFC 3339 in UTC with a fixed nine-digit fraction, so that
// times sort as text.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

func (t *Trail) timestamp() string {
	return t.now().UTC().Format(timeFormat)
}

// newOpID returns a random 128-bit ID that pairs an intent with its outcome.
func newOpID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

type opIDKey struct{}

// OperationID returns the op_id of the operation whose apply function received ctx, or "".
// A change that leaves a trace outside the log (an approval file) names its records with it.
func OperationID(ctx context.Context) string {
	id, _ := ctx.Value(opIDKey{}).(string)
	return id
}
