package graph

import (
	"context"
	"errors"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// change is the only way the Client modifies the directory: the trail records the intent,
// runs apply (unless this is a dry run), and records the outcome.
//
// A request that got no answer is recorded "unknown", not "error", unless reading the object
// back shows the change made (see noanswer.go); a change found already made, or made now,
// settles the open intents of earlier runs for it.
func (c *Client) change(ctx context.Context, action string, target audit.Target, changes []audit.Change, apply func(context.Context) error) error {
	var sent time.Time // when the request went out: just after its intent record was written
	op := audit.Operation{Action: action, Directory: audit.DirectoryEntra, Server: c.server, Target: target, Changes: changes,
		Check: c.readBack(action, target, changes, &sent)}
	err := c.trail.Do(ctx, op, func(ctx context.Context) error {
		sent = time.Now()
		return noAnswer(apply(ctx))
	})
	c.settleEarlier(ctx, op, err)
	return err
}

// userTarget is how an account appears on audit records: by object id, named by its UPN.
func userTarget(u *directory.User) audit.Target {
	return audit.Target{ID: u.ID, Name: u.UserPrincipalName}
}

// skip records a change that needed no doing.
func (c *Client) skip(ctx context.Context, action string, u *directory.User, changes []audit.Change, note string) (directory.Outcome, error) {
	err := c.change(ctx, action, userTarget(u), changes, func(context.Context) error { return audit.Skipped(note) })
	if err := ignoreSkipped(err); err != nil { // nil on a dry run too: nothing to do either way
		return directory.Outcome{User: u}, err
	}
	return directory.Outcome{User: u, Note: note}, nil
}

// dryRunAware rewords an outcome when nothing was actually changed.
func (c *Client) dryRunAware(o directory.Outcome, would string) directory.Outcome {
	if c.DryRun() {
		o.Changed, o.WouldChange = false, true
		o.Note = would + " (dry run: nothing changed)"
	}
	return o
}

func ignoreSkipped(err error) error {
	if errors.Is(err, audit.ErrSkipped) {
		return nil
	}
	return err
}
