package audit

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadRecordsFilter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := OpenFileLog(path)
	add := func(day int, action, dn, id, name, ticket string) {
		t.Helper()
		r := testRecord(day)
		r.Time = time.Date(2025, 3, day, 9, 0, 0, 0, time.UTC).Format(timeFormat)
		r.Action, r.Ticket = action, ticket
		r.Target = Target{DN: dn, ID: id, Name: name}
		if err := l.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	add(1, "user.unlock", "CN=Bob Smith,OU=Staff,DC=example,DC=com", "", "bsmith", "CHG-1")
	add(2, "user.reset_password", "CN=Ann Lee,OU=Staff,DC=example,DC=com", "", "alee", "CHG-2")
	add(3, "group.add_member", "", "8f0e3c2a-1111-2222-3333-444455556666", "Finance", "chg-1")
	add(4, "username.set", "", "", "carol", "")

	for _, tc := range []struct {
		name string
		f    Filter
		want []int64 // seqs
	}{
		{"all", Filter{}, []int64{1, 2, 3, 4}},
		{"since", Filter{Since: time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)}, []int64{2, 3, 4}},
		{"since other zone", Filter{Since: time.Date(2025, 3, 3, 9, 30, 0, 0, time.FixedZone("CET", 3600))}, []int64{3, 4}},
		{"action exact", Filter{Action: "user.unlock"}, []int64{1}},
		{"action namespace", Filter{Action: "user"}, []int64{1, 2}},
		{"action namespace with dot", Filter{Action: "User."}, []int64{1, 2}},
		{"target dn", Filter{Target: "ann lee"}, []int64{2}},
		{"target ou", Filter{Target: "ou=staff"}, []int64{1, 2}},
		{"target id", Filter{Target: "8F0E3C2A"}, []int64{3}},
		{"target name", Filter{Target: "FINANCE"}, []int64{3}},
		{"ticket", Filter{Ticket: "CHG-1"}, []int64{1, 3}},
		{"combined", Filter{Ticket: "chg-1", Action: "group"}, []int64{3}},
		{"none", Filter{Target: "nobody"}, nil},
	} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		err = ReadRecords(f, tc.f, func(r Record) error {
			got = append(got, r.Seq)
			return nil
		})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !equalSeqs(got, tc.want) {
			t.Errorf("%s: got seqs %v, want %v", tc.name, got, tc.want)
		}
	}
}

func equalSeqs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadRecordsStopsOnCallbackError(t *testing.T) {
	data := readFile(t, writeLog(t, 3))
	stop := errors.New("stop")
	n := 0
	err := ReadRecords(strings.NewReader(string(data)), Filter{}, func(Record) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err = %v after %d calls, want stop after 1", err, n)
	}
}

func TestReadRecordsReportsBadLine(t *testing.T) {
	data := string(readFile(t, writeLog(t, 2))) + "garbage\n"
	err := ReadRecords(strings.NewReader(data), Filter{}, func(Record) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("err = %v, want one naming line 3", err)
	}
}

func TestReadRecordsKeepsValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	r := testRecord(1)
	r.Changes = []Change{{Attribute: "userAccountControl", Before: 514, After: 512}}
	if err := OpenFileLog(path).Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	c := readAll(t, path)[0].Changes[0]
	if c.Before != json.Number("514") || c.After != json.Number("512") {
		t.Errorf("change read back as %#v", c)
	}
}
