package onboard

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/onboarding"
)

// credLine is one line of the credentials file after its header, and where it lies in it.
type credLine struct {
	record  []string
	at, end int // its bytes in the file
}

// readLines reads c's file: its lines after the header and the whole content.
func (c *credentialsFile) readLines() ([]credLine, []byte, error) {
	whole, err := c.content()
	if err != nil {
		return nil, nil, fmt.Errorf("read credentials: %w", err)
	}
	base := 0
	if bytes.HasPrefix(whole, utf8BOM) {
		base = len(utf8BOM)
	}
	r := csv.NewReader(bytes.NewReader(whole[base:]))
	r.FieldsPerRecord = -1
	if _, err := r.Read(); err != nil {
		return nil, whole, nil // an empty file: no lines
	}
	var lines []credLine
	for {
		at := base + int(r.InputOffset())
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return lines, whole, nil
		}
		if err != nil {
			// Bad input, found before this run changed anything (exit 2). The parse error
			// names a line and column, never a cell: no password reaches the message.
			return nil, nil, &onboarding.InputError{What: "credentials file " + c.path, Problems: []string{
				fmt.Sprintf("it is not CSV past its header (%v); fix that line, or give --credentials-out a new file", err)}}
		}
		lines = append(lines, credLine{record: rec, at: at, end: base + int(r.InputOffset())})
	}
}

// createState is what the audit log says of one run's create of one account.
type createState struct {
	ops  map[string]string // op_id -> its last result ("" while open), settled later marked "~"
	made bool              // an outcome "ok" decided by the directory's answer
}

// verdict sums up a run's create of an account: made (the directory said ok), refused
// (every attempt ended in error or skipped: nothing made), or unsure (no answer, or
// settled later by a run that found the account, which cannot tell whose add made it).
func (s *createState) verdict() string {
	if s.made {
		return "made"
	}
	for _, r := range s.ops {
		if r != audit.ResultError && r != audit.ResultSkipped {
			return "unsure"
		}
	}
	return "refused"
}

// auditCreates reads, from the end of the audit log, the runs there and the creates of the
// given accounts (lower-cased employee IDs) made in a run, by account and run.
func auditCreates(ctx context.Context, trail *audit.Trail, want map[string]bool) (runs map[string]bool,
	creates map[string]map[string]*createState, err error) {
	runs, creates = map[string]bool{}, map[string]map[string]*createState{}
	type opOf struct{ emp, run string }
	ops := map[string]opOf{}
	readable, err := trail.RecentRecords(ctx, func(r audit.Record) error {
		if r.Event == audit.EventIntent && strings.HasSuffix(r.Action, ".run") {
			runs[r.OpID] = true
		}
		if r.Action != "user.create" || r.Run == "" || r.DryRun {
			return nil
		}
		if r.Event == audit.EventIntent {
			for _, ch := range r.Changes {
				if v, ok := ch.After.(string); ok && strings.EqualFold(ch.Attribute, "employeeID") && want[strings.ToLower(v)] {
					ops[r.OpID] = opOf{strings.ToLower(v), r.Run}
				}
			}
		}
		op, ok := ops[r.OpID]
		if !ok {
			return nil
		}
		byRun := creates[op.emp]
		if byRun == nil {
			byRun = map[string]*createState{}
			creates[op.emp] = byRun
		}
		s := byRun[op.run]
		if s == nil {
			s = &createState{ops: map[string]string{}}
			byRun[op.run] = s
		}
		switch {
		case r.Event == audit.EventIntent:
			s.ops[r.OpID] = ""
		case r.Result == audit.ResultOK && r.Settled == "":
			s.made = true
			s.ops[r.OpID] = r.Result
		case r.Settled == audit.SettledLater || r.Settled == audit.SettledReadBack:
			s.ops[r.OpID] = "~" // ok because the account was found: maybe another run's add
		default:
			s.ops[r.OpID] = r.Result
		}
		return nil
	})
	if err == nil && !readable {
		err = errors.New("the audit log cannot be read back")
	}
	return runs, creates, err
}

