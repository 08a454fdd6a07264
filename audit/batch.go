package audit

import (
	"context"
	"errors"
	"fmt"
)

// Batch is many changes made by one request: a modify that adds hundreds of members to a
// group at once. Each change is still an Operation of its own, with its own intent and
// outcome, so the log reads as if each had been made alone ('log show --account' finds every
// membership, and a later run settles each one).
type Batch struct {
	Ops []Operation
	// Check, if set, reads the directory back after a request that got no answer and says,
	// for each op, whether its change is made (made[i] for Ops[i]): one look for the lot,
	// where the ops' own Check would look once per change. It is called with a context that
	// is not cancelled and must bound itself.
	Check func(ctx context.Context) (made []bool, err error)
}

// DoAll is [Trail.Do] for a batch: every intent is written, at once, before apply is called,
// and every outcome after, at once. apply returns nil when every change was made, or one
// error per op, which decides that op's outcome as apply's error does in Do (nil "ok",
// ErrSkipped "skipped", ErrNoAnswer read back with b.Check, anything else "error"). DoAll
// returns one error per op, as Do would have; nil when all are nil. If the intents cannot be
// written, apply is not called and every error wraps ErrAuditUnavailable. In dry-run mode
// apply is never called and the outcomes are "skipped".
func (t *Trail) DoAll(ctx context.Context, b Batch, apply func(ctx context.Context) []error) []error {
	n := len(b.Ops)
	if n == 0 {
		return nil
	}
	all := func(err error) []error {
		errs := make([]error, n)
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	for _, op := range b.Ops {
		if err := op.validate(); err != nil {
			return all(err)
		}
	}
	action := b.Ops[0].Action
	if t.sink == nil {
		return all(fmt.Errorf("%w: %s: no audit sink configured", ErrAuditUnavailable, action))
	}
	if err := ctx.Err(); err != nil {
		return all(fmt.Errorf("%s not started: %w", action, err))
	}
	intents := make([]Record, n)
	ptrs := make([]*Record, n)
	for i, op := range b.Ops {
		intents[i] = t.intent(ctx, op)
		if t.pending != nil {
			t.pending.mine(intents[i].OpID)
		}
		ptrs[i] = &intents[i]
	}
	if err := appendAll(ctx, t.sink, ptrs); err != nil {
		return all(fmt.Errorf("%w: %s not attempted: %w", ErrAuditUnavailable, action, err))
	}
	octx := context.WithoutCancel(ctx)
	outs := make([]Record, n)
	writeOuts := func() error {
		for i := range outs {
			ptrs[i] = &outs[i]
		}
		return appendAll(octx, t.sink, ptrs)
	}

	if t.dryRun {
		for i := range outs {
			outs[i] = t.outcome(intents[i], ResultSkipped, "dry run")
		}
		if err := writeOuts(); err != nil {
			return all(fmt.Errorf("%w: dry run of %s: outcome not recorded: %w", ErrAuditUnavailable, action, err))
		}
		return nil
	}

	done := false
	defer func() {
		if !done { // apply panicked or called runtime.Goexit
			for i := range outs {
				outs[i] = t.outcome(intents[i], ResultError, "apply did not return (panic or goroutine exit)")
			}
			_ = writeOuts()
		}
	}()
	errs := apply(ctx)
	done = true
	if errs != nil && len(errs) != n {
		errs = all(fmt.Errorf("%s: the request answered for %d of %d changes", action, len(errs), n))
	}
	if errs == nil {
		errs = make([]error, n)
	}

	var made []bool
	var checkErr error
	checked := false
	for i := range outs {
		out := t.outcome(intents[i], ResultOK, "")
		switch err := errs[i]; {
		case errors.Is(err, ErrSkipped):
			out.Result, out.Error = ResultSkipped, err.Error()
		case errors.Is(err, ErrNoAnswer):
			if !checked && b.Check != nil {
				made, checkErr = b.Check(octx)
				if checkErr == nil && len(made) != n {
					checkErr = fmt.Errorf("read back %d of %d changes", len(made), n)
				}
				checked = true
			}
			errs[i] = noAnswerOutcome(&out, err, checked, checked && checkErr == nil && made[i], checkErr)
		case err != nil:
			out.Result, out.Error = ResultError, err.Error()
		}
		out.Time = t.timestamp()
		outs[i] = out
	}
	if err := writeOuts(); err != nil {
		for i, applyErr := range errs {
			if applyErr != nil {
				errs[i] = fmt.Errorf("%w: %s failed (%w) and its outcome was not recorded: %w", ErrAuditUnavailable, action, applyErr, err)
			} else {
				errs[i] = fmt.Errorf("%w: %s was applied but its outcome was not recorded: %w", ErrAuditUnavailable, action, err)
			}
		}
	}
	for _, err := range errs {
		if err != nil {
			return errs
		}
	}
	return nil
}
