package onboarding

import (
	"context"
	"fmt"
	"strings"
)

// resolveManagers looks every manager up in one call. A manager who is not found does not
// stop the row: HR data about managers is often a step behind, and an account without a
// manager is easily fixed later, whereas a new hire without an account on day one is not.
// The row carries a warning instead.
func (p *planner) resolveManagers(ctx context.Context) error {
	var mails []string
	for _, i := range p.creating() {
		if m := p.entries[i].ManagerEmail; m != "" {
			mails = append(mails, strings.ToLower(m))
		}
	}
	if len(mails) == 0 {
		return nil
	}
	found, err := p.dir.ManagersByMail(ctx, uniqueFold(mails))
	if err != nil {
		return fmt.Errorf("look up managers by email address: %w", err)
	}
	managers := lowerKeys(found)
	newHires := map[string]int{} // planned mail → row, for managers who start with their team
	for _, e := range p.entries {
		if e.Action == ActionCreate && e.Mail != "" {
			newHires[e.Mail] = e.Row
		}
	}
	for _, i := range p.creating() {
		e := &p.entries[i]
		if e.ManagerEmail == "" {
			continue
		}
		key := strings.ToLower(e.ManagerEmail)
		if dn, ok := managers[key]; ok && dn != "" {
			e.Manager = dn
			continue
		}
		if row, ok := newHires[key]; ok {
			p.warn(i, fmt.Sprintf("manager %s is a new hire on row %d; the account is created without a manager: set it once both accounts exist",
				e.ManagerEmail, row))
			continue
		}
		p.warn(i, fmt.Sprintf("manager %s was not found in the directory; the account is created without a manager", e.ManagerEmail))
	}
	return nil
}
