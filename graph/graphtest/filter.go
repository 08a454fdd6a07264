package graphtest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// filter is a parsed $filter: a predicate over an object's JSON form.
type filter struct {
	eval func(obj map[string]any) bool
	// advanced is set when the filter uses operators Graph evaluates only as an "advanced
	// query" (ne, not, endswith), which needs ConsistencyLevel: eventual and $count=true.
	advanced bool
}

// parseFilter parses the subset of OData $filter syntax Graph supports on directory objects
// that adkit and its tests use: eq, ne, gt, ge, lt, le, in, and, or, not, parentheses,
// startswith and endswith, over properties and paths such as signInActivity/lastSignInDateTime.
func parseFilter(s string) (*filter, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	f := &filter{}
	p.f = f
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	f.eval = e
	return f, nil
}

type tokKind int

const (
	tokIdent tokKind = iota
	tokString
	tokLiteral // number, date, guid, true, false, null
	tokPunct
)

type token struct {
	kind tokKind
	text string
}

func tokenize(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ':
			i++
		case c == '(' || c == ')' || c == ',':
			out = append(out, token{tokPunct, string(c)})
			i++
		case c == '\'':
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("unterminated string literal")
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' { // '' is an escaped quote
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			out = append(out, token{tokString, b.String()})
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '(' && s[j] != ')' && s[j] != ',' && s[j] != '\'' {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("unexpected character %q", c)
			}
			w := s[i:j]
			kind := tokIdent
			if unicode.IsDigit(rune(w[0])) || w == "true" || w == "false" || w == "null" || w[0] == '-' {
				kind = tokLiteral
			}
			out = append(out, token{kind, w})
			i = j
		}
	}
	return out, nil
}

type filterParser struct {
	toks []token
	pos  int
	f    *filter
}

type pred = func(map[string]any) bool

func (p *filterParser) peekWord(w string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == tokIdent && strings.EqualFold(p.toks[p.pos].text, w)
}

func (p *filterParser) expect(punct string) error {
	if p.pos >= len(p.toks) || p.toks[p.pos].text != punct {
		return fmt.Errorf("expected %q", punct)
	}
	p.pos++
	return nil
}

func (p *filterParser) or() (pred, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peekWord("or") {
		p.pos++
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(o map[string]any) bool { return l(o) || right(o) }
	}
	return left, nil
}

func (p *filterParser) and() (pred, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.peekWord("and") {
		p.pos++
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(o map[string]any) bool { return l(o) && right(o) }
	}
	return left, nil
}

func (p *filterParser) unary() (pred, error) {
	if p.peekWord("not") {
		p.pos++
		p.f.advanced = true
		inner, err := p.unary()
		if err != nil {
			return nil, err
		}
		return func(o map[string]any) bool { return !inner(o) }, nil
	}
	return p.primary()
}

func (p *filterParser) primary() (pred, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("unexpected end of filter")
	}
	t := p.toks[p.pos]
	if t.text == "(" && t.kind == tokPunct {
		p.pos++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		return e, p.expect(")")
	}
	if t.kind == tokIdent && p.pos+1 < len(p.toks) && p.toks[p.pos+1].text == "(" {
		if collection, ok := strings.CutSuffix(t.text, "/any"); ok {
			return p.anyLambda(collection)
		}
		return p.function()
	}
	if t.kind != tokIdent {
		return nil, fmt.Errorf("expected a property name, got %q", t.text)
	}
	prop := t.text
	p.pos++
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("expected an operator after %s", prop)
	}
	op := strings.ToLower(p.toks[p.pos].text)
	p.pos++
	if op == "in" {
		if err := p.expect("("); err != nil {
			return nil, err
		}
		var values []any
		for {
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			values = append(values, v)
			if p.pos < len(p.toks) && p.toks[p.pos].text == "," {
				p.pos++
				continue
			}
			break
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return func(o map[string]any) bool {
			for _, v := range values {
				if compare(lookup(o, prop), v) == 0 {
					return true
				}
			}
			return false
		}, nil
	}
	v, err := p.literal()
	if err != nil {
		return nil, err
	}
	switch op {
	case "eq":
		return func(o map[string]any) bool { return compare(lookup(o, prop), v) == 0 }, nil
	case "ne":
		p.f.advanced = true
		return func(o map[string]any) bool { return compare(lookup(o, prop), v) != 0 }, nil
	case "gt", "ge", "lt", "le":
		return func(o map[string]any) bool {
			got := lookup(o, prop)
			if got == nil || v == nil {
				return false // null never orders
			}
			c := compare(got, v)
			switch op {
			case "gt":
				return c > 0
			case "ge":
				return c >= 0
			case "lt":
				return c < 0
			}
			return c <= 0
		}, nil
	}
	return nil, fmt.Errorf("unsupported operator %q", op)
}

