package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Filter selects records for display. Zero fields match everything.
type Filter struct {
	// Since keeps records at or after this time.
	Since time.Time
	// Action keeps records whose action equals it or lies under it:
	// "user" matches "user.unlock". Case-insensitive.
	Action string
	// Target keeps records whose target DN, ID or name contains it,
	// case-insensitively.
	Target string
	// Ticket keeps records with this ticket, case-insensitively.
	Ticket string
	// Directory keeps records of this directory (DirectoryAD or DirectoryEntra),
	// case-insensitively.
	Directory string
}

// Match reports whether f selects r.
func (f Filter) Match(r *Record) bool { return f.match(r) }

func (f Filter) match(r *Record) bool {
	if !f.Since.IsZero() {
		t, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil || t.Before(f.Since) {
			return false
		}
	}
	if f.Action != "" {
		want := strings.ToLower(strings.TrimSuffix(f.Action, "."))
		got := strings.ToLower(r.Action)
		if got != want && !strings.HasPrefix(got, want+".") {
			return false
		}
	}
	if f.Target != "" {
		want := strings.ToLower(f.Target)
		if !containsFold(r.Target.DN, want) && !containsFold(r.Target.ID, want) && !containsFold(r.Target.Name, want) {
			return false
		}
	}
	if f.Ticket != "" && !strings.EqualFold(r.Ticket, f.Ticket) {
		return false
	}
	if f.Directory != "" && !strings.EqualFold(r.Directory, f.Directory) {
		return false
	}
	return true
}

// containsFold reports whether s contains lowerSub, ignoring case.
func containsFold(s, lowerSub string) bool {
	return strings.Contains(strings.ToLower(s), lowerSub)
}

// ReadRecords calls fn for each record in r that f matches, in file order,
// holding one line in memory at a time. It stops at the first error from fn
// and returns it. A line that is not a record is an error; ReadRecords does
// not verify the chain, [Verify] does.
func ReadRecords(r io.Reader, f Filter, fn func(Record) error) error {
	lr := newLineReader(r)
	for {
		line, _, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("audit: read line %d: %w", lr.lineNo(), err)
		}
		rec, err := parseRecord(line)
		if err != nil {
			return fmt.Errorf("audit: line %d: %w", lr.lineNo(), err)
		}
		if !f.match(&rec) {
			continue
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// parseRecord decodes a line, keeping numbers in changes as json.Number so
// that values read back exactly as they were written.
func parseRecord(line []byte) (Record, error) {
	var rec Record
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&rec); err != nil {
		return rec, err
	}
	return rec, nil
}
