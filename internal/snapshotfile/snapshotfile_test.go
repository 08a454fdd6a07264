package snapshotfile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
