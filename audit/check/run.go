package check

import "time"

// DefaultStaleDays is how long without a logon makes an account stale unless told otherwise.
const DefaultStaleDays = 90

// Options tune a run.
type Options struct {
	// StaleDays: accounts without a logon for longer are stale.
	StaleDays int
	// Now is the time the report is for; the zero value means time.Now().
	Now time.Time
	// Baseline, when set, is compared with the directory now (the privileged-drift check).
	Baseline *Snapshot
}

// addFindings adds what check c found, each finding stamped with the check's ID, severity, why
// and fix, and its title unless the finding has a title of its own.
func (r *Report) addFindings(c Check, found []Finding) {
	for _, f := range found {
		f.Check, f.Severity, f.Why, f.Fix = c.ID, c.Severity, c.Why, c.Fix
		if f.Title == "" {
			f.Title = c.Title
		}
		r.Findings = append(r.Findings, f)
	}
}

// Run runs the checks over an inventory and returns the report. Checks that need a baseline
// are skipped without one; checks that need ACLs find nothing in an inventory loaded
// without them.
func Run(inv *Inventory, checks []Check, opts Options) *Report {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	s := newScan(inv, opts)
	r := &Report{GeneratedAt: opts.Now.UTC().Truncate(time.Second), Directory: inv.Directory}
	order := map[string]int{}
	for i, c := range checks {
		order[c.ID] = i
		if c.NeedsBaseline && opts.Baseline == nil {
			continue
		}
		r.addFindings(c, c.find(s))
	}
	r.finish(order)
	return r
}
