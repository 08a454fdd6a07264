package directory

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The naming rules every way of naming an account shares (onboarding, user create, user
// rename, offboarding's move), so that a second "Ana Silva" is named the same way whichever
// command made her. The directory look-ups that decide between the forms live in the back
// ends (ad.Client.FreeUserDN); these are only the forms.

// CNMaxLength is AD's limit on cn (ub-common-name).
const CNMaxLength = 64

// UserCN is the CN for a display name, cut to what AD accepts. The display name itself is
// not cut: only the RDN has the 64-character limit.
func UserCN(display string) string {
	return cutRunes(display, CNMaxLength)
}

// UserCNWith makes a CN that is unique in its OU when the plain one is taken, by adding the
// (domain-unique) username: "John Smith (jsmith2)".
func UserCNWith(display, sam string) string {
	suffix := " (" + sam + ")"
	return cutRunes(display, CNMaxLength-len(suffix)) + suffix
}

func cutRunes(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return strings.TrimSpace(string(r[:max]))
}

// foldExtra covers letters that Unicode does not decompose into a base letter and a mark, so
// that dropping marks alone would lose them.
var foldExtra = map[rune]string{
	'ß': "ss", 'æ': "ae", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th",
	'œ': "oe", 'ı': "i", 'ħ': "h", 'ŧ': "t", 'ŋ': "n", 'ĸ': "k",
}

// ASCIIFold turns a name into the letters and digits a username may hold: "Müller" → "muller",
// "Ødegård" → "odegard", "O'Brien" → "obrien", "Smith, Jr." → "smithjr". NFKD rather than
// NFD so that compatibility forms (ligatures, full-width letters) fold too. Anything with no
// ASCII form (Cyrillic, CJK) is dropped; the caller notices when nothing is left.
func ASCIIFold(s string) string {
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
