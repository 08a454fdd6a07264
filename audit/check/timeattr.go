package check

import (
	"strconv"
	"time"
)

// fileTimeEpochDiff is the number of 100 ns intervals between 1601-01-01 and 1970-01-01.
const fileTimeEpochDiff = 116444736000000000

// fileTime reads an AD FILETIME (100 ns ticks since 1601, as decimal text). Zero, "never"
// (2^63-1) and unparsable values are the zero time: AD uses them all to mean "not set".
func fileTime(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n == 0x7FFFFFFFFFFFFFFF {
		return time.Time{}
	}
	return time.Unix(0, (n-fileTimeEpochDiff)*100).UTC()
}

// generalizedTime reads AD's "20240131154500.0Z"; the zero time when s is empty or invalid.
func generalizedTime(s string) time.Time {
	for _, layout := range []string{"20060102150405.0Z", "20060102150405Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// days is a whole number of days, for "last logon 412 days ago".
func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

// day formats a time as a date, the precision lastLogonTimestamp deserves.
func day(t time.Time) string { return t.UTC().Format("2006-01-02") }
