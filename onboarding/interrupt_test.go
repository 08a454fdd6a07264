package onboarding

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// ctrlC is a provisioner whose third create is cut off by Ctrl-C: the context is cancelled
// while the request is under way, and the closed connection answers as a lost one
// (directory.ErrUnreachable) to a request that got no answer (audit.ErrNoAnswer), as the AD
// back end's does.
type ctrlC struct {
	*fakeDomain
	cancel  context.CancelFunc
	creates int
}

func (p *ctrlC) CreateAccount(ctx context.Context, a NewAccount) (*directory.User, bool, error) {
	if p.creates++; p.creates == 3 {
		p.cancel()
		return nil, false, fmt.Errorf("create %s: %w", a.SAMAccountName, cutOff{})
	}
	return p.fakeDomain.CreateAccount(ctx, a)
}

// An interrupt is the technician's act: the rows it kept from starting are "not started:
// interrupted", never failed, never blamed on an unreachable domain controller, and the row
// under way is "interrupted".
func TestApplyInterruptedIsNotAnUnreachableDC(t *testing.T) {
	d := corpDomain()
	plan := planHRExport(t, d)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &ctrlC{fakeDomain: d, cancel: cancel}
	results, err := Apply(ctx, plan, p, ApplyOptions{Parallel: 1, Passwords: counterPasswords()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	var interrupted, notStarted int
	for _, r := range results {
		if strings.Contains(r.Error, "unreachable") {
			t.Errorf("row %d blames the domain controller: %s", r.Row, r.Error)
		}
		switch r.Status {
		case StatusFailed:
			t.Errorf("row %d is failed after an interrupt: %s", r.Row, r.Error)
		case StatusInterrupted:
			interrupted++
		case StatusNotAttempted:
			notStarted++
			if r.Error != "not started: interrupted" {
				t.Errorf("row %d: %q, want \"not started: interrupted\"", r.Row, r.Error)
			}
		}
	}
	if interrupted != 1 || notStarted == 0 {
		t.Errorf("%d rows interrupted under way (want 1), %d not started (want some): %+v", interrupted, notStarted, results)
	}
}

// cutOff reads as the AD back end's interrupted request does, and is what it wraps.
type cutOff struct{}

func (cutOff) Error() string { return "interrupted while the request was under way" }
func (cutOff) Unwrap() []error {
	return []error{audit.ErrNoAnswer, context.Canceled, directory.ErrUnreachable}
}
