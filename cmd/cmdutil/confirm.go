package cmdutil

import (
	"errors"
	"fmt"

	"github.com/adkit-dev/adkit/internal/iostreams"
)

// Confirmer asks a yes/no question (prompt.Survey in production).
type Confirmer interface {
	Confirm(message string, def bool) (bool, error)
}

// ErrDeclined is returned when the person answered no.
var ErrDeclined = errors.New("cancelled: nothing was changed")

// ConfirmBulk guards a destructive action on several targets: it asks on a terminal, and
// without one it requires --yes, so a script can never block on a question nobody sees.
// One target, --yes or --dry-run: no question.
func ConfirmBulk(ios *iostreams.IOStreams, c Confirmer, yes, dryRun bool, n int, what string) error {
	if yes || dryRun || n <= 1 {
		return nil
	}
	if !ios.CanPrompt() {
		return FlagErrorf("%s on %d accounts needs --yes when not run from a terminal (or try --dry-run first)", what, n)
	}
	ok, err := c.Confirm(fmt.Sprintf("%s on %d accounts?", what, n), false)
	if err != nil {
		return err
	}
	if !ok {
		return ErrDeclined
	}
	return nil
}
