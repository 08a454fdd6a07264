package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// A create finds its userPrincipalName (or employee ID) taken. When the account there is the
// one this run asked for (same UPN, names and employee ID), it was made by another run: one
// running at the same time, or an earlier one interrupted after sending its create. The
// tenant holds what was asked, so this run's create is "skipped", not "error", and an earlier
// create left "unknown" is settled ("ok", settled later). Only intents already recorded
// "unknown" are settled: an intent with no outcome yet may be a run still waiting for its
// answer, which will write its own.

// takenError is a create refused because another run made the same account. It reads as a
// refusal of the name (exit 2: nothing this run can do makes it), and is recorded "skipped".
// It carries the account found there, so that CreateAccount need not look it up again.
type takenError struct {
	user *directory.User
}

func (e *takenError) Error() string {
	return fmt.Sprintf("an account with that userPrincipalName already exists: %s (%s), as this run asked, made by another run; "+
		"this run set no password on it: to hand one over, run adkit user reset-password %s", e.user.UserPrincipalName, e.user.ID, e.user.UserPrincipalName)
}

func (e *takenError) Is(target error) bool {
	return target == audit.ErrSkipped || target == directory.ErrInvalidInput
}

// takenSelect is what taken reads of the account there: what it compares, and what
// ExistingByEmployeeID reads (lookupSelect), since CreateAccount returns that account.
var takenSelect = append(slices.Clone(lookupSelect), "givenName", "surname")

// taken explains refusal, a create's name found taken: a takenError when the account there
// is a as asked (and an earlier run's lost create of it is settled), else refusal, saying how
// the account there differs. A failure to look the account up leaves refusal as it is.
func (c *Client) taken(ctx context.Context, a directory.NewAccount, refusal error) error {
	m, err := c.findUser(ctx, a.UserPrincipalName, takenSelect)
	if err != nil {
		return refusal
	}
	u := userFromModel(m)
	var diff []string
	for _, f := range []struct{ name, asked, there string }{
		{"given name", a.GivenName, u.GivenName}, {"surname", a.Surname, u.Surname}, {"employee ID", a.EmployeeID, u.EmployeeID},
	} {
		if !strings.EqualFold(strings.TrimSpace(f.asked), f.there) {
			diff = append(diff, fmt.Sprintf("%s %q, not %q", f.name, f.there, f.asked))
		}
	}
	if len(diff) > 0 {
		return fmt.Errorf("%w; it is not the account this run asked for (%s %s: %s)", refusal, u.UserPrincipalName, u.ID, strings.Join(diff, ", "))
	}
	c.settleUnknownCreates(ctx, u)
	return &takenError{user: u}
}

// settleUnknownCreates settles the user.create intents of earlier runs for u's UPN that
// were recorded "unknown" (their answer lost): u is the account they asked for. It looks at
// the run's view of the open intents (audit.Trail.SettleEarlier: the log read once per run),
// not at the log itself: a file of 200 hires whose names are all taken reads it once, not
// 200 times. An intent still without an outcome is left alone (see above).
func (c *Client) settleUnknownCreates(ctx context.Context, u *directory.User) {
	if c.DryRun() {
		return
	}
	note := fmt.Sprintf("a later run found the account %s (%s) as that run asked for it", u.UserPrincipalName, u.ID)
	_, _ = c.trail.SettleEarlier(ctx, unknownCreateOf(u.UserPrincipalName), note)
}

// isTaken reports whether err is Graph's refusal of a create whose userPrincipalName exists.
func isTaken(err error) bool {
	var re *RefusedError
	return errors.As(err, &re) && strings.Contains(strings.ToLower(re.Message), "same value for property userprincipalname")
}
