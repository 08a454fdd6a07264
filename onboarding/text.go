package onboarding

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// collapseSpace trims s and turns every run of white space, line breaks included, into one
// space: HR exports carry double spaces, non-breaking spaces and cells with line breaks, none
// of which belong in a directory attribute.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// cleanText is collapseSpace on the NFC form, so that "é" typed on a Mac (e + combining
// accent) and on Windows (one code point) are the same name.
func cleanText(s string) string {
	return collapseSpace(norm.NFC.String(s))
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}
