package user

import (
	"errors"
	"io/fs"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/internal/secretfile"
)

// openPasswordOut opens a --password-out file before the directory is changed: a path that
// cannot be written (a missing directory, no permission, a directory) is then refused while
// nothing has happened yet, instead of after the password was set, when the new password
// would be lost and the account left with a password nobody knows. The error is a usage
// error: nothing was changed.
func openPasswordOut(path string) (*secretfile.File, error) {
	f, err := secretfile.Open(path)
	if err != nil {
		return nil, cmdutil.FlagErrorf("--password-out %s cannot be written: %v; nothing was changed", path, unwrapPathError(err))
	}
	return f, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