func (p *filterParser) function() (pred, error) {
	name := strings.ToLower(p.toks[p.pos].text)
	p.pos += 2 // name and "("
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != tokIdent {
		return nil, fmt.Errorf("%s: expected a property name", name)
	}
	prop := p.toks[p.pos].text
	p.pos++
	if err := p.expect(","); err != nil {
		return nil, err
	}
	v, err := p.literal()
	if err != nil {
		return nil, err
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("%s: expected a string", name)
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	s = strings.ToLower(s)
	switch name {
	case "startswith":
		return func(o map[string]any) bool {
			got, _ := lookup(o, prop).(string)
			return strings.HasPrefix(strings.ToLower(got), s)
		}, nil
	case "endswith":
		p.f.advanced = true
		return func(o map[string]any) bool {
			got, _ := lookup(o, prop).(string)
			return strings.HasSuffix(strings.ToLower(got), s)
		}, nil
	}
	return nil, fmt.Errorf("unsupported function %q", name)
}

// anyLambda parses the rest of collection/any(x:x eq 'value'), the form Graph accepts on
// string collections such as proxyAddresses: true when some element equals the value
// (without regard to case).
func (p *filterParser) anyLambda(collection string) (pred, error) {
	p.pos += 2 // collection/any and "("
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != tokIdent {
		return nil, fmt.Errorf("%s/any: expected x:x", collection)
	}
	variable, ref, ok := strings.Cut(p.toks[p.pos].text, ":")
	if !ok || variable == "" || ref != variable {
		return nil, fmt.Errorf("%s/any: expected x:x, got %q", collection, p.toks[p.pos].text)
	}
	p.pos++
	if !p.peekWord("eq") {
		return nil, fmt.Errorf("%s/any: only eq is supported", collection)
	}
	p.pos++
	v, err := p.literal()
	if err != nil {
		return nil, err
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	return func(o map[string]any) bool {
		items, _ := lookup(o, collection).([]any)
		for _, item := range items {
			if compare(item, v) == 0 {
				return true
			}
		}
		return false
	}, nil
}

// literal reads a string, number, boolean, null, GUID or date-time.
func (p *filterParser) literal() (any, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("expected a value")
	}
	t := p.toks[p.pos]
	p.pos++
	switch t.kind {
	case tokString:
		return t.text, nil
	case tokLiteral:
		switch t.text {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		if tm, err := time.Parse(time.RFC3339, t.text); err == nil {
			return tm, nil
		}
		if n, err := strconv.ParseFloat(t.text, 64); err == nil {
			return n, nil
		}
		return t.text, nil // a GUID
	}
	return nil, fmt.Errorf("expected a value, got %q", t.text)
}

// lookup follows a property path such as signInActivity/lastSignInDateTime, ignoring case
// as Graph does.
func lookup(obj map[string]any, path string) any {
	var cur any = obj
	for _, part := range strings.Split(path, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = nil
		for k, v := range m {
			if strings.EqualFold(k, part) {
				cur = v
				break
			}
		}
	}
	return cur
}

// compare orders a property value against a literal: strings without regard to case (as
// Graph compares names), date-times as times, numbers as numbers. Values of different kinds
// are unequal.
func compare(got, want any) int {
	switch w := want.(type) {
	case nil:
		if got == nil {
			return 0
		}
		return 1
	case string:
		g, ok := got.(string)
		if !ok {
			return 1
		}
		return strings.Compare(strings.ToLower(g), strings.ToLower(w))
	case bool:
		if g, ok := got.(bool); ok && g == w {
			return 0
		}
		return 1
	case time.Time:
		s, ok := got.(string)
		if !ok {
			return 1
		}
		g, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return 1
		}
		return g.Compare(w)
	case float64:
		var g float64
		switch n := got.(type) {
		case int:
			g = float64(n)
		case float64:
			g = n
		default:
			return 1
		}
		switch {
		case g < w:
			return -1
		case g > w:
			return 1
		}
		return 0
	}
	return 1
}