// reconcile takes back the credentials lines that earlier, interrupted runs left as the last
// line of an account that exists, holding a password that was never set: a run killed
// between writing the line and hearing the directory refuse its add (the account had been
// made meanwhile: by a run killed earlier whose add the DC committed late, or by another
// run) could not take its line back itself (retract). Each line names its run (the op_id of
// the run's onboard.run record); the run's records in the audit log say what became of its
// create of the account:
//   - no create of the account in that run: it was killed before sending it — take back;
//   - every create refused (error, skipped) — take back;
//   - a create that the directory answered ok — keep: that line holds the password;
//   - no answer (open, unknown, settled later): keep, unless another run's create of the
//     account was answered ok (then that run made it) — take back. When another run's
//     create is unsure too, nobody can tell which add made the account: keep, and say so.
//
// After a line is taken back the account's line before it is the last, and is looked at
// the same way. A line whose run is not in the audit log's recent end (another log, long
// ago), or that names no run (an older adkit), is kept: nothing is known against it.
//
// existing holds the lower-cased employee IDs of the accounts that exist (the plan's skipped
// rows). It runs once, before this run writes a line; say tells the
// technician what was taken back or is in doubt. The file changes as in retract (replace).
func (c *credentialsFile) reconcile(ctx context.Context, trail *audit.Trail, existing map[string]bool, say func(string)) error {
	if c.file == nil || len(existing) == 0 {
		return nil
	}
	col := func(name string) int { return slices.Index(c.columns, name) }
	empCol, runCol, pwCol, samCol, rowCol := col("employee_id"), col(runColumn), col("password"), col("sam_account_name"), col("row")
	if empCol < 0 || runCol < 0 || pwCol < 0 {
		return nil // a file of an older adkit: its lines name no run
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	lines, whole, err := c.readLines()
	if err != nil {
		return err
	}
	byEmp := map[string][]int{} // password lines of the existing accounts, in file order
	for i, l := range lines {
		if len(l.record) != len(c.columns) || l.record[pwCol] == "" {
			continue
		}
		emp := strings.ToLower(l.record[empCol])
		if existing[emp] {
			byEmp[emp] = append(byEmp[emp], i)
		}
	}
	want := map[string]bool{}
	for emp, idx := range byEmp {
		if lines[idx[len(idx)-1]].record[runCol] != "" {
			want[emp] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	runs, creates, err := auditCreates(ctx, trail, want)
	if err != nil {
		say(fmt.Sprintf("warning: could not check %s against the audit log (%v): a line left by an interrupted run may not hold its account's password", c.path, err))
		return nil
	}
	drop := map[int]bool{}
	for emp := range want {
		idx := byEmp[emp]
		for k := len(idx) - 1; k >= 0; k-- {
			l := lines[idx[k]].record
			run := l[runCol]
			s := creates[emp][run]
			var why string
			switch {
			case run == "" || (s == nil && !runs[run]):
				// nothing known against it
			case s == nil:
				why = "that run was stopped before it sent the account's create"
			case s.verdict() == "refused":
				why = "the directory refused that run's create (the account existed already)"
			case s.verdict() == "unsure":
				if other := otherRuns(creates[emp], run); other == "made" {
					why = "another run's create made the account; that run's got no answer"
				} else if other == "unsure" {
					say(fmt.Sprintf("row %s (%s): two interrupted runs sent this account's create and neither heard back: "+
						"the last line for it in %s may not hold its password. If the new hire cannot log on with it, reset it "+
						"(adkit user reset-password %s) and hand out the new one", l[rowCol], l[samCol], c.path, l[samCol]))
				}
			}
			if why == "" {
				break
			}
			drop[idx[k]] = true
			say(fmt.Sprintf("row %s (%s): took back a line in %s written by an earlier, interrupted run: %s, so the password on it was never set. "+
				"The account's password is on an earlier line, or with the run that made it",
				l[rowCol], l[samCol], c.path, why))
		}
	}
	if len(drop) == 0 {
		return nil
	}
	var kept bytes.Buffer
	from := 0
	for i, l := range lines {
		if drop[i] {
			kept.Write(whole[from:l.at])
			from = l.end
		}
	}
	kept.Write(whole[from:])
	if err := c.replace(kept.Bytes()); err != nil {
		return fmt.Errorf("take back %s in %s: %w (the file is as it was)", count(len(drop), "line"), c.path, err)
	}
	c.start = int64(kept.Len())
	return nil
}

// otherRuns sums up the creates of an account by runs other than run: "made" if one was
// answered ok, "unsure" if one got no answer, "" otherwise.
func otherRuns(byRun map[string]*createState, run string) string {
	sum := ""
	for r, s := range byRun {
		switch v := s.verdict(); {
		case r == run:
		case v == "made":
			return "made"
		case v == "unsure":
			sum = "unsure"
		}
	}
	return sum
}
