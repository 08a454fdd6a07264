package onboarding

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/directory"
)

// TestPlanChecksTemplateGroups: a group the template names must exist (one lookup for all of
// them). Missing where rows need it, or naming two groups, the plan stops with a template
// error (exit 2) naming key, group and rows; missing where no row of the file needs it, a
// warning.
func TestPlanChecksTemplateGroups(t *testing.T) {
	csv := "First Name,Last Name,Employee ID,Department,Job Title\n" +
		"Ana,Lee,1,Engineering,Engineer\n" +
		"Bo,Ek,2,Engineering,Engineer\n" +
		"Cy,Fu,3,Sales,Account Manager\n"

	t.Run("all present", func(t *testing.T) {
		d := newFakeDomain()
		plan := mustPlan(t, csv, d)
		if d.calls["GroupsByName"] != 1 || d.asked["GroupsByName"] != 4 {
			t.Errorf("GroupsByName: %d calls for %d names; want one call for the template's 4 groups", d.calls["GroupsByName"], d.asked["GroupsByName"])
		}
		for _, w := range plan.Warnings {
			if strings.Contains(w, "does not exist") {
				t.Errorf("warning %q", w)
			}
		}
	})

	t.Run("missing where rows need it", func(t *testing.T) {
		d := newFakeDomain()
		d.missingGroups["engineers"] = true
		d.ambiguousGroups["sales team"] = true
		_, err := Plan(context.Background(), sheetOf(t, csv), loadTestTemplate(t), d)
		var ie *InputError
		if !errors.As(err, &ie) || !errors.Is(err, directory.ErrInvalidInput) {
			t.Fatalf("err = %v; want a template error (exit 2)", err)
		}
		want := []string{
			`groups.by_department.Engineering: group "Engineers" does not exist in the directory (rows 2 and 3 need it); create the group, or correct its name in the template, then run again`,
			`groups.by_department.Sales: "Sales Team" names 2 groups (CN=Sales Team,OU=Groups,DC=corp,DC=example,DC=com; CN=Sales Team,OU=Old,DC=corp,DC=example,DC=com); name one by its sAMAccountName or DN`,
		}
		if strings.Join(ie.Problems, "\n") != strings.Join(want, "\n") {
			t.Errorf("problems:\n  %s\nwant\n  %s", strings.Join(ie.Problems, "\n  "), strings.Join(want, "\n  "))
		}
		if d.calls["ExistingByEmployeeID"]+d.calls["NamesInUse"] != 0 {
			t.Error("planning went on after the template error")
		}
	})

	t.Run("missing where no row needs it", func(t *testing.T) {
		d := newFakeDomain()
		d.missingGroups["helpdesk"] = true
		plan := mustPlan(t, csv, d)
		want := `groups.by_title.Help Desk Technician: group "Helpdesk" does not exist in the directory; no row of this file joins it, but correct the template before a file that does`
		found := false
		for _, w := range plan.Warnings {
			found = found || w == want
		}
		if !found {
			t.Errorf("warnings %q; want %q", plan.Warnings, want)
		}
		if c := plan.Counts(); c[ActionCreate] != 3 {
			t.Errorf("counts %v", c)
		}
	})
}

func TestRowList(t *testing.T) {
	for _, tc := range []struct {
		rows []int
		want string
	}{
		{[]int{4}, "row 4"},
		{[]int{2, 3}, "rows 2 and 3"},
		{[]int{2, 3, 7}, "rows 2, 3 and 7"},
		{[]int{2, 3, 4, 5, 6, 7, 8}, "rows 2, 3, 4, 5, 6 and 2 more"},
	} {
		if got := rowList(tc.rows); got != tc.want {
			t.Errorf("rowList(%v) = %q, want %q", tc.rows, got, tc.want)
		}
	}
}

// cloudLicences is a fakeDomain that is also a tenant with licences: the Entra ID client as
// the cloud planner sees it.
type cloudLicences struct {
	*fakeDomain
	have []string
}

func (c cloudLicences) UnknownLicences(_ context.Context, names []string) (unknown, have []string, err error) {
	for _, n := range names {
		if !slices.ContainsFunc(c.have, func(h string) bool { return strings.EqualFold(h, n) }) {
			unknown = append(unknown, n)
		}
	}
	return unknown, c.have, nil
}

