package audit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testRecord returns a plausible record; n makes it distinct.
func testRecord(n int) *Record {
	return &Record{
		V:         Version,
		Time:      time.Date(2025, 3, 1, 12, 0, n, 0, time.UTC).Format(timeFormat),
		Event:     EventIntent,
		OpID:      fmt.Sprintf("%032x", n),
		Action:    "user.unlock",
		Directory: DirectoryAD,
		Server:    "dc1.example.com",
		Actor:     Actor{OSUser: "alice", Host: "ws1", BindIdentity: "alice@EXAMPLE.COM"},
		Target:    Target{DN: fmt.Sprintf("CN=User %d,OU=Staff,DC=example,DC=com", n), Name: fmt.Sprintf("user%d", n)},
		Ticket:    "CHG-1",
		Reason:    "locked out <after> holiday & more",
		Changes:   []Change{{Attribute: "lockoutTime", Before: "133000000000000000", After: "0"}},
	}
}

// writeLog appends n test records to a new log and returns its path.
func writeLog(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := OpenFileLog(path)
	for i := 1; i <= n; i++ {
		if err := l.Append(context.Background(), testRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// lines splits a log into its lines, each with its newline.
func lines(data []byte) [][]byte {
	return bytes.SplitAfter(data, []byte("\n"))[:bytes.Count(data, []byte("\n"))]
}

// readAll returns every record in the log at path.
func readAll(t *testing.T, path string) []Record {
	t.Helper()
	var recs []Record
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := ReadRecords(f, Filter{}, func(r Record) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return recs
}

// verifyBytes runs Verify over data.
func verifyBytes(t *testing.T, data []byte) VerifyResult {
	t.Helper()
	res, err := Verify(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return res
}
