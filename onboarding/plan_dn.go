package onboarding

import (
	"context"
	"fmt"
	"strings"
)

// chooseDNs names each account CN=<display name> in its OU. A CN must be unique within an
// OU, so when the directory or an earlier row already has that name the username is added:
// "CN=John Smith (jsmith2)". Both forms of every row go to the directory in one call.
func (p *planner) chooseDNs(ctx context.Context) error {
	idx := p.creating()
	if len(idx) == 0 || p.tpl.Entra.CloudOnly() { // Entra ID has no DNs
		return nil
	}
	plain := make(map[int]string, len(idx))
	alt := make(map[int]string, len(idx))
	var ask []string
	for _, i := range idx {
		e := &p.entries[i]
		plain[i] = userDN(commonName(e.DisplayName), e.OU)
		alt[i] = userDN(commonNameWith(e.DisplayName, e.SAMAccountName), e.OU)
		ask = append(ask, plain[i], alt[i])
	}
	used, err := p.dir.DNsInUse(ctx, uniqueFold(ask))
	if err != nil {
		return fmt.Errorf("check which account names are taken in their OUs: %w", err)
	}
	inUse := lowerKeys(used)
	takenBy := map[string]int{} // DN → row that chose it
	free := func(dn string) bool {
		k := strings.ToLower(dn)
		_, taken := takenBy[k]
		return !inUse[k] && !taken
	}
	for _, i := range idx {
		e := &p.entries[i]
		if inUse[strings.ToLower(plain[i])] {
			p.collided[i] = true
		}
		switch {
		case free(plain[i]):
			e.DN = plain[i]
		case free(alt[i]):
			e.DN = alt[i]
			where := "is already used in " + e.OU
			if row, ok := takenBy[strings.ToLower(plain[i])]; ok {
				where = fmt.Sprintf("is row %d's name in %s", row, e.OU)
			}
			p.warn(i, fmt.Sprintf("%q %s, so the account is named %q",
				"CN="+commonName(e.DisplayName), where, commonNameWith(e.DisplayName, e.SAMAccountName)))
		default:
			p.invalidate(i, fmt.Sprintf("both %s and %s already exist", plain[i], alt[i]))
			continue
		}
		takenBy[strings.ToLower(e.DN)] = e.Row
	}
	return nil
}
