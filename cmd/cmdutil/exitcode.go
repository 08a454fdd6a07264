package cmdutil

import (
	"errors"
	"strings"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// Exit codes (spec: "Exit codes").
const (
	ExitOK       = 0
	ExitFailed   = 1
	ExitUsage    = 2
	ExitNotFound = 3
	ExitPartial  = 4
	ExitFindings = 5
)

// ExitCode maps an error to the spec's exit codes.
func ExitCode(err error) int {
	var flagErr *FlagError
	var partial *PartialError
	var findings *FindingsError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &findings):
		return ExitFindings
	case errors.As(err, &partial):
		return ExitPartial
	case errors.Is(err, audit.ErrAuditUnavailable):
		return ExitFailed
	case errors.As(err, &flagErr), errors.Is(err, directory.ErrInvalidInput), errors.Is(err, directory.ErrUnsupported):
		return ExitUsage
	case errors.Is(err, directory.ErrNotFound):
		return ExitNotFound
	case IsCobraUsageError(err):
		return ExitUsage
	default:
		return ExitFailed
	}
}

// IsCobraUsageError recognises the errors cobra makes itself for unknown commands.
func IsCobraUsageError(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown shorthand flag") ||
		strings.HasPrefix(msg, "unknown flag") || strings.HasPrefix(msg, "invalid argument")
}
