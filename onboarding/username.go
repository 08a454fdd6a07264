package onboarding

import (
	"slices"
	"strconv"
	"strings"

	"github.com/adkit-dev/adkit/internal/directory"
)

// asciiFold is the shared folding rule (directory.ASCIIFold): user rename derives mail
// addresses with it too.
func asciiFold(s string) string { return directory.ASCIIFold(s) }

// tidyName collapses runs of dots and trims separators from both ends: AD refuses a
// sAMAccountName ending in a dot, and mail refuses a local part starting or ending with one.
func tidyName(s string) string {
	for strings.Contains(s, "..") {
		s = strings.ReplaceAll(s, "..", ".")
	}
	return strings.Trim(s, ".-_")
}

// truncateName cuts a name to max characters and tidies the cut end.
func truncateName(s string, max int) string {
	if len(s) > max {
		s = tidyName(s[:max])
	}
	return s
}

// numberedName appends n to base, shortening base so that the result still fits in max.
func numberedName(base string, n, max int) string {
	suffix := strconv.Itoa(n)
	if len(base)+len(suffix) > max {
		if max <= len(suffix) {
			return ""
		}
		base = tidyName(base[:max-len(suffix)])
	}
	if base == "" {
		return ""
	}
	return base + suffix
}

// nameGenerator makes the candidate names for one kind of name (usernames or mail local
// parts) from the template's patterns.
type nameGenerator struct {
	patterns []pattern
	max      int
}

// bases are the patterns' names for one person, in the template's order, without repeats.
func (g nameGenerator) bases(v nameParts) []string {
	var out []string
	for _, p := range g.patterns {
		name, ok := p.expand(v)
		if !ok {
			continue
		}
		name = truncateName(name, g.max)
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// numberRounds are the numbers tried after the patterns, in rounds: each round is one
// batched directory lookup, and almost every file is settled by the first.
var numberRounds = [][2]int{{2, 9}, {10, 99}, {100, 999}}

// candidates returns the names to try in the given round: in round 0 the bases and then the
// first base numbered 2..9, in later rounds only numbered names.
func (g nameGenerator) candidates(bases []string, round int) []string {
	if len(bases) == 0 {
		return nil
	}
	var out []string
	seen := map[string]bool{} // round 2 has 900 names: no quadratic search for repeats
	add := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	if round == 0 {
		for _, b := range bases {
			add(b)
		}
	}
	for n := numberRounds[round][0]; n <= numberRounds[round][1]; n++ {
		add(numberedName(bases[0], n, g.max))
	}
	return out
}

// partsOf folds a row's names for the patterns. {preferred} falls back to the given name.
func partsOf(r *Row) nameParts {
	p := nameParts{
		first:      asciiFold(r.GivenName),
		last:       asciiFold(r.Surname),
		preferred:  asciiFold(r.PreferredName),
		employeeID: asciiFold(r.EmployeeID),
	}
	if p.preferred == "" {
		p.preferred = p.first
	}
	return p
}

// displayName keeps accents: it is what people read in the address book.
func displayName(r *Row) string {
	first := r.PreferredName
	if first == "" {
		first = r.GivenName
	}
	return collapseSpace(first + " " + r.Surname)
}
