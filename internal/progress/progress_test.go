package progress

import (
	"bytes"
	"strings"
	"testing"
)

func TestLinesWhenPiped(t *testing.T) {
	var b bytes.Buffer
	r := New(&b, false, 2, "onboard")
	r.Done("created", "row 2 jdoe")
	r.Done("failed", "row 3 asmith: refused")
	r.Finish()
	want := "[1/2] created row 2 jdoe\n[2/2] failed row 3 asmith: refused\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestBarOnTerminal(t *testing.T) {
	var b bytes.Buffer
	r := New(&b, true, 4, "onboard")
	r.Done("created", "x")
	r.Done("created", "y")
	r.Done("failed", "z")
	r.Finish()
	out := b.String()
	last := out[strings.LastIndex(out, "\r"):]
	if !strings.Contains(last, "3/4") || !strings.Contains(last, "2 created, 1 failed") {
		t.Errorf("last frame %q does not show the counts", last)
	}
	if strings.Count(last, "█") != 22 { // 3/4 of 30
		t.Errorf("last frame %q: bar not 3/4 full", last)
	}
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("the bar must redraw in place and end with one newline: %q", out)
	}
}
