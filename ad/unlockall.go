package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/adkit-dev/adkit/internal/directory"
)

// UnlockAllDCs unlocks the account on every writable DC, each its own audited change whose
// record names that DC as its server. Unlocking on one DC is not enough in practice: the
// unlock reaches the others only by replication, and (on Samba) a DC that has not seen it keeps
// its own badPwdCount, so one more typo there locks the account again.
// A DC that does not answer is named in the note and the error; the others are still unlocked.
func (c *Client) UnlockAllDCs(ctx context.Context, ident string) (directory.Outcome, error) {
	dcs, err := c.DomainControllers(ctx)
	if err != nil {
		return directory.Outcome{}, err
	}
	var out directory.Outcome
	var notes []string
	var errs []error
	var notFound error // the account was not on a DC; an error only if it is on none
	for _, dc := range dcs {
		if !dc.Writable {
			continue
		}
		on, release, err := c.onDC(ctx, dc)
		if err != nil {
			notes = append(notes, dc.Host+": did not answer")
			errs = append(errs, fmt.Errorf("%s: %w", dc.Host, err))
			continue
		}
		defer release()
		o, err := on.Unlock(ctx, ident)
		if err != nil {
			if errors.Is(err, directory.ErrNotFound) && len(dcs) > 1 {
				// Created on another DC and not replicated here yet: nothing to unlock.
				notes = append(notes, dc.Host+": account not there yet")
				if notFound == nil {
					notFound = err
				}
				continue
			}
			if out.User == nil && len(dcs) == 1 {
				return o, err
			}
			notes = append(notes, dc.Host+": failed")
			errs = append(errs, fmt.Errorf("%s: %w", dc.Host, err))
			continue
		}
		if out.User == nil {
			out.User = o.User
		}
		out.Changed = out.Changed || o.Changed
		out.WouldChange = out.WouldChange || o.WouldChange
		notes = append(notes, dc.Host+": "+o.Note)
	}
	out.Note = strings.Join(notes, "; ")
	if out.User == nil && notFound != nil && len(errs) == 0 {
		return out, notFound // on no DC that answered: a typo, not replication lag
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("unlock %s on every DC: not done on %d of them (%w); run the command again once they answer", ident, len(errs), errors.Join(errs...))
	}
	return out, nil
}
