package audit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"

	"github.com/adkit-dev/adkit/internal/filelock"
)

// RecordSource is a sink whose records can be read back: [FileLog], and [Multi] when its
// primary is one. [Trail.SettleEarlier] needs it to find intents that are still open.
type RecordSource interface {
	EachRecord(ctx context.Context, fn func(Record) error) error
	// RecentRecords is EachRecord for the end of the log only (settleWindow bytes), so
	// that settling costs a change the same on a log of years as on a new one.
	RecentRecords(ctx context.Context, fn func(Record) error) error
}

// settleWindow is how much of the end of the log SettleEarlier looks at for open intents:
// about 30,000 records, many runs back. An interrupted run is normally re-run soon after;
// older open intents are still listed by 'log show --unsettled' and 'log verify', which
// read the whole log. (Reading a 120 MB log whole took 4 s on the shared test machine.)
const settleWindow = 16 << 20

// openForReading opens the log to read it as it is now (a LogReader, ending at the last
// whole record): nil and no error when it does not exist yet (it has no records then). The
// size is taken under a shared lock, so no append is half written at that moment, and the
// reader reads no further: records are only ever added after it. Reading to the end instead
// would, now and then, meet the record another goroutine or adkit is writing, cut off, and
// fail ("unexpected EOF"); a run then settled nothing it should have (entra_onboard_interrupt).
// The lock is released at once: a reader's fn may append (settling), which would wait on
// a lock this process holds.
func (l *FileLog) openForReading() (*LogReader, error) {
	f, err := os.Open(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: read %s: %w", l.path, err)
	}
	size, err := sizeUnderLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("audit: read %s: %w", l.path, err)
	}
	return &LogReader{SectionReader: io.NewSectionReader(f, 0, size), f: f}, nil
}

