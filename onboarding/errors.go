package onboarding

import (
	"fmt"
	"strings"

	"github.com/adkit-dev/adkit/internal/directory"
)

// InputError is a problem with the template or with the CSV file as a whole: nothing can be
// planned from it. It wraps directory.ErrInvalidInput, so the command exits 2, and the
// underlying cause (a *fs.PathError, say) when there is one.
type InputError struct {
	What     string   // what was being read: "template onboarding.yaml", "CSV file"
	Problems []string // each names the key, row or column at fault, in the file's order
	Err      error
}

func (e *InputError) Error() string {
	what := e.What
	if what == "" {
		what = "invalid input"
	}
	switch {
	case len(e.Problems) == 1:
		return what + ": " + e.Problems[0]
	case len(e.Problems) > 1:
		return fmt.Sprintf("%s: %d problems:\n  %s", what, len(e.Problems), strings.Join(e.Problems, "\n  "))
	case e.Err != nil:
		return what + ": " + e.Err.Error()
	default:
		return what + ": invalid"
	}
}

// Unwrap gives errors.Is both the exit-code class and the cause.
func (e *InputError) Unwrap() []error {
	if e.Err == nil {
		return []error{directory.ErrInvalidInput}
	}
	return []error{directory.ErrInvalidInput, e.Err}
}
