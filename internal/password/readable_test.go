package password

import (
	"strings"
	"testing"
)

// A readable password has groups of four, no look-alike characters, and passes the
// complexity rule at every length a policy may ask for.
func TestGenerateReadable(t *testing.T) {
	for _, length := range []int{0, 16, 19, 20, 24, 31, 64} {
		for i := 0; i < 50; i++ {
			p, err := GenerateReadable(length)
			if err != nil {
				t.Fatal(err)
			}
			if len(p) < max(length, MinLength) {
				t.Fatalf("GenerateReadable(%d) = %d characters", length, len(p))
			}
			if strings.ContainsAny(p, "0Oo1lIiB8S5Z2") {
				t.Fatalf("GenerateReadable gave a look-alike character (length %d)", len(p))
			}
			for _, g := range strings.Split(p, "-") {
				if len(g) != 4 {
					t.Fatalf("a group of %d characters in a %d-character password", len(g), len(p))
				}
			}
			if err := Check(p, max(length, MinLength), true); err != nil {
				t.Fatalf("a readable password fails the complexity rule: %v", err)
			}
			if !strings.ContainsAny(p, readableUpper) || !strings.ContainsAny(p, readableLower) || !strings.ContainsAny(p, readableDigits) {
				t.Fatal("a readable password lacks a character class")
			}
		}
	}
	if _, err := GenerateAs("pronounceable", 16); err == nil {
		t.Error("an unknown format is accepted")
	}
}
