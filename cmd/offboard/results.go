package offboard

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/onboarding"
)

// Statuses of a result.
const (
	statusOffboarded    = "offboarded"
	statusWouldOffboard = "would_offboard" // dry run
	statusSkipped       = "skipped"
	statusFailed        = "failed"
	statusInvalid       = "invalid"
	statusNotFound      = "not_found"
	// statusNotAttempted: the run was interrupted (Ctrl-C) before the leaver was started.
	statusNotAttempted = "not_attempted"
	// statusInterrupted: the run was interrupted while the leaver was under way; the steps
	// say how far it got, and a re-run finishes it.
	statusInterrupted = "interrupted"
)

// withUnattempted appends a not_attempted result for every planned leaver the run did not
// reach, so that the results — and --results-out — list every row, as onboarding's do. The
// run lists those an interrupt left itself; this covers a run that stopped for another
// reason (its time ran out).
func withUnattempted(entries []onboarding.LeaverEntry, results []result) []result {
	done := make(map[int]bool, len(results))
	for _, r := range results {
		done[r.Row] = true
	}
	for _, e := range entries {
		if done[e.Row] {
			continue
		}
		r := result{Row: e.Row, EmployeeID: e.EmployeeID, SAMAccountName: e.SAMAccountName, DN: e.DN, Input: e.Input,
			Status: statusNotAttempted, GroupsRemoved: []string{},
			Error: "not started: the run stopped before this row; run the same command again to finish"}
		results = append(results, r)
	}
	return results
}

// rowError is a leaver the plan refused: its message is the plan's reason, and it counts as
// the kind (directory.ErrInvalidInput or directory.ErrNotFound) for the exit code.
type rowError struct {
	kind   error
	reason string
}

func (e *rowError) Error() string { return e.reason }
func (e *rowError) Unwrap() error { return e.kind }

// result is what happened to one leaver: a line of -o json and of --results-out.
type result struct {
	Row            int              `json:"row"`
	EmployeeID     string           `json:"employee_id"`
	SAMAccountName string           `json:"sam_account_name"`
	DN             string           `json:"dn"` // where the account is now
	Status         string           `json:"status"`
	GroupsRemoved  []string         `json:"groups_removed"`
	Snapshot       string           `json:"snapshot"`
	Error          string           `json:"error,omitempty"`
	Note           string           `json:"note,omitempty"`
	Input          string           `json:"input"`
	Steps          []directory.Step `json:"steps,omitempty"`
	// Entra is what was taken in Entra ID (hybrid and cloud-only runs).
	Entra *cloudResult `json:"entra,omitempty"`
	err   error
}

func (r result) fail(status string, err error) result {
	r.Status, r.err, r.Error = status, err, err.Error()
	return r
}

// line is the progress line for the result.
func (r result) line() string {
	who := r.SAMAccountName
	if who == "" {
		who = r.Input
	}
	s := fmt.Sprintf("row %d %s", r.Row, who)
	switch {
	case r.Error != "":
		s += ": " + r.Error
	case len(r.GroupsRemoved) > 0:
		s += " -" + strings.Join(dn.CommonNames(r.GroupsRemoved), ", -")
	}
	return s
}

// runError turns results into the spec's exit codes: 4 when some leavers failed and others
// did not; when all failed, the first failure's (3 not found, 2 invalid, 1 refused).
func runError(results []result) error {
	var failed []result
	for _, r := range results {
		if r.err != nil {
			failed = append(failed, r)
		}
	}
	switch {
	case len(failed) == 0:
		return nil
	case len(failed) < len(results):
		return &cmdutil.PartialError{Failed: len(failed), Total: len(results)}
	}
	first := failed[0].err
	if errors.Is(first, audit.ErrNoAnswer) {
		// The run itself ended: its outcome is known ("error"). The changes without an
		// answer are each "unknown" in the log, for a later run to settle; wrapping their
		// error would make the run's own record "unknown" too, and nothing ever settles that.
		first = errors.New(first.Error())
	}
	if len(results) == 1 {
		return &cmdutil.TargetError{Target: failed[0].Input, Err: first}
	}
	return fmt.Errorf("all %d leavers failed; the first, row %d: %w", len(failed), failed[0].Row, first)
}

func writeResults(opts *applyOptions, results []result) error {
	if opts.ResultsOut != "" {
		if err := writeResultsCSV(opts.ResultsOut, results); err != nil {
			return err
		}
	}
	t := output.Table{Header: []string{"Row", "Status", "Username", "DN", "Detail", "Snapshot"}}
	for _, r := range results {
		detail := r.Error
		if detail == "" {
			detail = strings.Join(dn.CommonNames(r.GroupsRemoved), ", ")
			switch {
			case detail != "" && r.Status == statusWouldOffboard:
				detail = "would be removed from " + detail
			case detail != "":
				detail = "removed from " + detail
			}
			if r.Note != "" {
				detail = strings.TrimPrefix(detail+"; "+r.Note, "; ")
			}
			if c := r.Entra.words(r.Status == statusWouldOffboard); c != "" {
				detail = strings.TrimPrefix(detail+"; "+c, "; ")
			}
		}
		t.AddRow(strconv.Itoa(r.Row), r.Status, r.SAMAccountName, r.DN, detail, r.Snapshot)
	}
	if results == nil {
		results = []result{}
	}
	return output.Print(opts.IO, opts.Format, t, results)
}

// writeResultsCSV writes one line per leaver: row, employee_id, sam_account_name, dn, status,
// groups_removed (DNs joined with ";"), snapshot, error, and what was taken in Entra ID
// (hybrid and cloud-only runs; empty otherwise): entra_id, entra_disabled,
// entra_sessions_revoked, entra_licenses_removed and entra_groups_removed (joined with ";").
// The Entra ID columns come last, so scripts reading the first eight by position still work.
func writeResultsCSV(path string, results []result) error {
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("results file: %w", err)
	}
	w := csv.NewWriter(file)
	_ = w.Write([]string{"row", "employee_id", "sam_account_name", "dn", "status", "groups_removed", "snapshot", "error",
		"entra_id", "entra_disabled", "entra_sessions_revoked", "entra_licenses_removed", "entra_groups_removed"})
	for _, r := range results {
		_ = w.Write(append([]string{strconv.Itoa(r.Row), r.EmployeeID, r.SAMAccountName, r.DN, r.Status,
			strings.Join(r.GroupsRemoved, ";"), r.Snapshot, r.Error}, r.Entra.csv()...))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		file.Close()
		return fmt.Errorf("results file: %w", err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("results file: %w", err)
	}
	return nil
}
