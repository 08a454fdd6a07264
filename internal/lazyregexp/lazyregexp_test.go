package lazyregexp

import (
	"sync"
	"testing"
)

func TestCompilesOnFirstUseOnly(t *testing.T) {
	r := New(`^a(b+)$`)
	if r.rx != nil {
		t.Fatal("compiled before first use")
	}
	if !r.MatchString("abb") || r.MatchString("ac") {
		t.Error("MatchString gives wrong answers")
	}
	first := r.rx
	if got := r.FindStringSubmatch("abbb"); len(got) != 2 || got[1] != "bbb" {
		t.Errorf("FindStringSubmatch = %q", got)
	}
	if r.rx != first {
		t.Error("compiled twice")
	}
	if got := r.ReplaceAllStringFunc("ab", func(s string) string { return "<" + s + ">" }); got != "<ab>" {
		t.Errorf("ReplaceAllStringFunc = %q", got)
	}
}

func TestConcurrentFirstUse(t *testing.T) {
	r := New(`x`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !r.MatchString("axb") {
				t.Error("no match")
			}
		}()
	}
	wg.Wait()
}

func TestInvalidExpressionPanicsOnUse(t *testing.T) {
	r := New(`(`)
	defer func() {
		if recover() == nil {
			t.Error("an invalid expression did not panic")
		}
	}()
	r.MatchString("x")
}
