package cmdutil

import (
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

// Layouts for When: a day in lists, a minute in a one-account view.
const (
	DayLayout    = "2006-01-02"
	MinuteLayout = "2006-01-02 15:04 MST"
)

// When shows a time stamp: for people in local time with how long ago it was ("2026-11-02
// (3 weeks ago)"), unset when there is none; for scripts RFC 3339 in UTC, empty when none.
func When(t *time.Time, human bool, now time.Time, layout, unset string) string {
	switch {
	case t == nil && human:
		return unset
	case t == nil:
		return ""
	case human:
		return t.Local().Format(layout) + " (" + Ago(now, *t) + ")"
	}
	return t.UTC().Format(time.RFC3339)
}

// Ago says how long before now t was, roughly, the way people say it.
func Ago(now, t time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		return "in " + roughly(-d)
	}
	return roughly(d) + " ago"
}

func roughly(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "seconds"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour")
	case d < 60*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day")
	case d < 2*365*24*time.Hour:
		return plural(int(d/(30*24*time.Hour)), "month")
	default:
		return plural(int(d/(365*24*time.Hour)), "year")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// SearchTable says how a search's results look: the CSV header, the table's header, what to
// say when nothing matched, and a result's cells, worded for people when human is true.
type SearchTable[T any] struct {
	CSVHeader, TableHeader []string
	None                   string
	Row                    func(result T, human bool) []string
}

// Search runs search and shows what it finds, as it finds it: JSON array items, CSV rows, or
// plain tab-separated lines, each written as it arrives; for people (a terminal, or -o table)
// one table sorted by its first column once the search ends, since a table needs every row
// to size its columns, and t.None on stderr when nothing matched. search calls emit for each
// result.
func Search[T any](ios *iostreams.IOStreams, format output.Format, t SearchTable[T], search func(emit func(T) error) error) error {
	var emit func(T) error
	flush := func() error { return nil }
	switch {
	case format == output.FormatJSON:
		arr := output.NewJSONArray(ios.Out)
		emit, flush = func(r T) error { return arr.Add(r) }, arr.Close
	case format == output.FormatCSV:
		w := csv.NewWriter(ios.Out)
		if err := w.Write(t.CSVHeader); err != nil {
			return err
		}
		emit = func(r T) error { return w.Write(t.Row(r, false)) }
		flush = func() error { w.Flush(); return w.Error() }
	case format == output.FormatTable || ios.IsStdoutTTY():
		table := output.Table{Header: t.TableHeader}
		emit = func(r T) error { table.AddRow(t.Row(r, true)...); return nil }
		flush = func() error {
			if len(table.Rows) == 0 {
				fmt.Fprintln(ios.ErrOut, t.None)
				return nil
			}
			sort.Slice(table.Rows, func(i, j int) bool {
				return strings.ToLower(table.Rows[i][0]) < strings.ToLower(table.Rows[j][0])
			})
			return output.WriteTable(ios.Out, table)
		}
	default:
		emit = func(r T) error {
			return output.WritePlain(ios.Out, output.Table{Rows: [][]string{t.Row(r, false)}})
		}
	}
	err := search(emit)
	if ferr := flush(); err == nil {
		err = ferr
	}
	return err
}

// LastLogonLagNote tells people that a search by last logon reads lastLogonTimestamp, which
// AD replicates only every 9 to 14 days.
func LastLogonLagNote(ios *iostreams.IOStreams) {
	fmt.Fprintf(ios.ErrOut, "note: last logon comes from lastLogonTimestamp, which can lag by up to %d days\n",
		int(directory.LastLogonReplicationLag.Hours()/24))
}

// MissingDCs collects the domain controllers an exact (every-DC) logon search could not ask,
// for directory.UserQuery/ComputerQuery.MissingDCs; warn, deferred, says which they were and
// that the results named as what may not all be it.
func MissingDCs(ios *iostreams.IOStreams, results, what string) (missing func(dc string, err error), warn func()) {
	var dcs []string
	missing = func(dc string, err error) { dcs = append(dcs, fmt.Sprintf("%s (%v)", dc, err)) }
	warn = func() {
		if len(dcs) > 0 {
			fmt.Fprintf(ios.ErrOut, "warning: these domain controllers did not answer, so logons there are not counted and some %s listed may not be %s: %s\n", results, what, strings.Join(dcs, ", "))
		}
	}
	return missing, warn
}

// LogonAge is how a search selects by last logon (user search --inactive, computer search
// --stale): after Days days without one (0: not asked), read on every DC when Exact.
type LogonAge struct {
	Flag  string // the option that gives Days, as the --exact error names it: "--inactive DAYS"
	Days  int
	Exact bool
	// Timestamp: the search reads lastLogonTimestamp (AD without --exact), whose lag is noted.
	Timestamp bool
	// Results and What name the results for MissingDCs' warning: "accounts", "inactive".
	Results, What string
}

// SearchByLogon is Search for a search that may select by last logon: --exact without a
// number of days is a usage error; the domain controllers an exact search could not ask are
// collected through *missingDCs (the query's MissingDCs) and named once the search ends; a
// search by lastLogonTimestamp notes its lag first.
func SearchByLogon[T any](ios *iostreams.IOStreams, format output.Format, age LogonAge, missingDCs *func(dc string, err error),
	t SearchTable[T], search func(emit func(T) error) error) error {
	if age.Exact && age.Days == 0 {
		return FlagErrorf("--exact goes with %s", age.Flag)
	}
	var warn func()
	*missingDCs, warn = MissingDCs(ios, age.Results, age.What)
	defer warn()
	if age.Days > 0 && !age.Exact && age.Timestamp {
		LastLogonLagNote(ios)
	}
	return Search(ios, format, t, search)
}
