package audit

import (
	"bufio"
	"errors"
	"io"
)

// errLineTooLong means a line is longer than any record FileLog writes.
var errLineTooLong = errors.New("line is over the size limit")

// lineReader reads a log one line at a time, holding at most one line in
// memory. Unlike bufio.Scanner it keeps carriage returns (a stray \r is
// tampering, not a line ending) and says whether the final line was
// terminated.
type lineReader struct {
	br  *bufio.Reader
	buf []byte
	n   int // lines returned so far
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line without its newline and whether it had one.
// At the end of input it returns io.EOF. The line is only valid until the
// next call.
func (lr *lineReader) next() (line []byte, terminated bool, err error) {
	lr.buf = lr.buf[:0]
	lr.n++
	for {
		chunk, err := lr.br.ReadSlice('\n')
		lr.buf = append(lr.buf, chunk...)
		switch {
		case len(lr.buf) > maxLineSize:
			return nil, false, errLineTooLong
		case err == nil:
			return lr.buf[:len(lr.buf)-1], true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(lr.buf) > 0:
			return lr.buf, false, nil
		case err == io.EOF:
			lr.n--
			return nil, false, io.EOF
		default:
			return nil, false, err
		}
	}
}

// lineNo returns the 1-based number of the line last read, or being read
// when next failed.
func (lr *lineReader) lineNo() int { return lr.n }
