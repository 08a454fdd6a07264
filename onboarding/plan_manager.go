package onboarding

import (
	"context"
	"fmt"
	"strings"
)

// resolveManagers looks every manager up in one call. A manager who is not found does not
// stop the row: HR data about managers is often a step behind, and an account without a
// manager is easily fixed later, whereas a new hire without an account on day one is not.
// The row carries a warning instead. A manager who is a new hire of the same file (their
// planned mail is the row's manager email) is set by apply once both accounts exist. An
// existing account (skip) that has no manager gets the row's, so that a run interrupted
// before it set a new hire's manager is finished by the next one; one that has a manager is
// left alone.
func (p *planner) resolveManagers(ctx context.Context) error {
	var idx []int
	var mails []string
	for i := range p.entries {
		e := &p.entries[i]
		if e.ManagerEmail == "" || !(e.Action == ActionCreate || e.Action == ActionSkip && p.noManager[i]) {
			continue
		}
		idx = append(idx, i)
		mails = append(mails, strings.ToLower(e.ManagerEmail))
	}
	if len(mails) == 0 {
		return nil
	}
	found, err := p.dir.ManagersByMail(ctx, uniqueFold(mails))
	if err != nil {
		return fmt.Errorf("look up managers by email address: %w", err)
	}
	managers := lowerKeys(found)
	newHires := map[string]int{} // planned mail → entry, for managers who start with their team
	for i, e := range p.entries {
		if e.Action == ActionCreate && e.Mail != "" {
			newHires[strings.ToLower(e.Mail)] = i
		}
	}
	for _, i := range idx {
		e := &p.entries[i]
		key := strings.ToLower(e.ManagerEmail)
		create := e.Action == ActionCreate
		if dn, ok := managers[key]; ok && dn != "" {
			if !create && strings.EqualFold(dn, e.DN) {
				continue // the account would be its own manager
			}
			e.Manager = dn
			if !create {
				e.Reason += fmt.Sprintf("; it has no manager: apply sets %s", e.ManagerEmail)
			}
			continue
		}
		if j, ok := newHires[key]; ok {
			m := p.entries[j]
			if j == i {
				p.warn(i, fmt.Sprintf("manager %s is this row's own new address; the account is created without a manager", e.ManagerEmail))
				continue
			}
			e.Manager, e.ManagerRow = m.DN, m.Row // set by apply once both accounts exist
			if !create {
				e.Reason += fmt.Sprintf("; it has no manager: apply sets %s (row %d, created in this run)", e.ManagerEmail, m.Row)
			}
			continue
		}
		if create {
			p.warn(i, fmt.Sprintf("manager %s was not found in the directory; the account is created without a manager", e.ManagerEmail))
		}
	}
	return nil
}
