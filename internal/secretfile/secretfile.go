// Package secretfile writes a secret (a generated password) to a file the technician named,
// readable by its owner only, in two steps around the directory change: Open before it, so
// that a path that cannot be written stops the command while nothing has happened yet, and
// Write after it. A change that then fails calls Discard, which leaves an existing file's
// content as it was and removes a file Open created.
package secretfile

import (
	"errors"
	"io/fs"
	"os"

	"github.com/adkit-dev/adkit/internal/ownerfile"
)

// File is a secret file opened and not yet written.
type File struct {
	f       *os.File
	path    string
	created bool
}

// Open opens path for writing without truncating it, creating it with mode 0600 if it does
// not exist, and tightens an existing file's mode to 0600 before anything goes in.
func Open(path string) (*File, error) {
	s := &File{path: path}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		s.created = err == nil
	}
	if err != nil {
		return nil, err
	}
	if err := ownerfile.Restrict(f); err != nil {
		f.Close()
		return nil, err
	}
	s.f = f
	return s, nil
}

// Write replaces the file's content with secret and closes it. No newline is added: tools
// that read password files (ldapwhoami -y, --bind-password-file) take the content as it is.
func (s *File) Write(secret string) error {
	if err := s.f.Truncate(0); err != nil {
		s.f.Close()
		return err
	}
	if _, err := s.f.WriteAt([]byte(secret), 0); err != nil {
		s.f.Close()
		return err
	}
	return s.f.Close()
}

// Discard closes the file unwritten; a file Open created is removed. A nil File is fine.
func (s *File) Discard() {
	if s == nil {
		return
	}
	s.f.Close()
	if s.created {
		os.Remove(s.path)
	}
}
