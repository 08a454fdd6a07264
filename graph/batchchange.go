package graph

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/adkit-dev/adkit/audit"
)

// errBatchNotSent is the outcome of a change whose $batch was never sent because the audit
// log refused a later change's intent record.
var errBatchNotSent = errors.New("not attempted: the audit log could not record another change of the same $batch, so the batch was not sent")

// changeAll makes several changes in one request while keeping the audit trail's promise for
// each: every intent is recorded before send runs, and every outcome after it. It nests one
// trail.Do per operation around a single send, which returns one error per operation (nil,
// an audit.Skipped error, or a failure). The outcomes are recorded in reverse order; op_id
// pairs them with their intents. On a dry run, each change is recorded on its own and send
// is never called; with no operations, nothing is recorded and send is never called either.
func (c *Client) changeAll(ctx context.Context, ops []audit.Operation, send func(context.Context) []error) []error {
	errs := make([]error, len(ops))
	if c.DryRun() {
		for i, op := range ops {
			errs[i] = c.trail.Do(ctx, op, func(context.Context) error { return nil })
		}
		return errs
	}
	if len(ops) == 0 {
		return errs // nothing recorded, so nothing may be sent
	}
	var results []error
	var sent time.Time // when the $batch went out, after every intent
	// Memberships and licences whose answer is lost are read back together, in one $batch
	// (readbackbatch.go); the first Check called, once results are in, reads them all.
	together := c.batchReadBack(ops, func(i int) bool { return results != nil && errors.Is(noAnswer(results[i]), audit.ErrNoAnswer) })
	var nest func(ctx context.Context, i int)
	nest = func(ctx context.Context, i int) {
		if ops[i].Check == nil {
			ops[i].Check = c.readBack(ops[i].Action, ops[i].Target, ops[i].Changes, &sent)
		}
		if ops[i].Check == nil && together[i] != nil {
			ops[i].Check = together[i]
		}
		errs[i] = c.trail.Do(ctx, ops[i], func(ctx context.Context) error {
			// send runs inside the innermost trail.Do, after every intent, so that no
			// request can leave without its record (graph/audited_test.go checks this).
			if i == len(ops)-1 {
				sent = time.Now()
				results = send(ctx)
			} else {
				nest(ctx, i+1)
			}
			if results == nil {
				return errBatchNotSent
			}
			return noAnswer(results[i])
		})
	}
	nest(ctx, 0)
	if results == nil {
		// The chain stopped before the $batch went out (an intent not written: Ctrl-C, the
		// log unwritable); the changes after the stop never had their trail.Do run, so their
		// nil error would read as made.
		for i := range errs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("%s not started: %w", ops[i].Action, cmp.Or(ctx.Err(), errBatchNotSent))
			}
		}
	}
	for i := range ops {
		c.settleEarlier(ctx, ops[i], errs[i])
	}
	return errs
}