// sizeUnderLock is f's size while no append holds the log's lock.
func sizeUnderLock(f *os.File) (int64, error) {
	if err := filelock.RLock(f); err != nil {
		return 0, fmt.Errorf("lock: %w", err)
	}
	defer filelock.Unlock(f)
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

// LogReader reads an audit log as it was when it was opened (OpenLog): it ends at the last
// record that was whole then, whatever is being appended meanwhile.
type LogReader struct {
	*io.SectionReader
	f *os.File
}

// Close closes the log file.
func (r *LogReader) Close() error { return r.f.Close() }

// OpenLog opens the log at path for 'log show' and 'log verify', which read it whole while
// other adkit runs may be appending: read to its very end, a log would now and then end in
// the half of a record being written and fail verification ("last line is incomplete")
// though nothing is wrong with it. The error wraps fs.ErrNotExist when there is no log.
func OpenLog(path string) (*LogReader, error) {
	lr, err := OpenFileLog(path).openForReading()
	if lr == nil && err == nil {
		return nil, fmt.Errorf("audit: read %s: %w", path, fs.ErrNotExist)
	}
	return lr, err
}

// EachRecord calls fn for every record of the log, in order. A log that does not exist yet
// has none.
func (l *FileLog) EachRecord(ctx context.Context, fn func(Record) error) error {
	lr, err := l.openForReading()
	if lr == nil {
		return err
	}
	defer lr.Close()
	return readRecordsUntilDone(ctx, lr, fn)
}

// RecentRecords calls fn for the records in the last settleWindow bytes of the log, in order
// (the first, cut, line skipped).
func (l *FileLog) RecentRecords(ctx context.Context, fn func(Record) error) error {
	lr, err := l.openForReading()
	if lr == nil {
		return err
	}
	defer lr.Close()
	window := l.window
	if window <= 0 {
		window = settleWindow
	}
	var r io.Reader = lr
	if size := lr.Size(); size > window {
		start := size - window
		br := bufio.NewReader(io.NewSectionReader(lr, start-1, size-start+1))
		// Skip to the first whole line: from just before start, so a line that begins
		// exactly at start is kept.
		if _, err := br.ReadBytes('\n'); err != nil {
			return nil // no line starts in the window
		}
		r = br
	}
	return readRecordsUntilDone(ctx, r, fn)
}

// readRecordsUntilDone is ReadRecords of every record, stopping when ctx is done.
func readRecordsUntilDone(ctx context.Context, r io.Reader, fn func(Record) error) error {
	return ReadRecords(r, Filter{}, func(rec Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(rec)
	})
}

// RecentRecords reads the end of the primary sink's records.
func (m *Multi) RecentRecords(ctx context.Context, fn func(Record) error) error {
	src, ok := m.primary.(RecordSource)
	if !ok {
		return errors.New("audit: the primary sink cannot be read back")
	}
	return src.RecentRecords(ctx, fn)
}

// EachRecord reads the primary sink's records.
func (m *Multi) EachRecord(ctx context.Context, fn func(Record) error) error {
	src, ok := m.primary.(RecordSource)
	if !ok {
		return errors.New("audit: the primary sink cannot be read back")
	}
	return src.EachRecord(ctx, fn)
}

// Open reports the intents of a log whose outcome is still open: "unknown", or missing (the
// process ended between the two records). Dry runs are left out: they change nothing. An
// intent settled later ([SettledLater]) is no longer open. The result is in log order.
func Open(ctx context.Context, src RecordSource) ([]Record, error) {
	return openIn(ctx, src.EachRecord)
}

// openIn is Open over the records each yields. An intent is dropped as soon as its outcome
// settles it, so memory follows what is open, not the length of the log read (a bulk run
// writes thousands of records).
func openIn(ctx context.Context, each func(context.Context, func(Record) error) error) ([]Record, error) {
	open := map[string]*Record{}
	var order []string // op_ids of the intents, in log order
	err := each(ctx, func(r Record) error {
		switch {
		case r.Event == EventIntent && !r.DryRun:
			rc := r
			open[r.OpID] = &rc
			order = append(order, r.OpID)
		case r.Event == EventOutcome && r.Result != ResultUnknown:
			delete(open, r.OpID)
		case r.Event == EventOutcome: // unknown: still open, but say why
			if in, ok := open[r.OpID]; ok {
				in.Result, in.Note = r.Result, r.Note
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if order == nil {
		return nil, nil // as before: no intent at all is nil, all settled is empty
	}
	out := []Record{}
	for _, id := range order {
		if r, ok := open[id]; ok {
			out = append(out, *r)
			delete(open, id) // an op_id written twice is listed once
		}
	}
	return out, nil
}

// pending is a Trail's view of the open intents of earlier runs, read once, when a change is
// first found already made; shared by the copies WithBindIdentity makes.
type pending struct {
	once sync.Once
	err  error
	mu   sync.Mutex
	open []Record
	// own are the op_ids this process wrote: a change still under way in another goroutine
	// is not an earlier run's open intent.
	own map[string]bool
}

func (p *pending) mine(opID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.own == nil {
		p.own = map[string]bool{}
	}
	p.own[opID] = true
}

// SettleEarlier writes, for every open intent of an earlier run that match accepts, the
// outcome it never got: "ok", settled later, with the intent's op_id — called when a run finds
// a change already made, or makes it itself, that an earlier run sent without hearing back
// (an interrupt, a timeout, a lost connection, a killed process): the change the intent
// announced is in the directory now. note says how it was found. It returns how
// many intents it settled. A sink that cannot be read back settles nothing.
func (t *Trail) SettleEarlier(ctx context.Context, match func(intent Record) bool, note string) (int, error) {
	return t.settleEarlier(ctx, match, ResultOK, note)
}

// SupersedeEarlier writes, for every open intent of an earlier run that match accepts, the
// outcome "skipped", settled later: this run has just made the change itself, so the earlier
// request, sent without hearing back, was not made (the directory would have refused this one).
// Recording it "ok" would count the change twice.
func (t *Trail) SupersedeEarlier(ctx context.Context, match func(intent Record) bool, note string) (int, error) {
	return t.settleEarlier(ctx, match, ResultSkipped, note)
}

func (t *Trail) settleEarlier(ctx context.Context, match func(intent Record) bool, result, note string) (int, error) {
	if t.dryRun || t.sink == nil || t.pending == nil {
		return 0, nil
	}
	src, ok := t.sink.(RecordSource)
	if !ok {
		return 0, nil
	}
	p := t.pending
	p.once.Do(func() { p.open, p.err = openIn(context.WithoutCancel(ctx), src.RecentRecords) })
	if p.err != nil {
		// Settling is a courtesy to the reader of the log, not a condition of the change:
		// a log that cannot be read back (a damaged line) settles nothing, and 'log verify'
		// still lists what is open.
		return 0, nil
	}
	p.mu.Lock()
	var todo []Record
	keep := p.open[:0]
	for _, r := range p.open {
		if !p.own[r.OpID] && match(r) {
			todo = append(todo, r)
		} else {
			keep = append(keep, r)
		}
	}
	p.open = keep
	p.mu.Unlock()
	octx := context.WithoutCancel(ctx)
	for i, intent := range todo {
		out := t.outcome(intent, result, "")
		out.Settled = SettledLater
		out.Note = "settled later: " + note
		out.Actor = t.actor // who settled it; the intent names who sent it
		if err := t.write(octx, out); err != nil {
			return i, fmt.Errorf("%w: settle %s of %s: %w", ErrAuditUnavailable, intent.Action, intent.Target.Name, err)
		}
	}
	return len(todo), nil
}

// RecentRecords calls fn for the records at the end of the trail's log, in order (the same
// window SettleEarlier reads): how a later run finds out what an interrupted one did. It
// reports false, having called fn for none, when the sink cannot be read back.
func (t *Trail) RecentRecords(ctx context.Context, fn func(Record) error) (bool, error) {
	src, ok := t.sink.(RecordSource)
	if !ok {
		return false, nil
	}
	return true, src.RecentRecords(ctx, fn)
}
