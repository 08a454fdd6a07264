package password

import (
	"fmt"
	"strings"
)

// Formats of generated passwords: the template key password.format and --readable.
const (
	FormatRandom   = "random"   // every class mixed (the default)
	FormatReadable = "readable" // groups of four, easy to read over the phone
)

// The readable alphabet drops everything that is misheard or misread: 0/O/o, 1/l/I/i, 8/B,
// 5/S, 2/Z and friends. The dash between groups is the symbol that complexity rules count.
const (
	readableLower  = "abcdefghjkmnpqrstuvwxyz"
	readableUpper  = "ACDEFGHJKLMNPQRTUVWXY"
	readableDigits = "3479"
	groupSize      = 4
)

// GenerateReadable returns a password such as "Kx7p-Rm4q-Tz9w-Bn3c": groups of four letters
// and digits without look-alikes, joined by dashes, at least length characters long (and at
// least MinLength). Every group holds an upper-case letter, a lower-case letter and a digit,
// so the whole has all four classes a complexity rule counts (the dashes are the symbols).
func GenerateReadable(length int) (string, error) {
	if length < MinLength {
		length = MinLength
	}
	if length > MaxLength {
		return "", fmt.Errorf("password length %d is over the maximum of %d", length, MaxLength)
	}
	// g groups make 5g-1 characters; at least 4 groups.
	groups := max(4, (length+1+groupSize)/(groupSize+1))
	parts := make([]string, groups)
	for g := range parts {
		b := make([]byte, groupSize)
		sets := []string{readableUpper, readableLower, readableDigits, readableLower}
		for i, set := range sets {
			c, err := pick(set)
			if err != nil {
				return "", err
			}
			b[i] = c
		}
		parts[g] = string(b)
	}
	return strings.Join(parts, "-"), nil
}

// GenerateAs generates a password in the named format ("" is random).
func GenerateAs(format string, length int) (string, error) {
	switch format {
	case "", FormatRandom:
		return Generate(length)
	case FormatReadable:
		return GenerateReadable(length)
	}
	return "", fmt.Errorf("password format %q: use %s or %s", format, FormatRandom, FormatReadable)
}
