package onboard

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/adkit-dev/adkit/internal/ownerfile"
)

// rewritePrefix starts the name of the file replace writes beside the credentials file:
// hidden, naming the credentials file and adkit, then CreateTemp's random digits. A file
// left under such a name is recognised as adkit's (recoverRewrites).
func rewritePrefix(path string) string { return "." + filepath.Base(path) + ".adkit-rewrite-" }

// recoverRewrites deals with what a run killed while rewriting the credentials file
// (replace) left beside it: a file holding the passwords, under its temporary name. Such a
// file was never renamed over the path, so the path still holds every line it holds — unless
// a power cut lost the rename after that run had appended to the new file, in which case
// those lines are only in the leftover. So each leftover's lines that the path lacks are
// appended to the path (synced), and then the leftover is removed.
//
// Only a file adkit made is touched: in the same directory, named by rewritePrefix, a regular
// file (not a link), the user's own and owner-only (ownerfile.Mine), starting with a
// credentials header in the path's columns. Anything else is left alone and named in a note.
// The caller holds the path's lock, so no other adkit run is rewriting it meanwhile. It
// returns how many lines it took in.
func (c *credentialsFile) recoverRewrites(note func(string)) (int, error) {
	dir := filepath.Dir(c.path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("look for leftovers of an interrupted run beside the credentials file: %w", err)
	}
	prefix := rewritePrefix(c.path)
	var have map[string]bool // the path's lines, read when a leftover is found
	taken := 0
	for _, e := range entries {
		digits, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
			continue
		}
		left := filepath.Join(dir, e.Name())
		lines, why := c.leftoverLines(left)
		if why != "" {
			note(fmt.Sprintf("left %s alone: it is named like a file adkit writes while rewriting %s, but %s; remove it yourself once you know what it is",
				left, c.path, why))
			continue
		}
		if have == nil {
			if have, err = c.lineSet(); err != nil {
				return taken, err
			}
		}
		var missing [][]string
		for _, rec := range lines {
			if line := string(csvLine(rec)); !have[line] {
				missing = append(missing, rec)
				have[line] = true
			}
		}
		for _, rec := range missing {
			if err := c.write(rec); err != nil {
				return taken, fmt.Errorf("take lines from %s: %w (it is kept)", left, err)
			}
		}
		taken += len(missing)
		if err := os.Remove(left); err != nil {
			return taken, fmt.Errorf("remove %s, left by an interrupted adkit run: %w", left, err)
		}
		if len(missing) > 0 {
			note(fmt.Sprintf("took %s that only %s held (left by an adkit run interrupted while rewriting it) into %s, and removed it",
				count(len(missing), "line"), left, c.path))
		} else {
			note(fmt.Sprintf("removed %s, left by an adkit run interrupted while rewriting %s; every line of it is in %s", left, c.path, c.path))
		}
	}
	return taken, nil
}

// leftoverLines reads a file named like a rewrite of c's file and returns its lines, or why
// it is not one adkit wrote.
func (c *credentialsFile) leftoverLines(path string) (lines [][]string, why string) {
	info, err := os.Lstat(path)
	switch {
	case err != nil:
		return nil, "it cannot be read (" + err.Error() + ")"
	case !info.Mode().IsRegular():
		return nil, "it is not a regular file"
	}
	if mine, err := ownerfile.Mine(path, info); err != nil || !mine {
		return nil, "it is not yours alone (another owner, or readable by others)"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "it cannot be read (" + err.Error() + ")"
	}
	// A kill while it was written leaves its last line cut short: every whole line ends
	// with a newline (csv.Writer), and the rest was never on the path's side either.
	data = data[:bytes.LastIndexByte(data, '\n')+1]
	if len(bytes.TrimPrefix(data, utf8BOM)) == 0 {
		return nil, "" // killed before a whole line was in it: nothing to take, nothing lost
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, utf8BOM)))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil || strings.Join(header, ",") != strings.Join(c.columns, ",") {
		return nil, "it does not start with the credentials file's header"
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return lines, ""
		}
		if err != nil || len(rec) != len(c.columns) {
			return nil, "its lines are not the credentials file's"
		}
		lines = append(lines, rec)
	}
}

// lineSet is every line of c's file, each as csvLine writes it.
func (c *credentialsFile) lineSet() (map[string]bool, error) {
	records, _, err := c.readLines()
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, l := range records {
		set[string(csvLine(l.record))] = true
	}
	return set, nil
}
