package cli

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
)

func TestInterruptedNamesTheInterruptAndKeepsTheExitCode(t *testing.T) {
	lost := errors.New("ldap: connection closed")
	partial := &cmdutil.PartialError{Failed: 2, Total: 5}

	live := context.Background()
	if got := interrupted(live, lost); got != lost {
		t.Errorf("without an interrupt the error is changed: %v", got)
	}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	got := interrupted(cancelled, lost)
	if !errors.Is(got, context.Canceled) || !errors.Is(got, lost) {
		t.Errorf("interrupted(%v) = %v; want it to be both the interrupt and the cause", lost, got)
	}
	if code := cmdutil.ExitCode(got); code != cmdutil.ExitFailed {
		t.Errorf("exit code %d, want %d", code, cmdutil.ExitFailed)
	}
	if code := cmdutil.ExitCode(interrupted(cancelled, partial)); code != cmdutil.ExitPartial {
		t.Errorf("an interrupted bulk run: exit code %d, want %d (partial)", code, cmdutil.ExitPartial)
	}
	if got := interrupted(cancelled, nil); got != nil {
		t.Errorf("no error stays no error, got %v", got)
	}

	timedOut, cancelTimeout := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancelTimeout()
	<-timedOut.Done()
	if got := interrupted(timedOut, lost); got != lost {
		t.Errorf("a timeout is not an interrupt: got %v", got)
	}
}
