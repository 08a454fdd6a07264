package onboarding

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// templateGroup is one group name the template gives, with the keys that give it.
type templateGroup struct {
	name string
	keys []string // "groups.all", "groups.by_department.Engineering", ...
	rows []int    // rows of this file that would join it
}

// checkGroups makes sure, in one lookup, that every group the template names exists and is
// one group. A group that rows of this file would join and that is missing (a typo, or not
// created yet) stops the plan with one template-level error naming the key, the group and
// the rows: better than creating the accounts and failing every one of them half-way. A
// missing group that no row of this file uses is a warning: the template is wrong, but not
// for these rows. In cloud mode the directory is Entra ID, so entra.groups are checked so,
// and entra.licenses too (checkLicences).
func (p *planner) checkGroups(ctx context.Context) error {
	problems, err := p.groupProblems(ctx)
	if err != nil {
		return err
	}
	more, err := p.checkLicences(ctx)
	if err != nil {
		return err
	}
	if problems = append(problems, more...); len(problems) > 0 {
		return &InputError{What: "template", Problems: problems}
	}
	return nil
}

// groupLookup is where groupProblems looks the template's groups up: the directory planned
// in (Directory), or Entra ID beside it (CloudCatalogue, hybrid mode).
type groupLookup interface {
	GroupsByName(ctx context.Context, names []string) (map[string][]string, error)
}

// groupProblems is checkGroups for the groups: one problem per group rows need and the
// directory lacks or holds twice.
func (p *planner) groupProblems(ctx context.Context) ([]string, error) {
	groups := p.templateGroups()
	if len(groups) == 0 {
		return nil, nil
	}
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.name
	}
	var lookup groupLookup = p.dir
	in := "the directory"
	if p.entraOnly != nil {
		lookup, in = p.entraOnly, "Entra ID" // a hybrid plan's "directory" is AD
	}
	found, err := lookup.GroupsByName(ctx, names)
	if err != nil {
		return nil, fmt.Errorf("check the template's groups: %w", err)
	}
	dns := lowerKeys(found)
	var problems []string
	for _, g := range groups {
		where := strings.Join(g.keys, ", ")
		switch matches := dns[strings.ToLower(g.name)]; {
		case len(matches) == 1:
		case len(matches) > 1:
			sort.Strings(matches)
			problems = append(problems, fmt.Sprintf("%s: %q names %d groups (%s); name one by its sAMAccountName or DN",
				where, g.name, len(matches), strings.Join(matches, "; ")))
		case len(g.rows) > 0:
			problems = append(problems, fmt.Sprintf("%s: group %q does not exist in %s (%s %s it); "+
				"create the group, or correct its name in the template, then run again", where, g.name, in, rowList(g.rows), needVerb(len(g.rows))))
		default:
			p.extraWarnings = append(p.extraWarnings, fmt.Sprintf("%s: group %q does not exist in %s; no row of this file joins it, "+
				"but correct the template before a file that does", where, g.name, in))
		}
	}
	return problems, nil
}

// templateGroups lists every group name of groups.all, groups.by_department and
// groups.by_title (in cloud mode, entra.groups and entra.groups_by_department too) once (compared without regard to case, as the directory does), in the
// template's order, with the rows to create that would join it.
func (p *planner) templateGroups() []*templateGroup {
	var out []*templateGroup
	byName := map[string]*templateGroup{}
	add := func(key string, names []string) {
		for _, n := range names {
			k := strings.ToLower(strings.TrimSpace(n))
			if k == "" {
				continue
			}
			g := byName[k]
			if g == nil {
				g = &templateGroup{name: n}
				byName[k] = g
				out = append(out, g)
			}
			if len(g.keys) == 0 || g.keys[len(g.keys)-1] != key {
				g.keys = append(g.keys, key)
			}
		}
	}
	if p.entraOnly == nil { // the hybrid check (CheckCloudNames) leaves AD's groups to Plan
		add("groups.all", p.tpl.Groups.All)
		for _, d := range sortedKeys(p.tpl.Groups.ByDepartment) {
			add("groups.by_department."+d, p.tpl.Groups.ByDepartment[d])
		}
		for _, t := range sortedKeys(p.tpl.Groups.ByTitle) {
			add("groups.by_title."+t, p.tpl.Groups.ByTitle[t])
		}
	}
	// In cloud mode the directory planned in is Entra ID, which holds these; in hybrid mode
	// CheckCloudNames looks them up there.
	cloud := p.tpl.Entra.CloudOnly() || p.entraOnly != nil
	if cloud {
		add("entra.groups", p.tpl.Entra.Groups)
		for _, d := range sortedKeys(p.tpl.Entra.GroupsByDepartment) {
			add("entra.groups_by_department."+d, p.tpl.Entra.GroupsByDepartment[d])
		}
	}
	for _, e := range p.entries {
		if e.Action != ActionCreate {
			continue
		}
		names := e.Groups
		if p.entraOnly != nil {
			names = p.tpl.CloudGroupsFor(e.Department)
		} else if cloud {
			names = append(append([]string(nil), e.Groups...), p.tpl.CloudGroupsFor(e.Department)...)
		}
		for _, n := range names {
			if g := byName[strings.ToLower(strings.TrimSpace(n))]; g != nil {
				g.rows = append(g.rows, e.Row)
			}
		}
	}
	return out
}

