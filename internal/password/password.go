// Package password generates passwords a domain's policy accepts.
package password

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"unicode"
)

// The character classes AD's complexity rule counts. Look-alikes (0/O, 1/l/I) are left out:
// these passwords are read aloud over the phone and typed from a screen.
const (
	lower   = "abcdefghijkmnopqrstuvwxyz"
	upper   = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	digits  = "23456789"
	symbols = "!#$%&*+-=?@^_~"
)

// MinLength is the shortest password adkit generates, whatever the policy allows.
const MinLength = 16

// MaxLength is the longest: AD accepts up to 256 characters, people do not want them.
const MaxLength = 128

// Generate returns a random password of the given length (at least MinLength) with at
// least one character of each of the four classes, from crypto/rand.
func Generate(length int) (string, error) {
	if length < MinLength {
		length = MinLength
	}
	if length > MaxLength {
		return "", fmt.Errorf("password length %d is over the maximum of %d", length, MaxLength)
	}
	classes := []string{lower, upper, digits, symbols}
	all := lower + upper + digits + symbols
	out := make([]byte, length)
	for i := range out {
		set := all
		if i < len(classes) {
			set = classes[i] // one of each class first; the shuffle below moves them
		}
		c, err := pick(set)
		if err != nil {
			return "", err
		}
		out[i] = c
	}
	// Fisher-Yates with crypto/rand, so the guaranteed classes are not always in front.
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", fmt.Errorf("generate password: %w", err)
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func pick(set string) (byte, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
	if err != nil {
		return 0, fmt.Errorf("generate password: %w", err)
	}
	return set[n.Int64()], nil
}

// ErrTooWeak is returned by Check.
var ErrTooWeak = errors.New("password does not meet the policy")

// Check reports whether p has at least minLength characters and, when complex is set, at
// least three of the four character classes (AD's rule, which counts accented letters by
// their case). It does not know the history.
func Check(p string, minLength int, complex bool) error {
	if len([]rune(p)) < minLength {
		return fmt.Errorf("%w: it is shorter than %d characters", ErrTooWeak, minLength)
	}
	if !complex {
		return nil
	}
	if ClassCount(p) < 3 {
		return fmt.Errorf("%w: it needs characters from three of: lower case, upper case, digits, symbols", ErrTooWeak)
	}
	return nil
}

// Classes says which of the four character classes p has: lower case, upper case, digits,
// and everything else (symbols). Letters count by their case, accented ones too, as AD and
// Entra ID count them.
func Classes(p string) (lower, upper, digit, symbol bool) {
	for _, r := range p {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			symbol = true
		}
	}
	return lower, upper, digit, symbol
}

// ClassCount is how many of the four character classes p has (see Classes).
func ClassCount(p string) int {
	lower, upper, digit, symbol := Classes(p)
	n := 0
	for _, b := range []bool{lower, upper, digit, symbol} {
		if b {
			n++
		}
	}
	return n
}
