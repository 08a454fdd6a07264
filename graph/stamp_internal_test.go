package graph

import (
	"testing"
	"time"
)

// The clock rule of stampShowsMade: Graph's stamp may read up to clockSkew earlier than the
// intent (the technician's clock ahead of Graph's), never earlier still, and never the stamp
// the intent recorded before its request, whatever the clocks say.
func TestStampShowsMadeAllowsForClockSkew(t *testing.T) {
	sent := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := sent.Add(d); return &x }
	for _, c := range []struct {
		name          string
		stamp, before *time.Time
		known, want   bool
	}{
		{"no stamp", nil, nil, false, false},
		{"stamp after the request", at(2 * time.Second), at(-time.Hour), true, true},
		{"clock ahead by less than the allowance", at(-4 * time.Minute), at(-time.Hour), true, true},
		{"stamp older than the allowance", at(-6 * time.Minute), at(-time.Hour), true, false},
		{"stamp unchanged since the intent read it", at(-time.Minute), at(-time.Minute), true, false},
		{"no stamp recorded before: the clocks decide", at(-4 * time.Minute), nil, false, true},
		{"clock behind by less than the allowance", at(14 * time.Minute), at(-time.Hour), true, true},
		{"a later change, long after the request (the user's own)", at(2 * time.Hour), at(-time.Hour), true, false},
	} {
		if got := stampShowsMade(c.stamp, c.before, c.known, sent); got != c.want {
			t.Errorf("%s: made = %v, want %v", c.name, got, c.want)
		}
	}
}
