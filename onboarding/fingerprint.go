package onboarding

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/adkit-dev/adkit/internal/planfile"
)

// Fingerprint asks the directory, in a handful of batched look-ups, about everything each
// entry of the plan depends on, and returns one planfile.Row per entry with those facts:
// for a row to create, that its employee ID has no account yet, that its username, UPN, mail
// and DN are free, that its OU exists, which DN each of its groups is, and its manager's DN;
// for an existing account to finish, that the employee ID is still that account, and its
// groups and manager. `onboard plan --out` stores them; `onboard apply --plan` asks again and
// refuses rows whose facts changed (planfile.Compare). Invalid rows and repeats depend on
// nothing in the directory.
func Fingerprint(ctx context.Context, p *PlanResult, dir Directory) ([]planfile.Row, error) {
	var ids, names, dns, mails, groups []string
	for _, e := range p.Entries {
		switch {
		case e.Action == ActionCreate:
			ids = append(ids, e.EmployeeID)
			names = appendNonEmpty(appendNonEmpty(appendNonEmpty(names, e.SAMAccountName), e.UserPrincipalName), e.Mail)
			dns = appendNonEmpty(appendNonEmpty(dns, e.DN), e.OU)
		case e.Action == ActionSkip && e.DN != "":
			ids = append(ids, e.EmployeeID)
		default:
			continue
		}
		groups = append(groups, e.Groups...)
		if e.Manager != "" && e.ManagerRow == 0 && e.ManagerEmail != "" {
			mails = append(mails, e.ManagerEmail)
		}
	}
	existing, err := dir.ExistingByEmployeeID(ctx, uniqueFold(ids))
	if err != nil {
		return nil, fmt.Errorf("fingerprint the plan: look up employee IDs: %w", err)
	}
	used, err := dir.NamesInUse(ctx, uniqueFold(names))
	if err != nil {
		return nil, fmt.Errorf("fingerprint the plan: check names: %w", err)
	}
	present, err := dir.DNsInUse(ctx, uniqueFold(dns))
	if err != nil {
		return nil, fmt.Errorf("fingerprint the plan: check DNs and OUs: %w", err)
	}
	managers, err := dir.ManagersByMail(ctx, uniqueFold(mails))
	if err != nil {
		return nil, fmt.Errorf("fingerprint the plan: look up managers: %w", err)
	}
	groupDNs, err := dir.GroupsByName(ctx, uniqueFold(groups))
	if err != nil {
		return nil, fmt.Errorf("fingerprint the plan: look up groups: %w", err)
	}
	existing, used, present, managers, groupDNs = lowerKeys(existing), lowerKeys(used), lowerKeys(present), lowerKeys(managers), lowerKeys(groupDNs)

	free := func(taken bool) string {
		if taken {
			return planfile.Taken
		}
		return planfile.Free
	}
	rows := make([]planfile.Row, 0, len(p.Entries))
	for _, e := range p.Entries {
		var facts []planfile.Fact
		add := func(k, v string) { facts = append(facts, planfile.Fact{Key: k, Value: v}) }
		if e.Action == ActionCreate || (e.Action == ActionSkip && e.DN != "") {
			account := "none"
			u := existing[strings.ToLower(e.EmployeeID)]
			// An account this very plan created, in an earlier run of apply that did not
			// finish: the row still does what was approved (its groups, its manager), so its
			// facts read as planned. Planning never sees this: such a row would be a skip.
			ours := e.Action == ActionCreate && u != nil && planned(e, u.DN, u.UserPrincipalName)
			if u != nil && !ours {
				account = firstNonEmpty(u.DN, u.ID)
			}
			add("employee_id:"+e.EmployeeID, account)
			if e.Action == ActionCreate {
				for _, n := range uniqueFold([]string{e.SAMAccountName, e.UserPrincipalName, e.Mail}) {
					if n != "" {
						add("name:"+n, free(used[strings.ToLower(n)] && !ours))
					}
				}
				if e.DN != "" {
					add("dn:"+e.DN, free(present[strings.ToLower(e.DN)] && !ours))
				}
				if e.OU != "" {
					state := planfile.Missing
					if present[strings.ToLower(e.OU)] {
						state = planfile.Exists
					}
					add("ou:"+e.OU, state)
				}
			}
			for _, g := range e.Groups {
				found := append([]string(nil), groupDNs[strings.ToLower(g)]...)
				sort.Strings(found)
				v := strings.Join(found, " | ")
				if v == "" {
					v = planfile.Missing
				}
				add("group:"+g, v)
			}
			if e.Manager != "" && e.ManagerRow == 0 && e.ManagerEmail != "" {
				add("manager:"+e.ManagerEmail, firstNonEmpty(managers[strings.ToLower(e.ManagerEmail)], planfile.Missing))
			}
		}
		rows = append(rows, planfile.NewRow(e.Row, e.Action, firstNonEmpty(e.SAMAccountName, e.EmployeeID), facts))
	}
	return rows, nil
}

// planned says whether an account found by the entry's employee ID is the one the entry
// planned to create: the same DN (AD), or the same UPN (Entra ID, which has no DNs).
func planned(e Entry, dn, upn string) bool {
	if e.DN != "" {
		return strings.EqualFold(e.DN, dn)
	}
	return e.UserPrincipalName != "" && strings.EqualFold(e.UserPrincipalName, upn)
}