// rowList says which rows: "row 4", "rows 2, 3 and 7", "rows 2, 3, 4, 5, 6 and 195 more".
func rowList(rows []int) string {
	if len(rows) == 1 {
		return fmt.Sprintf("row %d", rows[0])
	}
	const shown = 5
	parts := make([]string, 0, shown)
	for _, r := range rows[:min(len(rows), shown)] {
		parts = append(parts, fmt.Sprint(r))
	}
	if len(rows) > shown {
		return fmt.Sprintf("rows %s and %d more", strings.Join(parts, ", "), len(rows)-shown)
	}
	return fmt.Sprintf("rows %s and %s", strings.Join(parts[:len(parts)-1], ", "), parts[len(parts)-1])
}

func needVerb(n int) string {
	if n == 1 {
		return "needs"
	}
	return "need"
}

// LicenceDirectory is a Directory that holds licences (Entra ID). In cloud mode Plan checks
// entra.licenses against it, as it checks the groups.
type LicenceDirectory interface {
	// UnknownLicences returns the names (SKU part numbers or ids) the tenant has no licence
	// for, and the part numbers of those it has.
	UnknownLicences(ctx context.Context, names []string) (unknown, have []string, err error)
}

// checkLicences is checkGroups for entra.licenses in cloud mode: a licence the tenant does
// not have would fail every account after it is made ("account created, but …"), and a
// re-run would fail the same way until the template is corrected, so the plan stops first.
// In hybrid mode the accounts are planned in AD, where no licence is known: CheckCloudNames
// asks Entra ID.
func (p *planner) checkLicences(ctx context.Context) ([]string, error) {
	var ld LicenceDirectory
	switch {
	case p.entraOnly != nil:
		ld = p.entraOnly
	case p.tpl.Entra.CloudOnly():
		ld, _ = p.dir.(LicenceDirectory)
	}
	if ld == nil || len(p.tpl.Entra.Licenses) == 0 {
		return nil, nil
	}
	var rows []int
	for _, e := range p.entries {
		if e.Action == ActionCreate {
			rows = append(rows, e.Row)
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	unknown, have, err := ld.UnknownLicences(ctx, p.tpl.Entra.Licenses)
	if err != nil {
		return nil, fmt.Errorf("check the template's licences: %w", err)
	}
	var problems []string
	for _, l := range unknown {
		problems = append(problems, fmt.Sprintf("entra.licenses: the tenant has no licence %q (it has: %s; %s %s it); "+
			"correct its name in the template, or buy it, then run again", l, strings.Join(have, ", "), rowList(rows), needVerb(len(rows))))
	}
	return problems, nil
}

// CloudCatalogue is Entra ID as a hybrid plan checks the template's entra: section against
// it: its groups and its licences. The graph client satisfies it.
type CloudCatalogue interface {
	groupLookup
	LicenceDirectory
}

// CheckCloudNames is, for entra.mode: hybrid, what Plan does in cloud mode: entra.groups,
// entra.groups_by_department and entra.licenses are looked up in Entra ID, and one that rows
// to create need and the tenant lacks is an *InputError naming the key, the name and the
// rows (exit 2). Hybrid accounts are planned in AD, which knows none of them; without this
// the AD accounts were made first, and each row then failed in the cloud step ("account
// created, but …"), as would every re-run. The warnings are about names no row of this file
// needs. It changes nothing.
func CheckCloudNames(ctx context.Context, tpl *Template, plan *PlanResult, cloud CloudCatalogue) ([]string, error) {
	if !tpl.Entra.Hybrid() || cloud == nil {
		return nil, nil
	}
	p := &planner{tpl: tpl, entries: plan.Entries, entraOnly: cloud}
	if err := p.checkGroups(ctx); err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return nil, err
		}
		return nil, fmt.Errorf("check the template's entra: section in Entra ID: %w", err)
	}
	return p.extraWarnings, nil
}
