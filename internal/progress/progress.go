// Package progress shows how far a long job is: a bar redrawn in place on a terminal, or one
// line per item when stderr is a pipe or a file (where a redrawn bar would be noise).
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Reporter receives one call per finished item.
type Reporter interface {
	// Done records one finished item; line is what a log would say about it.
	Done(status, line string)
	// Finish ends the display.
	Finish()
}

// New returns a bar on a terminal and a line writer otherwise.
func New(w io.Writer, tty bool, total int, label string) Reporter {
	if tty {
		return &bar{w: w, total: total, label: label, counts: map[string]int{}, start: time.Now()}
	}
	return &lines{w: w, total: total}
}

type lines struct {
	mu    sync.Mutex
	w     io.Writer
	total int
	n     int
}

func (l *lines) Done(status, line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	fmt.Fprintf(l.w, "[%d/%d] %s %s\n", l.n, l.total, status, line)
}

func (l *lines) Finish() {}

type bar struct {
	mu     sync.Mutex
	w      io.Writer
	total  int
	label  string
	n      int
	counts map[string]int
	order  []string
	start  time.Time
}

const barWidth = 30

func (b *bar) Done(status, _ string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	if _, seen := b.counts[status]; !seen {
		b.order = append(b.order, status)
	}
	b.counts[status]++
	b.draw()
}

func (b *bar) draw() {
	filled := barWidth
	if b.total > 0 {
		filled = b.n * barWidth / b.total
	}
	parts := make([]string, 0, len(b.order))
	for _, s := range b.order {
		parts = append(parts, fmt.Sprintf("%d %s", b.counts[s], s))
	}
	fmt.Fprintf(b.w, "\r\033[K%s [%s%s] %d/%d  %s  %s", b.label, strings.Repeat("█", filled),
		strings.Repeat("░", barWidth-filled), b.n, b.total, strings.Join(parts, ", "), time.Since(b.start).Round(time.Second))
}

func (b *bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprintln(b.w)
}
