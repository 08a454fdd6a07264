package onboarding

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// patternFields are the placeholders a username or mail pattern may use.
var patternFields = []string{"first", "last", "preferred", "employee_id"}

// pattern is a compiled username or mail pattern such as "{first:1}{last}".
type pattern struct {
	parts []patternPart
}

type patternPart struct {
	literal string // used when field is ""
	field   string // one of patternFields
	n       int    // keep only the first n characters; 0 keeps all
}

// nameParts are a person's names already folded to [a-z0-9] for a pattern to use.
type nameParts struct {
	first, last, preferred, employeeID string
}

func (p nameParts) get(field string) string {
	switch field {
	case "first":
		return p.first
	case "last":
		return p.last
	case "preferred":
		return p.preferred
	default:
		return p.employeeID
	}
}

func compilePattern(src string) (pattern, error) {
	var p pattern
	rest := src
	for rest != "" {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			open = len(rest)
		}
		if lit := rest[:open]; lit != "" {
			if err := checkLiteral(src, lit); err != nil {
				return pattern{}, err
			}
			p.parts = append(p.parts, patternPart{literal: strings.ToLower(lit)})
		}
		if open == len(rest) {
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return pattern{}, fmt.Errorf("%q has a { without a closing }", src)
		}
		inner := rest[open+1 : open+end]
		part, err := compilePlaceholder(inner)
		if err != nil {
			return pattern{}, err
		}
		p.parts = append(p.parts, part)
		rest = rest[open+end+1:]
	}
	if !slices.ContainsFunc(p.parts, func(pp patternPart) bool { return pp.field != "" }) {
		return pattern{}, fmt.Errorf("%q has no placeholder such as {first} or {last}, so every person would get the same name", src)
	}
	return p, nil
}

func compilePlaceholder(inner string) (patternPart, error) {
	name, num, hasNum := strings.Cut(inner, ":")
	if !slices.Contains(patternFields, name) {
		return patternPart{}, fmt.Errorf("unknown placeholder {%s}; use {first}, {last}, {preferred}, {employee_id}, or {first:N} for the first N letters", inner)
	}
	part := patternPart{field: name}
	if hasNum {
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 {
			return patternPart{}, fmt.Errorf("{%s}: the number after the colon must be a whole number of at least 1, such as {%s:1}", inner, name)
		}
		part.n = n
	}
	return part, nil
}

// checkLiteral allows only what is safe in a sAMAccountName and in the local part of an
// address: letters, digits, dot, hyphen and underscore.
func checkLiteral(src, lit string) error {
	for _, r := range lit {
		switch {
		case r == '}':
			return fmt.Errorf("%q has a } without an opening {", src)
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
		default:
			return fmt.Errorf("%q: the character %q cannot be part of a username or mail address", src, r)
		}
	}
	return nil
}

// expand fills the pattern in. It reports false when a placeholder has nothing to give (no
// preferred name, a name with no letters that can be written in ASCII): a pattern half
// filled in would hand out names like "smith" for a {first:1}{last} pattern.
func (p pattern) expand(v nameParts) (string, bool) {
	var b strings.Builder
	for _, part := range p.parts {
		if part.field == "" {
			b.WriteString(part.literal)
			continue
		}
		val := v.get(part.field)
		if part.n > 0 && len(val) > part.n {
			val = val[:part.n] // ASCII by now, so bytes are characters
		}
		if val == "" {
			return "", false
		}
		b.WriteString(val)
	}
	out := tidyName(b.String())
	return out, out != ""
}
