package secretfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOpenWriteDiscard(t *testing.T) {
	dir := t.TempDir()

	// A new file: written with mode 0600, no newline added.
	p := filepath.Join(dir, "new.txt")
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Write("s3cret"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "s3cret" {
		t.Errorf("content = %q", got)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v", st.Mode().Perm())
	}

	// A file Open created and the change then failed: removed.
	gone := filepath.Join(dir, "gone.txt")
	f, err = Open(gone)
	if err != nil {
		t.Fatal(err)
	}
	f.Discard()
	if _, err := os.Stat(gone); !os.IsNotExist(err) {
		t.Errorf("a file made for a failed change was left: %v", err)
	}

	// An existing, readable file: tightened to 0600 at Open, its content kept on Discard and
	// replaced, not appended to, on Write.
	old := filepath.Join(dir, "old.txt")
	os.WriteFile(old, []byte("previous password, longer"), 0o644)
	f, err = Open(old)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(old); st.Mode().Perm() != 0o600 {
		t.Errorf("mode after Open = %v", st.Mode().Perm())
	}
	f.Discard()
	if got, _ := os.ReadFile(old); string(got) != "previous password, longer" {
		t.Errorf("Discard changed an existing file: %q", got)
	}
	f, _ = Open(old)
	if err := f.Write("new"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(old); string(got) != "new" {
		t.Errorf("content = %q", got)
	}

	// A path that cannot be written fails at Open, before anything changes.
	if _, err := Open(filepath.Join(dir, "no", "such", "dir")); err == nil {
		t.Error("Open of a missing directory succeeded")
	}
	var nothing *File
	nothing.Discard()
}
