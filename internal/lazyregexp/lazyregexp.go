// Package lazyregexp is a regexp compiled on first use, like the Go command's own
// cmd/go/internal/lazyregexp.
//
// A package-level regexp.MustCompile runs on every start of adkit, whichever command runs:
// a pattern like a DNS name's, with bounded repeats, costs 100 KB of heap and a tenth of a
// millisecond before main. Start-up is measured against a hello-world binary
// (docs/benchmarks.md), so patterns wait until a command needs them.
package lazyregexp

import (
	"regexp"
	"sync"
)

// Regexp is a regexp.Regexp compiled on first use. The expression must be valid: an invalid
// one panics on first use, as regexp.MustCompile would at start-up.
type Regexp struct {
	expr string
	once sync.Once
	rx   *regexp.Regexp
}

// New returns the lazily compiled expr.
func New(expr string) *Regexp { return &Regexp{expr: expr} }

func (r *Regexp) re() *regexp.Regexp {
	r.once.Do(func() { r.rx = regexp.MustCompile(r.expr) })
	return r.rx
}

// MatchString reports whether s contains any match of the expression.
func (r *Regexp) MatchString(s string) bool { return r.re().MatchString(s) }

// FindStringSubmatch is regexp.Regexp.FindStringSubmatch.
func (r *Regexp) FindStringSubmatch(s string) []string { return r.re().FindStringSubmatch(s) }

// ReplaceAllStringFunc is regexp.Regexp.ReplaceAllStringFunc.
func (r *Regexp) ReplaceAllStringFunc(src string, repl func(string) string) string {
	return r.re().ReplaceAllStringFunc(src, repl)
}
