package user

import (
	"errors"
	"io/fs"
	"os"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
)

// passwordOut is a --password-out file, opened before the directory is changed: a path that
// cannot be written (a missing directory, no permission, a directory) is then refused while
// nothing has happened yet, instead of after the password was set, when the new password
// would be lost and the account left with a password nobody knows.
type passwordOut struct {
	path    string
	f       *os.File
	created bool
}

// openPasswordOut opens (or creates, mode 0600) the file for writing, without truncating an
// existing file: a change that then fails leaves its old content, and a file adkit created
// for it is removed again (Discard). The error is a usage error: nothing was changed.
func openPasswordOut(path string) (*passwordOut, error) {
	p := &passwordOut{path: path}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		p.created = err == nil
	}
	if err != nil {
		return nil, cmdutil.FlagErrorf("--password-out %s cannot be written: %v; nothing was changed", path, unwrapPathError(err))
	}
	// An existing file keeps its old mode: tighten it before a password goes in.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, cmdutil.FlagErrorf("--password-out %s: cannot make it private (mode 0600): %v; nothing was changed", path, unwrapPathError(err))
	}
	p.f = f
	return p, nil
}

// Write replaces the file's content with the secret and closes it. No newline is added:
// tools that read password files (ldapwhoami -y, --bind-password-file) take the content as
// it is.
func (p *passwordOut) Write(content string) error {
	if err := p.f.Truncate(0); err != nil {
		p.f.Close()
		return err
	}
	if _, err := p.f.WriteAt([]byte(content), 0); err != nil {
		p.f.Close()
		return err
	}
	return p.f.Close()
}

// Discard closes the file without writing; a file created for this run is removed.
func (p *passwordOut) Discard() {
	if p == nil {
		return
	}
	p.f.Close()
	if p.created {
		os.Remove(p.path)
	}
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
