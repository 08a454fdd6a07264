// Package cmdutil holds what every command shares: the error types that decide exit codes,
// argument checks, and the loop over several targets.
package cmdutil

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/adkit-dev/adkit/internal/directory"
)

// FlagError is bad usage: an unknown flag, a missing argument, a value that cannot work (exit 2).
// Usage marks mistakes in the command line itself, where pointing at --help helps.
type FlagError struct {
	Err   error
	Usage bool
}

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf formats a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// PartialError is a run over several targets where some failed and the rest succeeded (exit 4).
// Each failure has already been reported on stderr by the time it is returned.
type PartialError struct {
	Failed, Total int
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("%d of %d failed", e.Failed, e.Total)
}

// FindingsError is an audit run with findings at or above --fail-on (exit 5).
type FindingsError struct {
	Count     int
	Threshold string
}

func (e *FindingsError) Error() string {
	return fmt.Sprintf("%d finding(s) at or above %s", e.Count, e.Threshold)
}

// ErrSilent ends a command with exit 1 when the failure has already been reported.
var ErrSilent = errors.New("silent error")

// TargetError ties a failure to the account it happened on, for the per-target report.
type TargetError struct {
	Target string
	Err    error
}

func (e *TargetError) Error() string {
	msg := e.Err.Error()
	// Most errors already name the account, often quoted ("x\\y" for x\y); do not say it
	// twice. A blank target ("   ") has nothing to add.
	if strings.Contains(msg, e.Target) || strings.Contains(msg, strconv.Quote(e.Target)) || strings.TrimSpace(e.Target) == "" {
		return msg
	}
	return e.Target + ": " + msg
}

func (e *TargetError) Unwrap() error { return e.Err }

// UnsupportedError is an operation the chosen directory does not have (exit 2); its message
// says what to use instead.
type UnsupportedError struct{ Message string }

func (e *UnsupportedError) Error() string { return e.Message }
func (e *UnsupportedError) Unwrap() error { return directory.ErrUnsupported }

// Unsupported returns an UnsupportedError.
func Unsupported(message string) error { return &UnsupportedError{Message: message} }

// OnlyFor refuses a command on the directory it has no meaning for, before it connects:
// entra says whether the command is for Entra ID only (true) or for Active Directory only
// (false); when target (Factory.Target) names the other directory, message says what to do
// instead (an UnsupportedError, exit 2).
func OnlyFor(target func() (string, error), entra bool, message string) error {
	t, err := target()
	if err != nil {
		return err
	}
	if (t == "entra") != entra {
		return Unsupported(message)
	}
	return nil
}
