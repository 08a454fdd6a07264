package replacefile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// dirList is the names in dir.
func dirList(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// oldFile is dir/name holding "old\n", mode 0644: the file Write is to replace.
func oldFile(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWriteReplacesOwnerOnlyAndLeavesNothingBeside(t *testing.T) {
	dir := t.TempDir()
	path := oldFile(t, dir, "snap.json")
	var before string
	err := Write(path, []byte("new\n"), Options{BeforeRename: func(name string) error {
		before = name
		data, err := os.ReadFile(name)
		if err != nil || string(data) != "new\n" {
			t.Errorf("before the rename the new file holds %q (%v)", data, err)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "new\n" {
		t.Errorf("path holds %q, want the new content", data)
	}
	if !strings.HasPrefix(filepath.Base(before), ".snap.json.adkit-tmp-") || filepath.Dir(before) != dir {
		t.Errorf("the new file was %s: want it beside the path, named after it and adkit", before)
	}
	if info, err := os.Stat(path); err != nil {
		t.Fatal(err)
	} else if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
	if got := dirList(t, dir); len(got) != 1 {
		t.Errorf("in the directory: %v", got)
	}
}

func TestWriteMakesItsDirectoryOnlyWhenAsked(t *testing.T) {
	base := t.TempDir()
	path := filepath.Join(base, "cache", "names.json")
	if err := Write(path, []byte("x"), Options{}); err == nil {
		t.Error("wrote into a directory that does not exist without MakeDir")
	}
	if got := dirList(t, base); len(got) != 0 {
		t.Errorf("a failed write left %v", got)
	}
	if err := Write(path, []byte("x"), Options{MakeDir: true}); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	} else if runtime.GOOS != "windows" && info.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", info.Mode().Perm())
	}
}

// A BeforeRename that fails stops the replace: the path as it was, nothing beside it.
func TestWriteStoppedBeforeTheRename(t *testing.T) {
	dir := t.TempDir()
	path := oldFile(t, dir, "creds.csv")
	refused := errors.New("cannot lock")
	if err := Write(path, []byte("new\n"), Options{BeforeRename: func(string) error { return refused }}); !errors.Is(err, refused) {
		t.Fatalf("err = %v, want the hook's", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "old\n" {
		t.Errorf("path holds %q, want it as it was", data)
	}
	if got := dirList(t, dir); len(got) != 1 {
		t.Errorf("in the directory: %v", got)
	}
}

// A process killed at any step leaves the path whole (the old content up to the rename, the
// new after) and, before the rename, the new file beside it under its prefix.
func TestWriteKilledAtEachStep(t *testing.T) {
	for _, tc := range []struct{ step, content, left string }{
		{"created", "old\n", ""}, {"written", "old\n", "new\n"}, {"synced", "old\n", "new\n"}, {"renamed", "new\n", "-"},
	} {
		t.Run(tc.step, func(t *testing.T) {
			dir := t.TempDir()
			path := oldFile(t, dir, "creds.csv")
			err := Write(path, []byte("new\n"), Options{Prefix: ".creds.csv.adkit-rewrite-", Crash: func(s string) bool { return s == tc.step }})
			if !errors.Is(err, ErrCrashed) {
				t.Fatalf("err = %v, want ErrCrashed", err)
			}
			if data, _ := os.ReadFile(path); string(data) != tc.content {
				t.Errorf("path holds %q, want %q", data, tc.content)
			}
			left, _ := filepath.Glob(filepath.Join(dir, ".creds.csv.adkit-rewrite-*"))
			if tc.left == "-" {
				if len(left) != 0 {
					t.Errorf("beside the path after the rename: %v", left)
				}
				return
			}
			if len(left) != 1 {
				t.Fatalf("beside the path: %v, want the new file", left)
			}
			if data, _ := os.ReadFile(left[0]); string(data) != tc.left {
				t.Errorf("the leftover holds %q, want %q", data, tc.left)
			}
		})
	}
}
