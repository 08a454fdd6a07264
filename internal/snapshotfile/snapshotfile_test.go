package snapshotfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
)

// Two snapshots of one object in the same second get two files; each is 0600 JSON.
func TestSaveNeverOverwrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "groups")
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	p1, err := Save(dir, `Sales/EMEA`, at, map[string]int{"n": 1})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := Save(dir, `Sales/EMEA`, at, map[string]int{"n": 2})
	if err != nil {
		t.Fatal(err)
	}
	if p1 == p2 || !strings.HasSuffix(p1, "Sales_EMEA-20261203T090000Z.json") || !strings.HasSuffix(p2, "-2.json") {
		t.Fatalf("paths %s, %s", p1, p2)
	}
	for i, p := range []string{p1, p2} {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v err %v, want 0600", p, st.Mode().Perm(), err)
		}
		data, _ := os.ReadFile(p)
		var v map[string]int
		if err := json.Unmarshal(data, &v); err != nil || v["n"] != i+1 {
			t.Errorf("%s holds %s", p, data)
		}
	}
}

// A delete the directory refused leaves no snapshot; one whose answer never came keeps it
// (the object may be gone), and so does one that succeeded.
func TestDiscardIfRefused(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		err  error
		kept bool
	}{
		{"refused", errors.New("not permitted: helpdesk1 may not delete the group g1"), false},
		{"no answer", fmt.Errorf("delete g1: %w", audit.ErrNoAnswer), true},
		{"outcome unknown", fmt.Errorf("delete g1: %w", audit.ErrOutcomeUnknown), true},
		{"deleted", nil, true},
	} {
		path, err := Save(dir, tc.name, at, map[string]string{"dn": "CN=g1"})
		if err != nil {
			t.Fatal(err)
		}
		DiscardIfRefused(path, tc.err)
		if _, err := os.Stat(path); (err == nil) != tc.kept {
			t.Errorf("%s: snapshot kept = %v, want %v", tc.name, err == nil, tc.kept)
		}
	}
}
