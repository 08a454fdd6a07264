// Package ctxsleep waits as time.Sleep does, but stops at once when the context ends: every
// wait adkit makes (a Retry-After, a device-code poll, a sync back-off) must yield to Ctrl-C.
package ctxsleep

import (
	"context"
	"time"
)

// Sleep waits for d, or until ctx ends, and then returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
