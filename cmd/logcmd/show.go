package logcmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

type showOptions struct {
	IO     *iostreams.IOStreams
	Path   string
	Format output.Format
	Filter audit.Filter
	Now    func() time.Time
	// Unsettled lists only the intents whose outcome is unknown or missing.
	Unsettled bool
}

func newCmdShow(f *factory.Factory, runF func(*showOptions) error) *cobra.Command {
	opts := &showOptions{IO: f.IO, Now: f.Now}
	var since string
	cmd := &cobra.Command{
		Use:   "show",
		Short: "List audit records, newest last",
		Long: `List audit records, newest last. Every change has an intent record, written before the
directory is touched, and an outcome record after it: ok, error (the directory refused it),
skipped (nothing to do, or a dry run) or unknown (the request got no answer — Ctrl-C, a
timeout, a lost connection — and could not be read back). A later run that finds such a
change made writes its outcome then, with the same op_id (settled: later).

--unsettled lists the intents whose outcome is still unknown or missing (a process killed
between the two records). A log whose hash chain is broken is still shown, after a warning:
run 'adkit log verify' to see where.`,
		Example: `  adkit log show --since 24h
  adkit log show --ticket INC-1234 -o json
  adkit log show --action user.reset_password --target jdoe
  adkit log show --unsettled`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = f.Globals.Format(); err != nil {
				return err
			}
			if since != "" {
				if opts.Filter.Since, err = parseSince(since, opts.Now()); err != nil {
					return &cmdutil.FlagError{Err: err}
				}
			}
			if t := opts.Filter.Target; cmd.Flags().Changed("target") && (strings.EqualFold(t, audit.DirectoryAD) || strings.EqualFold(t, audit.DirectoryEntra)) {
				// `adkit --target entra log show`, from a wrapper or an alias that names the
				// directory for every command: the log's records of that directory, not
				// those whose account name contains "entra". --account ad filters by name.
				opts.Filter.Target, opts.Filter.Directory = "", t
			}
			if opts.Path, err = auditLogPath(f); err != nil {
				return err
			}
			return cmdutil.Run(cmd.Context(), opts, runF, showRun)
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "only records at or after TIME: RFC 3339, a date (2026-01-31) or a duration ago (24h, 7d)")
	cmd.Flags().StringVar(&opts.Filter.Action, "action", "", "only this action, e.g. user.unlock")
	// The spec names this filter --target. Everywhere else --target is the global flag naming
	// the directory (ad or entra), which means nothing to the log: here a local --target
	// shadows it (Cobra merges a parent's persistent flag only where no local flag has its
	// name). --account says the same for those who know --target as the directory flag.
	cmd.Flags().StringVar(&opts.Filter.Target, "target", "", "only records whose target (account or group) DN, id or name contains this; ad or entra: only that directory's records")
	cmd.Flags().StringVar(&opts.Filter.Target, "account", "", "the same as --target")
	cmd.MarkFlagsMutuallyExclusive("target", "account")
	cmd.Flags().BoolVar(&opts.Unsettled, "unsettled", false, "only the changes whose outcome is unknown or missing")
	cmd.Flags().StringVar(&opts.Filter.Ticket, "ticket", "", "only records for this ticket")
	return cmd
}

// parseSince accepts what a person types: an RFC 3339 time, a date, or "7d" / "36h" ago.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && n >= 0 && fmt.Sprint(n) == days {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: use an RFC 3339 time, a date such as 2026-01-31, or a duration such as 24h or 7d", s)
}

func showRun(ctx context.Context, opts *showOptions) error {
	file, err := audit.OpenLog(opts.Path)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(opts.IO.ErrOut, "no audit log yet at %s\n", opts.Path)
		if opts.Format == output.FormatJSON {
			return output.WriteJSON(opts.IO.Out, []audit.Record{})
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("open audit log: %w", err)
	}
	defer file.Close()
	// A tampered log is still shown — it may be all there is — but not without a word.
	if res, err := audit.Verify(file); err == nil && res.Problem != nil {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s fails verification at line %d (%s): records may have been changed or removed; 'adkit log verify' fails on it. Showing it anyway.\n",
			opts.Path, res.Problem.Line, res.Problem.Reason)
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read audit log %s: %w", opts.Path, err)
	}
	if opts.Unsettled {
		return showUnsettled(ctx, opts)
	}

	if opts.Format == output.FormatJSON {
		// Stream a JSON array so a large log is never held in memory.
		return writeJSONArray(opts, file)
	}
	if opts.Format == output.FormatCSV {
		// The records' own fields, as -o json names them (actor_os_user, target_dn, …).
		records := []audit.Record{}
		if err := audit.ReadRecords(file, opts.Filter, func(r audit.Record) error {
			records = append(records, r)
			return nil
		}); err != nil {
			return fmt.Errorf("read audit log %s: %w", opts.Path, err)
		}
		return output.WriteRecordsCSV(opts.IO.Out, records)
	}
	// People get local times and a detail cut to fit a line; scripts get every byte.
	human := opts.Format == output.FormatTable || (opts.Format == output.FormatAuto && opts.IO.IsStdoutTTY())
	t := output.Table{Header: []string{"Seq", "Time", "Event", "Action", "Target", "Result", "Ticket", "Actor", "Detail"}}
	err = audit.ReadRecords(file, opts.Filter, func(r audit.Record) error {
		when, d := forPeople(human, r.Time, detail(r))
		t.AddRow(fmt.Sprint(r.Seq), when, r.Event, r.Action, targetName(r.Target), result(r), r.Ticket,
			r.Actor.OSUser+"@"+r.Actor.Host, d)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read audit log %s: %w", opts.Path, err)
	}
	return output.Print(opts.IO, opts.Format, t, nil)
}

