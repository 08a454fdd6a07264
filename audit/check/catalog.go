package check

import (
	"fmt"
	"slices"
	"strings"
)

// Check is one audit check. Its ID is stable: scripts select checks by it (--check) and
// compare reports over time.
type Check struct {
	ID       string
	Severity Severity
	// Title says what the check finds, in one line.
	Title string
	// Why says why it matters; Fix how to remedy it.
	Why string
	Fix string
	// NeedsACLs: the check reads security descriptors, which cost extra searches.
	NeedsACLs bool
	// NeedsBaseline: the check compares with a snapshot and runs only when one is given.
	NeedsBaseline bool
	// Entra says what an Entra ID check reads besides users and roles.
	Entra EntraNeeds

	find      func(*scan) []Finding      // Active Directory checks
	entraFind func(*entraScan) []Finding // Entra ID checks
}

// Catalog returns every check, in the order reports list findings of equal severity.
func Catalog() []Check {
	return slices.Concat(privilegeChecks(), accountChecks(), kerberosChecks(), delegationChecks(), domainChecks(), aclChecks(), driftChecks())
}

// EntraCatalog returns every Entra ID check, in report order for equal severities.
func EntraCatalog() []Check { return entraChecks() }

// Select returns the checks with the given IDs (all of them when ids is empty), in catalog
// order. An unknown ID is an error that lists the valid ones.
func Select(ids []string) ([]Check, error) {
	return selectFrom(Catalog(), EntraCatalog(), "entra", ids)
}

// SelectEntra is Select over the Entra ID checks.
func SelectEntra(ids []string) ([]Check, error) {
	return selectFrom(EntraCatalog(), Catalog(), "ad", ids)
}

// selectFrom selects from all; an ID of the other directory's catalog says which --target
// it belongs to.
func selectFrom(all, other []Check, otherTarget string, ids []string) ([]Check, error) {
	if len(ids) == 0 {
		return all, nil
	}
	want := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if !slices.ContainsFunc(all, func(c Check) bool { return c.ID == id }) {
			if slices.ContainsFunc(other, func(c Check) bool { return c.ID == id }) {
				return nil, fmt.Errorf("check %q is for --target %s", id, otherTarget)
			}
			names := make([]string, len(all))
			for i, c := range all {
				names[i] = c.ID
			}
			return nil, fmt.Errorf("unknown check %q; the checks are: %s", id, strings.Join(names, ", "))
		}
		want[id] = true
	}
	return slices.DeleteFunc(all, func(c Check) bool { return !want[c.ID] }), nil
}

// NeedACLs reports whether any of the checks reads security descriptors.
func NeedACLs(checks []Check) bool {
	return slices.ContainsFunc(checks, func(c Check) bool { return c.NeedsACLs })
}

// single wraps the objects of a check that produces one finding (or none).
func single(objects []Object) []Finding {
	if len(objects) == 0 {
		return nil
	}
	return []Finding{{Objects: objects}}
}
