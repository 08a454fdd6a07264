package onboard

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/replacefile"
)

// leftovers lists the files beside path named like replace's temporary file.
func leftovers(t *testing.T, path string) []string {
	t.Helper()
	found, err := filepath.Glob(filepath.Join(filepath.Dir(path), rewritePrefix(path)+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// passwordsIn is the rows whose password line is in the file, in file order.
func passwordsIn(t *testing.T, path string) string {
	t.Helper()
	_, records := readCSV(t, path)
	var rows []string
	for _, rec := range records[1:] {
		if _, a := hire(atoi(t, rec[0])); rec[5] != a.Password.Reveal() {
			t.Errorf("row %s holds a password that is not its own", rec[0])
		}
		rows = append(rows, rec[0])
	}
	return strings.Join(rows, ",")
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("row %q: %v", s, err)
	}
	return n
}

// A run killed at any step of taking a line back (replace: temporary file created, written,
// synced, renamed over the path) leaves the path whole: every line, or every line but the
// one taken back. The next run that opens the file removes what the killed one left beside
// it, says so, and the file is owner-only and reads as before.
func TestCredentialsRewriteKilledAtEachStep(t *testing.T) {
	for _, tc := range []struct{ step, rows string }{
		{"created", "2,3,4,5"}, {"written", "2,3,4,5"}, {"synced", "2,3,4,5"}, {"renamed", "2,3,4"},
	} {
		t.Run(tc.step, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "creds.csv")
			runAdding(t, path, false, 3, 2, 4)

			killed, err := openCredentials(path, nil, false, false, func(string) {})
			if err != nil {
				t.Fatal(err)
			}
			if err := killed.add(hire(5)); err != nil {
				t.Fatal(err)
			}
			killed.crash = func(step string) bool { return step == tc.step }
			if err := killed.retract(hire(5)); !errors.Is(err, replacefile.ErrCrashed) {
				t.Fatalf("retract stopped at %s: %v", tc.step, err)
			}
			killed.file.Close() // the process is gone: no Close, no clean-up
			left := leftovers(t, path)
			if wantLeft := tc.step != "renamed"; wantLeft != (len(left) == 1) {
				t.Fatalf("killed after %s: beside the file %v", tc.step, left)
			}

			var notes []string
			next, err := openCredentials(path, nil, false, false, func(s string) { notes = append(notes, s) })
			if err != nil {
				t.Fatalf("the next run cannot open the file: %v", err)
			}
			if err := next.Close(); err != nil {
				t.Fatal(err)
			}
			if left := leftovers(t, path); len(left) > 0 {
				t.Errorf("still beside the file after the next run: %v", left)
			}
			if got := passwordsIn(t, path); got != tc.rows {
				t.Errorf("rows in the file: %s, want %s", got, tc.rows)
			}
			if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
				t.Errorf("mode %v (%v), want 0600", info.Mode().Perm(), err)
			}
			said := strings.Join(notes, "\n")
			if tc.step != "renamed" && (len(notes) != 1 || !strings.Contains(said, "removed "+left[0]) || !strings.Contains(said, "interrupted")) {
				t.Errorf("the next run said %q; want that it removed %s, left by an interrupted run", said, left)
			}
			for r := 2; r <= 5; r++ {
				if _, a := hire(r); strings.Contains(said, a.Password.Reveal()) {
					t.Errorf("a password in the note: %q", said)
				}
			}
		})
	}
}