// forPeople words a record's time and detail for its table row: for people the local time
// and a detail cut to fit a line, for scripts every byte as written.
func forPeople(human bool, recordTime, detail string) (when, d string) {
	if !human {
		return recordTime, detail
	}
	when = recordTime
	if tm, err := time.Parse(time.RFC3339Nano, recordTime); err == nil {
		when = tm.Local().Format("2006-01-02 15:04:05")
	}
	return when, shorten(detail, 70)
}

// showUnsettled lists the intents still open: their outcome unknown, or never written.
func showUnsettled(ctx context.Context, opts *showOptions) error {
	open, err := audit.Open(ctx, audit.OpenFileLog(opts.Path))
	if err != nil {
		return fmt.Errorf("read audit log %s: %w", opts.Path, err)
	}
	kept := make([]audit.Record, 0, len(open))
	for _, r := range open {
		if opts.Filter.Match(&r) {
			kept = append(kept, r)
		}
	}
	if opts.Format == output.FormatJSON {
		return output.WriteJSON(opts.IO.Out, unsettledJSON(kept))
	}
	if opts.Format == output.FormatCSV {
		// The JSON's fields: outcome, note, intent_seq, intent_action, intent_target_dn, …
		return output.WriteRecordsCSV(opts.IO.Out, unsettledJSON(kept))
	}
	human := opts.Format == output.FormatTable || (opts.Format == output.FormatAuto && opts.IO.IsStdoutTTY())
	t := output.Table{Header: []string{"Seq", "Time", "OpID", "Action", "Target", "Outcome", "Ticket", "Actor", "Detail"}}
	for _, r := range kept {
		when, d := forPeople(human, r.Time, unsettledDetail(r))
		t.AddRow(fmt.Sprint(r.Seq), when, r.OpID, r.Action, targetName(r.Target), outcomeState(r), r.Ticket,
			r.Actor.OSUser+"@"+r.Actor.Host, d)
	}
	if len(kept) == 0 && opts.Format != output.FormatJSON {
		fmt.Fprintln(opts.IO.ErrOut, "no unsettled changes: every intent has an outcome")
		return nil
	}
	return output.Print(opts.IO, opts.Format, t, nil)
}

// UnsettledIntent is one entry of `log show --unsettled -o json` and of `log verify -o json`'s
// unsettled list: the intent record, and what is known of its outcome.
type UnsettledIntent struct {
	Outcome string       `json:"outcome"` // "unknown" or "missing"
	Note    string       `json:"note,omitempty"`
	Intent  audit.Record `json:"intent"`
}

func unsettledJSON(rs []audit.Record) []UnsettledIntent {
	out := make([]UnsettledIntent, 0, len(rs))
	for _, r := range rs {
		u := UnsettledIntent{Outcome: outcomeState(r), Note: r.Note}
		r.Result, r.Note = "", "" // they came from the outcome; the intent is shown as written
		u.Intent = r
		out = append(out, u)
	}
	return out
}

// outcomeState is "unknown" for an intent whose outcome says so, "missing" for one without.
func outcomeState(r audit.Record) string {
	if r.Result == audit.ResultUnknown {
		return "unknown"
	}
	return "missing"
}

func unsettledDetail(r audit.Record) string {
	if r.Note != "" {
		return r.Note
	}
	return detail(r)
}

func writeJSONArray(opts *showOptions, file io.Reader) error {
	arr := output.NewJSONArray(opts.IO.Out)
	if err := audit.ReadRecords(file, opts.Filter, func(r audit.Record) error { return arr.Add(r) }); err != nil {
		return fmt.Errorf("read audit log %s: %w", opts.Path, err)
	}
	return arr.Close()
}

// targetName names a record's target in a table: its name, else its DN, else its id.
func targetName(t audit.Target) string { return cmp.Or(t.Name, t.DN, t.ID) }

func result(r audit.Record) string {
	s := r.Result
	if r.Settled == audit.SettledLater {
		s += " (settled later)"
	} else if r.Settled == audit.SettledReadBack {
		s += " (read back)"
	}
	if r.Event == "intent" {
		s = "-"
	}
	if r.DryRun {
		s += " (dry run)"
	}
	return s
}

func detail(r audit.Record) string {
	if r.Error != "" {
		return r.Error
	}
	if r.Note != "" {
		return r.Note
	}
	parts := make([]string, 0, len(r.Changes))
	for _, c := range r.Changes {
		if c.After == nil && c.Before == nil {
			parts = append(parts, c.Attribute)
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %v → %v", c.Attribute, orDash(c.Before), orDash(c.After)))
	}
	return strings.Join(parts, "; ")
}

func orDash(v any) any {
	if v == nil || v == "" {
		return "-"
	}
	return v
}

// shorten cuts s to at most n runes, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
