// Package iostreams carries the process's standard streams and what is known about them
// (terminal or pipe), so commands never touch os.Stdout directly and tests can swap buffers in.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams is stdin, stdout and stderr plus their terminal-ness.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	// stderrNoVT: stderr is a Windows console that cannot take escape sequences (one older
	// than Windows 10), so the progress bar's redraw would print as text.
	stderrNoVT bool
	width      int
}

// System returns the process's real streams.
func System() *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	s.stdinTTY = isTerminal(os.Stdin)
	s.stdoutTTY = isTerminal(os.Stdout)
	s.stderrTTY = isTerminal(os.Stderr)
	if s.stderrTTY {
		s.stderrNoVT = !enableVT(os.Stderr)
	}
	if s.stdoutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			s.width = w
		}
	}
	return s
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// Test returns streams backed by buffers, none of them a terminal.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// IsStdinTTY reports whether stdin is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether stdout is a terminal (tables with headers) or a pipe (plain rows).
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal (progress bars) or not (a line per item).
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// CanRedrawStderr reports whether stderr is a terminal that understands the escape
// sequences a progress bar redraws itself with.
func (s *IOStreams) CanRedrawStderr() bool { return s.stderrTTY && !s.stderrNoVT }

// CanPrompt reports whether a person can answer a question: stdin and stderr are terminals.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stderrTTY }

// SetTTY sets the terminal-ness of all three streams (for tests).
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

// TerminalWidth is the width of the stdout terminal, or 0 when unknown.
func (s *IOStreams) TerminalWidth() int { return s.width }
