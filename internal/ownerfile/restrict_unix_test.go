//go:build !windows

package ownerfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRestrictMakesTheFile0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw.txt")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Chmod(path, 0o666); err != nil { // whatever the umask left
		t.Fatal(err)
	}
	if err := Restrict(f); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after Restrict = %o, want 600", fi.Mode().Perm())
	}
}
