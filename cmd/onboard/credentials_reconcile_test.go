package onboard

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/secret"
)

// earlierRun is one interrupted or finished run of onboard apply, as the audit log and the
// credentials file keep it: what it wrote for hire(2), and what became of its create.
type earlierRun struct {
	label  string // the password it wrote for row 2 is "pw-" + label
	create string // "ok", "error", "unknown" (no answer), "open" (killed after the intent), "settled" (open, then settled "ok" later), "none" (killed before sending), "elsewhere" (its run is not in this log), "norun" (an older adkit: no run column)
}

// writeEarlierRun makes run r as a killed or finished run leaves it: its onboard.run record,
// the credentials line for row 2 (and one for row 3 in between, made ok), and the records
// of its create of row 2's account.
func writeEarlierRun(t *testing.T, ctx context.Context, trail *audit.Trail, sink *audit.FileLog, path string, r earlierRun) {
	t.Helper()
	creds, err := openCredentials(path, nil, false, false, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	defer creds.file.Close() // killed or not, as the next run sees it
	create := func(ctx context.Context, emp string, result string) {
		op := audit.Operation{Action: "user.create", Directory: audit.DirectoryAD, Server: "dc1",
			Target: audit.Target{DN: "CN=x,OU=Staff", Name: "user2"}, Changes: []audit.Change{
				{Attribute: "employeeID", After: emp}, {Attribute: "unicodePwd", Secret: true}}}
		switch result {
		case "none", "norun", "elsewhere": // no create, or none in this log
		case "open", "settled": // the process ended between the intent and the outcome
			err = sink.Append(ctx, &audit.Record{V: audit.Version, Time: "2026-12-03T08:00:00.000000000Z", Event: audit.EventIntent,
				OpID: fmt.Sprintf("%032x", len(r.label)+len(emp)*7), Action: op.Action, Directory: op.Directory, Server: op.Server,
				Target: op.Target, Changes: op.Changes, Run: audit.OperationID(ctx)})
		default:
			err = trail.Do(ctx, op, func(context.Context) error {
				switch result {
				case "error":
					return errors.New("LDAP Result Code 68 \"Entry Already Exists\"")
				case "unknown":
					return fmt.Errorf("connection lost: %w", audit.ErrNoAnswer)
				}
				return nil
			})
		}
		if (result == "ok" || result == "open" || result == "settled") && err != nil {
			t.Fatal(err)
		}
	}
	var runID string
	run := audit.Operation{Action: "onboard.run", Directory: audit.DirectoryAD, Server: "dc1", Target: audit.Target{Name: "hires.csv"}}
	if err := trail.Do(ctx, run, func(ctx context.Context) error {
		switch r.create {
		case "elsewhere":
			creds.setRun("0123456789abcdef0123456789abcdef")
		case "norun":
		default:
			creds.setRun(audit.OperationID(ctx))
		}
		runID = audit.OperationID(ctx)
		row, a := hire(2)
		a.Password = secret.New("pw-" + r.label)
		if err := creds.add(row, a); err != nil {
			return err
		}
		if err := creds.add(hire(3)); err != nil {
			return err
		}
		_, b := hire(3)
		create(ctx, b.EmployeeID, "ok")
		create(ctx, a.EmployeeID, r.create)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if r.create == "settled" { // a later run found the account and settled the open intent "ok"
		later := audit.NewTrail(audit.TrailOptions{Sink: sink, Actor: audit.Actor{OSUser: "test", Host: "test"}})
		if n, err := later.SettleEarlier(ctx, func(in audit.Record) bool { return in.Run == runID }, "found"); n != 1 || err != nil {
			t.Fatalf("settled %d intents (%v), want 1", n, err)
		}
	}
}

// A run killed between writing a credentials line and the directory's refusal of its add
// leaves that line, whose password was never set, as the account's last. The next run, which
// finds the account existing, asks the audit log about the run each line names and takes back
// the lines whose create was not made, until the last line is one that may hold the password.
// Lines of other accounts, and of accounts that do not exist, stay; what it does is said,
// without a password.
func TestCredentialsReconcileWithTheAuditLog(t *testing.T) {
	for _, tc := range []struct {
		name   string
		runs   []earlierRun
		exists bool
		want   string   // the passwords of row 2 left, in file order
		said   []string // what the notes say, between them
		notes  int
	}{
		{"killed before sending", []earlierRun{{"a", "ok"}, {"b", "none"}}, true, "a", []string{"stopped before it sent"}, 1},
		{"refused, killed before taking it back", []earlierRun{{"a", "ok"}, {"b", "error"}}, true, "a", []string{"refused"}, 1},
		{"the last run made it", []earlierRun{{"a", "open"}, {"b", "ok"}}, true, "a,b", nil, 0},
		{"no answer, another run made it", []earlierRun{{"a", "ok"}, {"b", "open"}}, true, "a", []string{"another run's create made the account"}, 1},
		{"settled later by a run that found it, another run made it", []earlierRun{{"a", "ok"}, {"b", "settled"}}, true, "a", []string{"another run's create made the account"}, 1},
		{"settled later, alone", []earlierRun{{"a", "norun"}, {"b", "settled"}}, true, "a,b", nil, 0},
		{"no answer twice", []earlierRun{{"a", "open"}, {"b", "unknown"}}, true, "a,b", []string{"two interrupted runs", "reset-password user2"}, 1},
		{"no answer, the earlier line of an older adkit", []earlierRun{{"a", "norun"}, {"b", "open"}}, true, "a,b", nil, 0},
		{"a run this log does not know", []earlierRun{{"a", "ok"}, {"b", "elsewhere"}}, true, "a,b", nil, 0},
		{"two in a row", []earlierRun{{"a", "ok"}, {"b", "error"}, {"c", "none"}}, true, "a", []string{"refused", "stopped before it sent"}, 2},
		{"the account does not exist", []earlierRun{{"a", "ok"}, {"b", "none"}}, false, "a,b", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			path := filepath.Join(dir, "creds.csv")
			sink := audit.OpenFileLog(filepath.Join(dir, "audit.jsonl"))
			trail := audit.NewTrail(audit.TrailOptions{Sink: sink, Actor: audit.Actor{OSUser: "test", Host: "test"}})
			for _, r := range tc.runs {
				writeEarlierRun(t, ctx, trail, sink, path, r)
			}
			var notes []string
			creds, err := openCredentials(path, nil, false, false, func(s string) { notes = append(notes, s) })
			if err != nil {
				t.Fatal(err)
			}
			existing := map[string]bool{"e003": true}
			if tc.exists {
				existing["e002"] = true
			}
			if err := creds.reconcile(ctx, trail, existing, func(s string) { notes = append(notes, s) }); err != nil {
				t.Fatal(err)
			}
			_, three := hire(4) // this run's own line, after the reconcile
			if err := creds.add(4, three); err != nil {
				t.Fatal(err)
			}
			if err := creds.Close(); err != nil {
				t.Fatal(err)
			}
			_, records := readCSV(t, path)
			var left []string
			threes, fours := 0, 0
			for _, rec := range records[1:] {
				switch rec[0] {
				case "2":
					left = append(left, strings.TrimPrefix(rec[5], "pw-"))
				case "3":
					threes++
				case "4":
					fours++
				}
			}
			if got := strings.Join(left, ","); got != tc.want {
				t.Errorf("row 2's lines left: %s, want %s", got, tc.want)
			}
			if threes != len(tc.runs) || fours != 1 {
				t.Errorf("row 3 has %d lines (want %d, untouched), row 4 %d (want 1)", threes, len(tc.runs), fours)
			}
			said := strings.Join(notes, "\n")
			if len(notes) != tc.notes {
				t.Errorf("said %q, want %d notes", said, tc.notes)
			}
			for _, w := range tc.said {
				if !strings.Contains(said, w) {
					t.Errorf("said %q, want it to say %q", said, w)
				}
			}
			for _, r := range tc.runs {
				if strings.Contains(said, "pw-"+r.label) {
					t.Errorf("a password in what was said: %q", said)
				}
			}
			if left := leftovers(t, path); len(left) > 0 {
				t.Errorf("beside the file: %v", left)
			}
		})
	}
}
