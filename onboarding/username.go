package onboarding

import (
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// foldExtra covers letters that Unicode does not decompose into a base letter and a mark, so
// that dropping marks alone would lose them.
var foldExtra = map[rune]string{
	'ß': "ss", 'æ': "ae", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th",
	'œ': "oe", 'ı': "i", 'ħ': "h", 'ŧ': "t", 'ŋ': "n", 'ĸ': "k",
}

// asciiFold turns a name into the letters and digits a username may hold: "Müller" → "muller",
// "Ødegård" → "odegard", "O'Brien" → "obrien", "Smith, Jr." → "smithjr". NFKD rather than
// NFD so that compatibility forms (ligatures, full-width letters) fold too. Anything with no
// ASCII form (Cyrillic, CJK) is dropped; the caller notices when nothing is left.
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		r = unicode.ToLower(r)
		switch {
		case unicode.Is(unicode.Mn, r):
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteString(foldExtra[r])
		}
	}
	return b.String()
}

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
	if round == 0 {
		out = append(out, bases...)
	}
	for n := numberRounds[round][0]; n <= numberRounds[round][1]; n++ {
		if name := numberedName(bases[0], n, g.max); name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
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
