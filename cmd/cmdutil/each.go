package cmdutil

import (
	"context"
	"fmt"
	"io"
)

// EachTarget runs fn for every target, reporting each failure on errOut as it happens, and
// returns: nil when all succeeded, the error itself when there was one target, or a
// PartialError (exit 4) when some of several failed. When all of several fail with errors of
// one kind, the first error is returned so that "all not found" still exits 3.
func EachTarget(ctx context.Context, errOut io.Writer, targets []string, fn func(ctx context.Context, target string) error) error {
	if len(targets) == 1 {
		if err := fn(ctx, targets[0]); err != nil {
			return &TargetError{Target: targets[0], Err: err}
		}
		return nil
	}
	var failed int
	var first error
	for _, t := range targets {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(ctx, t); err != nil {
			failed++
			te := &TargetError{Target: t, Err: err}
			if first == nil {
				first = te
			}
			fmt.Fprintf(errOut, "✗ %s\n", te.Error())
		}
	}
	switch {
	case failed == 0:
		return nil
	case failed == len(targets):
		return fmt.Errorf("all %d failed; first: %w", failed, first)
	default:
		return &PartialError{Failed: failed, Total: len(targets)}
	}
}
