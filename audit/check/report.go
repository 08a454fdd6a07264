package check

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Report is the result of an audit run: `adkit audit run -o json` writes it as it is, so its
// field names are part of the command-line contract.
type Report struct {
	GeneratedAt time.Time `json:"generated_at"`
	// Directory is the domain's DNS name.
	Directory string    `json:"directory"`
	Summary   Summary   `json:"summary"`
	Findings  []Finding `json:"findings"`
	// Warnings say what the audit could not read and so does not cover, e.g. Entra ID's
	// eligible role assignments without the permission or licence to read them.
	Warnings []string `json:"warnings,omitempty"`
}

// Summary counts findings by severity.
type Summary struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
}

// Count returns the number of findings of one severity.
func (s Summary) Count(sev Severity) int {
	switch sev {
	case SeverityCritical:
		return s.Critical
	case SeverityHigh:
		return s.High
	case SeverityMedium:
		return s.Medium
	case SeverityLow:
		return s.Low
	}
	return 0
}

func (s *Summary) add(sev Severity) {
	switch sev {
	case SeverityCritical:
		s.Critical++
	case SeverityHigh:
		s.High++
	case SeverityMedium:
		s.Medium++
	case SeverityLow:
		s.Low++
	}
}

// Total is the number of findings.
func (s Summary) Total() int { return s.Critical + s.High + s.Medium + s.Low }

// Finding is one problem a check found, with the accounts (or other objects) involved.
type Finding struct {
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Why      string   `json:"why"`
	Fix      string   `json:"fix"`
	Objects  []Object `json:"objects"`
}

// Object is one account, group or other directory object a finding is about.
type Object struct {
	DN             string `json:"dn"`
	SAMAccountName string `json:"sam_account_name"`
	Detail         string `json:"detail"`
	// Path is the chain of groups through which the object holds a privileged membership:
	// the privileged group first, then each nested group down to the one the object is a
	// direct member of. Empty when the finding is not about a membership.
	Path []string `json:"path"`
	// Assignment (Entra ID role holders): "active", "eligible" (Privileged Identity
	// Management: the role can be activated at any time), or "mixed" for an object holding
	// several roles, some active and some eligible; the detail says which. Empty elsewhere.
	Assignment string `json:"assignment,omitempty"`
	// Brief is Detail shortened for the formats a person reads (table, markdown, HTML) when
	// it lists many objects: a count and the first few. Empty when Detail is short. JSON and
	// CSV keep Detail, every name in it.
	Brief string `json:"-"`
}

// Shown is the detail for a person to read: Brief when there is one, else Detail.
func (o Object) Shown() string {
	if o.Brief != "" {
		return o.Brief
	}
	return o.Detail
}

// shownItems is how many names of a long list a row shows before counting the rest.
const shownItems = 5

// briefList joins items in full, and, for more than shownItems, also briefly: "N objects:
// a, b, c, d, e and N-5 more". brief is empty for a short list.
func briefList(items []string, noun string) (full, brief string) {
	full = strings.Join(items, ", ")
	if len(items) <= shownItems {
		return full, ""
	}
	return full, fmt.Sprintf("%d %s: %s and %d more (all of them in -o json or csv)",
		len(items), noun, strings.Join(items[:shownItems], ", "), len(items)-shownItems)
}

// AtLeast counts the findings as severe as threshold or more.
func (r *Report) AtLeast(threshold Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity.AtLeast(threshold) {
			n++
		}
	}
	return n
}

// finish orders the findings (most severe first, then in catalog order), orders each
// finding's objects by name, and counts the summary. JSON gets [] rather than null for
// empty lists, so consumers never need a null check.
func (r *Report) finish(order map[string]int) {
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		for j := range f.Objects {
			if f.Objects[j].Path == nil {
				f.Objects[j].Path = []string{}
			}
		}
		slices.SortStableFunc(f.Objects, func(a, b Object) int {
			return cmp.Or(
				cmp.Compare(strings.ToLower(a.SAMAccountName), strings.ToLower(b.SAMAccountName)),
				cmp.Compare(a.DN, b.DN),
				cmp.Compare(a.Detail, b.Detail))
		})
	}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(order[a.Check], order[b.Check]))
	})
	r.Summary = Summary{}
	for _, f := range r.Findings {
		r.Summary.add(f.Severity)
	}
}

// String reads "3 finding(s): 1 critical, 2 high", or "No findings".
func (s Summary) String() string { return summaryText(s) }
