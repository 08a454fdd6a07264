package password

import (
	"errors"
	"strings"
	"testing"
)

func TestGenerateMeetsPolicy(t *testing.T) {
	seen := map[string]bool{}
	for _, length := range []int{0, 8, 16, 17, 40} {
		for i := 0; i < 200; i++ {
			p, err := Generate(length)
			if err != nil {
				t.Fatal(err)
			}
			want := max(length, MinLength)
			if len(p) != want {
				t.Fatalf("Generate(%d) has length %d, want %d", length, len(p), want)
			}
			for _, class := range []string{lower, upper, digits, symbols} {
				if !strings.ContainsAny(p, class) {
					t.Fatalf("Generate(%d) = %q lacks a character from %q", length, p, class)
				}
			}
			if strings.ContainsAny(p, "0O1lI") {
				t.Fatalf("Generate(%d) = %q contains a look-alike character", length, p)
			}
			if err := Check(p, want, true); err != nil {
				t.Fatalf("generated password fails Check: %v", err)
			}
			if seen[p] {
				t.Fatalf("Generate returned %q twice", p)
			}
			seen[p] = true
		}
	}
	if _, err := Generate(MaxLength + 1); err == nil {
		t.Error("Generate over MaxLength succeeded")
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		p       string
		min     int
		complex bool
		ok      bool
	}{
		{"Short1!", 8, true, false},
		{"alllowercase", 8, true, false},
		{"lower and UPPER", 8, true, true},
		{"lowerUPPER123", 8, true, true},
		{"alllowercase", 8, false, true},
		{"ñandú-Ñandú", 8, true, true},
	}
	for _, tt := range tests {
		err := Check(tt.p, tt.min, tt.complex)
		if (err == nil) != tt.ok {
			t.Errorf("Check(%q, %d, %v) = %v, want ok=%v", tt.p, tt.min, tt.complex, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrTooWeak) {
			t.Errorf("Check error %v does not wrap ErrTooWeak", err)
		}
	}
}
