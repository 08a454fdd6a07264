package audit

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"sync"
	"testing"
)

// A run reads the end of the log back (RecentRecords, to settle what an earlier run left open)
// while its own goroutines, and other processes, append to it: rows are made several at once.
// The reader must never see half a record, or the run settles nothing and leaves the earlier
// run's intents "unknown" for good (entra_onboard_interrupt failed so, now and then), and
// 'log verify' calls a sound log damaged.
func TestRecentRecordsWhileAppending(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := OpenFileLog(path)
	ctx := context.Background()
	const writers, each = 4, 50
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := l.Append(ctx, testRecord(w*each+i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	reads := 0
	for {
		select {
		case <-done:
			if reads == 0 {
				t.Fatal("the log was never read while it was written")
			}
			n := 0
			if err := l.RecentRecords(ctx, func(Record) error { n++; return nil }); err != nil || n != writers*each {
				t.Fatalf("after the writes: %d records, %v; want %d", n, err, writers*each)
			}
			return
		default:
		}
		if err := l.RecentRecords(ctx, func(Record) error { return nil }); err != nil {
			t.Fatalf("read %d, while records were being appended: %v", reads, err)
		}
		// 'log show' and 'log verify' (OpenLog) while another run appends: the log is sound.
		r, err := OpenLog(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // no record written yet
		}
		if err != nil {
			t.Fatal(err)
		}
		res, err := Verify(r)
		r.Close()
		if err != nil || res.Problem != nil {
			t.Fatalf("verify %d, while records were being appended: %v, %+v", reads, err, res.Problem)
		}
		reads++
	}
}
