package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/adkit-dev/adkit/internal/filelock"
	"github.com/adkit-dev/adkit/internal/ownerfile"
)

// maxLineSize bounds the encoded size of one record, newline included. The
// appender reads the last line backwards and the verifier buffers one line
// at a time; the bound keeps both cheap, and refusing an oversized record up
// front stops one record from making the log unappendable.
const maxLineSize = 1 << 20

// errIncompleteTail means the log does not end in a newline: a write was
// cut short or the file was edited. Appending after it would bury the
// damage inside the chain, so FileLog refuses until someone looks.
var errIncompleteTail = errors.New("last line is incomplete (no trailing newline); run 'adkit log verify'")

// FileLog appends records to a hash-chained JSON Lines file.
//
// Every Append opens the file, takes an exclusive OS lock on it, reads the
// last record to continue the chain, writes and fsyncs one line, and
// releases the lock. Holding no state between calls is what lets any number
// of goroutines and processes share one log.
type FileLog struct {
	path string
	// window is how much of the log's end RecentRecords reads; 0 means settleWindow.
	window int64
}

// OpenFileLog returns a FileLog for path. It does not touch the filesystem;
// the file and its directory are created on the first Append.
func OpenFileLog(path string) *FileLog {
	return &FileLog{path: path}
}

// Path returns the log file's path.
func (l *FileLog) Path() string { return l.path }

// Append chains r onto the log and writes it. It sets r.V, r.Seq, r.PrevHash
// and r.Hash on success and leaves r unchanged on failure.
//
// ctx is checked before the write starts; once the lock is held the write is
// finished regardless, since it is short and a half-done append is worse
// than a late one.
func (l *FileLog) Append(ctx context.Context, r *Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: append to %s: %w", l.path, err)
	}
	if err := l.append(func(int64, string) (Record, error) { return *r, nil }, r); err != nil {
		return fmt.Errorf("audit: append to %s: %w", l.path, err)
	}
	return nil
}

// AppendAll appends the records in order under one lock and with one flush to disk: a bulk
// change announces hundreds of memberships at once, and a flush per record cost more than the
// directory's work (see docs/audit-log.md). Either every record is written or, on failure,
// none is and rs are unchanged.
func (l *FileLog) AppendAll(ctx context.Context, rs []*Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: append to %s: %w", l.path, err)
	}
	if len(rs) == 0 {
		return nil
	}
	builds := make([]func(int64, string) (Record, error), len(rs))
	for i, r := range rs {
		builds[i] = func(int64, string) (Record, error) { return *r, nil }
	}
	if err := l.appendMany(builds, rs); err != nil {
		return fmt.Errorf("audit: append to %s: %w", l.path, err)
	}
	return nil
}

// append chains the record that build makes, given the seq and hash of the log's last
// record, and stores the written record in out. build runs under the lock, so a record that
// must name the record before it (a signed checkpoint) names the one it follows.
func (l *FileLog) append(build func(lastSeq int64, lastHash string) (Record, error), out *Record) error {
	return l.appendMany([]func(int64, string) (Record, error){build}, []*Record{out})
}

// appendMany is append for several records, chained one after the other, written with one
// write and one flush.
func (l *FileLog) appendMany(builds []func(lastSeq int64, lastHash string) (Record, error), outs []*Record) (err error) {
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := restrictMode(f); err != nil {
		return err
	}
	if err := filelock.Lock(f); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	// Closing would release the lock too, but Windows only promises to do
	// that eventually.
	defer filelock.Unlock(f)

	// Stat under the lock: the size is only stable while we hold it.
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	seq, prev, err := lastRecord(f, size)
	if err != nil {
		return err
	}

	sealed := make([]Record, len(builds))
	var buf []byte
	for i, build := range builds {
		rec, err := build(seq, prev)
		if err != nil {
			return err
		}
		rec.V = Version
		rec.Seq = seq + 1
		rec.PrevHash = prev
		rec.Hash = ""
		line, err := seal(&rec)
		if err != nil {
			return err
		}
		line = append(line, '\n')
		if len(line) > maxLineSize {
			return fmt.Errorf("record is %d bytes, over the %d byte limit", len(line), maxLineSize)
		}
		buf = append(buf, line...)
		sealed[i] = rec
		seq, prev = rec.Seq, rec.Hash
	}
	// One write, so that a reader never sees a record and its newline apart
	// from each other unless the write itself failed.
	if _, err := f.Write(buf); err != nil {
		// Best effort: remove a partial line so the next append can
		// continue the chain instead of refusing.
		_ = f.Truncate(size)
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	for i, out := range outs {
		*out = sealed[i]
	}
	return nil
}

// restrictMode ensures f is a regular file readable by its owner only. An
// audit log names accounts and who changed them; it is not for everyone.
func restrictMode(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	// Windows has no mode bits to tighten; access there is the ACL's job.
	if runtime.GOOS == "windows" {
		return ownerfile.Restrict(f)
	}
	if fi.Mode().Perm()&^0o600 != 0 {
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("restrict mode to 0600: %w", err)
		}
	}
	return nil
}

// lastRecord returns the seq and hash of the last record in a log of the
// given size, or 0 and zeroHash for an empty log.
func lastRecord(r io.ReaderAt, size int64) (seq int64, hash string, err error) {
	if size == 0 {
		return 0, zeroHash, nil
	}
	line, err := lastLine(r, size)
	if err != nil {
		return 0, "", err
	}
	var last struct {
		Seq  int64  `json:"seq"`
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal(line, &last); err != nil || last.Seq < 1 || !isHash(last.Hash) {
		return 0, "", errors.New("last line is not a valid record; run 'adkit log verify'")
	}
	return last.Seq, last.Hash, nil
}

// lastLine returns the last newline-terminated line of a file of the given
// size, without its newline. It scans backwards from the end in small
// blocks, so appending costs the same for a log of any length.
func lastLine(r io.ReaderAt, size int64) ([]byte, error) {
	const blockSize = 4096

	var nl [1]byte
	if err := readAt(r, nl[:], size-1); err != nil {
		return nil, err
	}
	if nl[0] != '\n' {
		return nil, errIncompleteTail
	}

	end := size - 1 // the line is [start, end)
	start := int64(0)
	block := make([]byte, blockSize)
	for pos := end; pos > 0; {
		if end-pos >= maxLineSize {
			return nil, fmt.Errorf("last line is over the %d byte limit", maxLineSize)
		}
		b := block[:min(blockSize, pos)]
		pos -= int64(len(b))
		if err := readAt(r, b, pos); err != nil {
			return nil, err
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			start = pos + int64(i) + 1
			break
		}
	}
	line := make([]byte, end-start)
	if err := readAt(r, line, start); err != nil {
		return nil, err
	}
	return line, nil
}

// readAt fills p from r at off.
func readAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}
