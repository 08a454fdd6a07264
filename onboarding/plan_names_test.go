package onboarding

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestNamesAskedLazilyChooseAsAskingEveryName: the planner asks the directory only about the
// names its choices need (each row's first names, then the rest of a round for the rows that
// need it). That must choose exactly what asking about every candidate of every round up
// front chooses — the rule as it was — for every row: its username, UPN, address, whether the
// directory had its names (which sends it to the employee-ID re-check), and why a row is
// invalid. Random files of namesakes (two rows with the same name, clashes inside one batch,
// an address that is another row's UPN: the template's UPN suffix and mail domain are the
// same) against directories holding random subsets of their candidate names.
func TestNamesAskedLazilyChooseAsAskingEveryName(t *testing.T) {
	firsts := []string{"John", "Jane", "Jo", "Anna", "Li"}
	lasts := []string{"Smith", "Smith2", "Lee", "Nguyen"}
	rnd := rand.New(rand.NewPCG(17, 2026))
	tpl := loadTestTemplate(t)
	for trial := range 60 {
		var b strings.Builder
		b.WriteString("First Name,Last Name,Employee ID\n")
		rows := 1 + rnd.IntN(20)
		for i := range rows {
			fmt.Fprintf(&b, "%s,%s,T%d-%d\n", firsts[rnd.IntN(len(firsts))], lasts[rnd.IntN(len(lasts))], trial, i)
		}
		sheet := sheetOf(t, b.String())
		d := takenNames{newFakeDomain(), map[string]bool{}}
		taken := rnd.Float64() * 0.9 // the share of the first two rounds' names the directory holds
		eager, err := newPlanner(sheet, tpl, d)
		if err != nil {
			t.Fatal(err)
		}
		jobs := eager.nameJobs()
		var all []string
		for _, j := range jobs {
			for round := range numberRounds {
				var names []string
				for _, c := range eager.users.candidates(j.userBases, round) {
					names = append(names, c, eager.upn(c))
				}
				for _, c := range eager.mails.candidates(j.mailBases, round) {
					names = append(names, eager.address(c))
				}
				all = append(all, names...)
				for _, n := range names {
					if round < 2 && rnd.Float64() < taken {
						d.taken[strings.ToLower(n)] = true
					}
				}
			}
		}
		claims := &nameClaims{asked: map[string]bool{}, inUse: map[string]bool{}}
		if err := claims.ask(context.Background(), d, all); err != nil {
			t.Fatal(err)
		}
		if err := eager.pickNames(context.Background(), jobs, claims); err != nil {
			t.Fatal(err)
		}

		lazy, err := newPlanner(sheet, tpl, d)
		if err != nil {
			t.Fatal(err)
		}
		d.calls["NamesInUse"] = 0
		if err := lazy.chooseNames(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := d.calls["NamesInUse"]; got > 2*len(numberRounds)+1 {
			t.Errorf("trial %d: NamesInUse called %d times", trial, got)
		}
		for i, want := range eager.entries {
			got := lazy.entries[i]
			if got.SAMAccountName != want.SAMAccountName || got.UserPrincipalName != want.UserPrincipalName || got.Mail != want.Mail ||
				got.Action != want.Action || got.Reason != want.Reason || lazy.collided[i] != eager.collided[i] {
				t.Fatalf("trial %d, row %d (%s %s): lazy chose %q %q %q %s %q collided=%v; asking every name chooses %q %q %q %s %q collided=%v\n%s",
					trial, got.Row, got.GivenName, got.Surname,
					got.SAMAccountName, got.UserPrincipalName, got.Mail, got.Action, got.Reason, lazy.collided[i],
					want.SAMAccountName, want.UserPrincipalName, want.Mail, want.Action, want.Reason, eager.collided[i], b.String())
			}
		}
	}
}

// takenNames is a directory that holds exactly the names in taken (lower case).
type takenNames struct {
	*fakeDomain
	taken map[string]bool
}

func (d takenNames) NamesInUse(_ context.Context, names []string) (map[string]bool, error) {
	d.count("NamesInUse", len(names))
	out := map[string]bool{}
	for _, n := range names {
		out[n] = d.taken[strings.ToLower(n)]
	}
	return out, nil
}
