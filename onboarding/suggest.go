package onboarding

import (
	"context"
	"fmt"
	"strings"
)

// SuggestUsername picks a logon name for one person the way a plan would — the template's
// patterns, transliterated, then numbered — asking the directory about every candidate of a
// round in one call. A candidate is free only if candidate@upnSuffix is free too, since that
// becomes the UPN. It serves `user create` when the technician gives no --sam.
func SuggestUsername(ctx context.Context, tpl *Template, dir Directory, givenName, surname, upnSuffix string) (string, error) {
	gen, err := usernameGenerator(tpl)
	if err != nil {
		return "", err
	}
	row := &Row{GivenName: givenName, Surname: surname}
	bases := gen.bases(partsOf(row))
	if len(bases) == 0 {
		return "", &InputError{What: "username", Problems: []string{fmt.Sprintf("cannot make a username from %q %q with the patterns %s: give one with --sam",
			givenName, surname, strings.Join(tpl.Username.Patterns, ", "))}}
	}
	for round := range numberRounds {
		candidates := gen.candidates(bases, round)
		ask := append([]string(nil), candidates...)
		for _, c := range candidates {
			ask = append(ask, c+"@"+upnSuffix)
		}
		used, err := dir.NamesInUse(ctx, ask)
		if err != nil {
			return "", fmt.Errorf("check which usernames are taken: %w", err)
		}
		taken := lowerKeys(used)
		for _, c := range candidates {
			if !taken[c] && !taken[strings.ToLower(c+"@"+upnSuffix)] {
				return c, nil
			}
		}
	}
	return "", &InputError{What: "username", Problems: []string{fmt.Sprintf("every username tried for %s %s is taken: give one with --sam", givenName, surname)}}
}
