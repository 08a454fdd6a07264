package plancmd

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
)

// ReadCSV parses the CSV file at path ("-" is stdin) with parse, hashing the bytes as they
// are read, so that a saved plan names exactly the bytes it was planned from. It returns what
// parse made and the SHA-256 in hex. A file that cannot be opened is a usage error naming
// what it is ("HR file", "leavers file"); a parse error is prefixed with the path.
func ReadCSV[T any](stdin io.Reader, path, what string, parse func(io.Reader) (T, error)) (T, string, error) {
	var zero T
	r := stdin
	if path != "-" {
		file, err := os.Open(path)
		if err != nil {
			return zero, "", &cmdutil.FlagError{Err: fmt.Errorf("open %s: %w", what, err)}
		}
		defer file.Close()
		r = file
	}
	h := sha256.New()
	v, err := parse(io.TeeReader(r, h))
	if err != nil {
		return zero, "", fmt.Errorf("%s: %w", path, err)
	}
	return v, hex.EncodeToString(h.Sum(nil)), nil
}
