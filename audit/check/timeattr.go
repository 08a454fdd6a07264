package check

import "time"

// days is a whole number of days, for "last logon 412 days ago".
func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

// day formats a time as a date, the precision lastLogonTimestamp deserves.
func day(t time.Time) string { return t.UTC().Format("2006-01-02") }