// TestPlanChecksCloudGroupsAndLicences: with entra.mode: cloud the plan is made in Entra ID,
// so its cloud groups and licences are checked there as AD groups are (a template error
// naming the key, the name and the rows; no account is planned past it). With entra.mode:
// hybrid the plan is made in AD, which holds neither: they are left to the cloud step.
func TestPlanChecksCloudGroupsAndLicences(t *testing.T) {
	csv := "First Name,Last Name,Employee ID,Department,Job Title\n" +
		"Ana,Lee,1,Engineering,Engineer\n" +
		"Cy,Fu,3,Sales,Account Manager\n"
	tpl := func(mode string) *Template {
		extra := ""
		if mode == EntraModeHybrid {
			extra = "ou:\n  default: OU=Staff,DC=corp,DC=example,DC=com\n"
		}
		x, err := ParseTemplate(strings.NewReader("username:\n  patterns: [\"{first:1}{last}\"]\nupn_suffix: corp.example.com\n" + extra +
			"entra:\n  mode: " + mode + "\n  groups: [all-staff]\n  groups_by_department:\n    Sales: [sales-cloud]\n    Finance: [fin-cloud]\n" +
			"  licenses: [ENTERPRISEPACK, NOSUCHSKU]\n  usage_location: US\n"))
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	d := newFakeDomain()
	d.missingGroups["sales-cloud"], d.missingGroups["fin-cloud"] = true, true
	dir := cloudLicences{fakeDomain: d, have: []string{"ENTERPRISEPACK", "EMS"}}

	_, err := Plan(context.Background(), sheetOf(t, csv), tpl(EntraModeCloud), dir)
	var ie *InputError
	if !errors.As(err, &ie) || !errors.Is(err, directory.ErrInvalidInput) {
		t.Fatalf("cloud: err = %v; want a template error (exit 2)", err)
	}
	want := []string{
		`entra.groups_by_department.Sales: group "sales-cloud" does not exist in the directory (row 3 needs it); create the group, or correct its name in the template, then run again`,
		`entra.licenses: the tenant has no licence "NOSUCHSKU" (it has: ENTERPRISEPACK, EMS; rows 2 and 3 need it); correct its name in the template, or buy it, then run again`,
	}
	if strings.Join(ie.Problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("cloud: problems:\n  %s\nwant\n  %s", strings.Join(ie.Problems, "\n  "), strings.Join(want, "\n  "))
	}
	if d.calls["ExistingByEmployeeID"]+d.calls["NamesInUse"] != 0 {
		t.Error("cloud: planning went on after the template error")
	}

	d = newFakeDomain()
	d.missingGroups["sales-cloud"], d.missingGroups["all-staff"] = true, true
	plan, err := Plan(context.Background(), sheetOf(t, csv), tpl(EntraModeHybrid), cloudLicences{fakeDomain: d})
	if err != nil {
		t.Fatalf("hybrid: %v; the cloud groups and licences are not AD's to check", err)
	}
	if c := plan.Counts(); c[ActionCreate] != 2 || len(plan.Entries[1].CloudGroups) != 2 {
		t.Errorf("hybrid: counts %v, row 3's cloud groups %v", c, plan.Entries[1].CloudGroups)
	}

	// Hybrid: CheckCloudNames asks Entra ID (here a second fake) before anything is made,
	// with cloud mode's words; AD's groups are not its business.
	cloud := newFakeDomain()
	cloud.missingGroups["sales-cloud"], cloud.missingGroups["fin-cloud"] = true, true
	warnings, err := CheckCloudNames(context.Background(), tpl(EntraModeHybrid), plan, cloudLicences{fakeDomain: cloud, have: []string{"ENTERPRISEPACK", "EMS"}})
	if !errors.As(err, &ie) || !errors.Is(err, directory.ErrInvalidInput) {
		t.Fatalf("hybrid check: err = %v; want a template error (exit 2)", err)
	}
	want[0] = strings.Replace(want[0], "in the directory", "in Entra ID", 1)
	if strings.Join(ie.Problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("hybrid check: problems:\n  %s\nwant\n  %s", strings.Join(ie.Problems, "\n  "), strings.Join(want, "\n  "))
	}
	if len(warnings) != 0 {
		t.Errorf("hybrid check: warnings %v with an error", warnings)
	}
	cloud.missingGroups["sales-cloud"] = false
	warnings, err = CheckCloudNames(context.Background(), tpl(EntraModeHybrid), plan, cloudLicences{fakeDomain: cloud, have: []string{"ENTERPRISEPACK", "NOSUCHSKU"}})
	if err != nil || len(warnings) != 1 || !strings.HasPrefix(warnings[0], `entra.groups_by_department.Finance: group "fin-cloud" does not exist in Entra ID;`) {
		t.Errorf("hybrid check, all there but one no row needs: %v %v; want only a warning", warnings, err)
	}
}
