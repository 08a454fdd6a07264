// Package secret holds passwords in a type that refuses to print itself, so a secret cannot
// reach a log line, an error message or JSON output through fmt or encoding/json by accident.
package secret

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Redacted is what a Secret prints as.
const Redacted = "[redacted]"

// Secret is a password or token. Its zero value is empty.
type Secret struct {
	value string
}

// New wraps s.
func New(s string) Secret { return Secret{value: s} }

// Reveal returns the secret itself. Call it only where the value leaves the process on purpose:
// the LDAP bind, the password write, a 0600 credentials file, or stdout when asked.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether no secret is held.
func (s Secret) IsZero() bool { return s.value == "" }

// String implements fmt.Stringer without revealing anything.
func (s Secret) String() string { return Redacted }

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return "secret.Secret{" + Redacted + "}" }

// Format covers every fmt verb, including %x and %q, which would otherwise bypass String.
func (s Secret) Format(f fmt.State, _ rune) { io.WriteString(f, Redacted) }

// MarshalJSON keeps secrets out of JSON output.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText keeps secrets out of YAML and other text encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// ErrEmpty is returned when a secret source holds nothing.
var ErrEmpty = errors.New("secret is empty")

// FromFile reads a secret from the first line of a file. Trailing CR/LF is dropped so that
// files written by editors and `echo` work; inner spaces are kept.
func FromFile(path string) (Secret, error) {
	f, err := os.Open(path)
	if err != nil {
		return Secret{}, fmt.Errorf("read secret file: %w", err)
	}
	defer f.Close()
	return FromReader(f)
}

// FromReader reads a secret from the first line of r (for --password-stdin and files).
func FromReader(r io.Reader) (Secret, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return Secret{}, fmt.Errorf("read secret: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return Secret{}, ErrEmpty
	}
	return New(line), nil
}
