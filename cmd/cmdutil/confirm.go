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
// One target, --yes or --dry-run: no question. The question names the accounts: the first
// few and the count, as offboarding does.
func ConfirmBulk(ios *iostreams.IOStreams, c Confirmer, yes, dryRun bool, targets []string, what string) error {
	n := len(targets)
	if yes || dryRun || n <= 1 {
		return nil
	}
	if !ios.CanPrompt() {
		return FlagErrorf("%s: %d accounts (%s) needs --yes when not run from a terminal (or try --dry-run first); nothing was changed", what, n, NameList(targets))
	}
	ok, err := c.Confirm(fmt.Sprintf("%s: %d accounts (%s)?", what, n, NameList(targets)), false)
	if err != nil {
		return err
	}
	if !ok {
		return ErrDeclined
	}
	return nil
}
