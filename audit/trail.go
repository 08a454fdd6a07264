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
		sink:   o.Sink,
		actor:  o.Actor,
		ticket: o.Ticket,
		reason: o.Reason,
		dryRun: o.DryRun,
		plan:   o.Plan,
		now:    now,
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

	intent := t.intent(op)
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

	result, msg := ResultOK, ""
	switch {
	case errors.Is(applyErr, ErrSkipped):
		result, msg = ResultSkipped, applyErr.Error()
	case applyErr != nil:
		result, msg = ResultError, applyErr.Error()
	}
	if err := t.write(octx, t.outcome(intent, result, msg)); err != nil {
		if applyErr != nil {
			return fmt.Errorf("%w: %s failed (%w) and its outcome was not recorded: %w",
				ErrAuditUnavailable, op.Action, applyErr, err)
		}
		return fmt.Errorf("%w: %s was applied but its outcome was not recorded: %w",
			ErrAuditUnavailable, op.Action, err)
	}
	return applyErr
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

func (t *Trail) intent(op Operation) Record {
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