// A power cut may lose the rename (the directory was not yet synced) after the run went on
// appending to the new file: those lines are only in the file under its temporary name. The
// next open takes them into the credentials file before removing it: no password is lost.
func TestCredentialsLeftoverLinesAreTakenIn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "creds.csv")
	runAdding(t, path, false, 2, 3)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The new file: the path's lines, then a line appended after the (lost) rename, and a
	// line cut short by the power cut.
	row, a := hire(4)
	more := csvLine((&credentialsFile{columns: append(append([]string{}, credentialsHeader...), runColumn)}).passwordRecord(row, a))
	left := filepath.Join(filepath.Dir(path), rewritePrefix(path)+"816234")
	if err := os.WriteFile(left, append(append(data, more...), "5,E005,us"...), 0o600); err != nil {
		t.Fatal(err)
	}

	var notes []string
	next, err := openCredentials(path, nil, false, false, func(s string) { notes = append(notes, s) })
	if err != nil {
		t.Fatal(err)
	}
	if err := next.Close(); err != nil {
		t.Fatal(err)
	}
	if got := passwordsIn(t, path); got != "2,3,4" {
		t.Errorf("rows in the file: %s, want 2,3,4 (row 4 taken from the leftover)", got)
	}
	if _, err := os.Lstat(left); !os.IsNotExist(err) {
		t.Errorf("the leftover is still there (%v)", err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "took 1 line") || strings.Contains(notes[0], a.Password.Reveal()) {
		t.Errorf("notes %q; want one saying it took 1 line in, without the password", notes)
	}
}

// Only what adkit wrote is touched: a file named like a leftover but readable by others, a
// link, one that is not a credentials file, or another file's leftover stays, and the
// technician is told about the ones that look like adkit's.
func TestCredentialsLookalikesAreLeftAlone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "creds.csv")
	header := strings.Join(append(append([]string{}, credentialsHeader...), runColumn), ",") + "\n"
	target := filepath.Join(dir, "precious.csv")
	files := map[string]struct {
		content string
		mode    os.FileMode
		said    bool // named like adkit's: the technician is told it was left
	}{
		rewritePrefix(path) + "101":    {header + "2,E002,a,b,c,secret-other-1,true,\n", 0o644, true},
		rewritePrefix(path) + "102":    {"hello\n", 0o600, true},
		rewritePrefix(path) + "103":    {"row,password\n1,x\n", 0o600, true},
		rewritePrefix(path) + "x104":   {header, 0o600, false},
		".other.csv.adkit-rewrite-105": {header, 0o600, false},
	}
	for name, f := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(f.content), f.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, name), f.mode); err != nil { // whatever the umask did
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(target, []byte(header), 0o600); err != nil {
		t.Fatal(err)
	}
	link := rewritePrefix(path) + "106"
	if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
		t.Fatal(err)
	}
	var notes []string
	c, err := openCredentials(path, nil, false, false, func(s string) { notes = append(notes, s) })
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for name, f := range files {
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s was removed (%v)", name, err)
		}
		if said := strings.Contains(strings.Join(notes, "\n"), name+" alone"); said != f.said {
			t.Errorf("%s: said it was left alone: %v, want %v (notes %q)", name, said, f.said, notes)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, link)); err != nil {
		t.Errorf("the link was removed (%v)", err)
	}
	if _, err := os.Stat(target); err != nil {
		t.Errorf("the file the link points to was removed (%v)", err)
	}
	if strings.Contains(strings.Join(notes, "\n"), "secret-other-1") {
		t.Errorf("a note shows a file's content: %q", notes)
	}
}

// A leftover of another user (root can make one) is not removed, even with adkit's name, its
// header and mode 0600: it is not adkit's, run by this user.
func TestCredentialsOthersLeftoverIsLeftAlone(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root can give a file to another user; the mode and link cases run in TestCredentialsLookalikesAreLeftAlone")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "creds.csv")
	header := strings.Join(append(append([]string{}, credentialsHeader...), runColumn), ",") + "\n"
	other := filepath.Join(dir, rewritePrefix(path)+"201")
	if err := os.WriteFile(other, []byte(header), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(other, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	var notes []string
	c, err := openCredentials(path, nil, false, false, func(s string) { notes = append(notes, s) })
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := os.Lstat(other); err != nil {
		t.Errorf("another user's file was removed (%v)", err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "not yours alone") {
		t.Errorf("notes %q, want one saying it is not yours", notes)
	}
}
