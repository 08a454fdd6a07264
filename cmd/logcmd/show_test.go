package logcmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

// writeLog makes a real audit log through the trail, the way commands do.
func writeLog(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail := audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(path), Actor: audit.Actor{OSUser: "tech", Host: "pc1"}, Ticket: "INC-1"})
	long := strings.Repeat("x", 200)
	for _, target := range []string{"jdoe", "asmith"} {
		op := audit.Operation{Action: "user.unlock", Directory: "ad", Target: audit.Target{Name: target, DN: "CN=" + target},
			Changes: []audit.Change{{Attribute: "description", Before: "", After: long}}}
		if err := trail.Do(context.Background(), op, func(context.Context) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestShowFiltersAndFormats(t *testing.T) {
	path := writeLog(t)
	ios, _, out, _ := iostreams.Test()
	opts := &showOptions{IO: ios, Path: path, Format: output.FormatJSON, Filter: audit.Filter{Target: "asmith"}, Now: time.Now}
	if err := showRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var recs []audit.Record
	if err := json.Unmarshal(out.Bytes(), &recs); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out)
	}
	if len(recs) != 2 || recs[0].Target.Name != "asmith" || recs[0].Event != "intent" || recs[1].Event != "outcome" {
		t.Errorf("filtered records = %+v", recs)
	}

	out.Reset()
	ios.SetTTY(false, true, false)
	opts.Format, opts.Filter = output.FormatAuto, audit.Filter{}
	if err := showRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "SEQ") {
		t.Fatalf("terminal table:\n%s", out)
	}
	if strings.Contains(out.String(), strings.Repeat("x", 100)) || !strings.Contains(out.String(), "…") {
		t.Errorf("long detail not shortened on a terminal:\n%s", out)
	}

	out.Reset()
	ios.SetTTY(false, false, false)
	if err := showRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), strings.Repeat("x", 200)) {
		t.Error("piped output must keep the full detail")
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"24h":                  now.Add(-24 * time.Hour),
		"7d":                   now.AddDate(0, 0, -7),
		"2026-11-20T10:00:00Z": time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
	} {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "-5d", "7x"} {
		if _, err := parseSince(bad, now); err == nil {
			t.Errorf("parseSince(%q) accepted", bad)
		}
	}
}

func TestVerifyReportsTheBadLine(t *testing.T) {
	path := writeLog(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	lines[2] = strings.Replace(lines[2], "asmith", "asmitt", 1)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	ios, _, _, _ := iostreams.Test()
	err = verifyRun(context.Background(), &verifyOptions{IO: ios, Path: path, Format: output.FormatAuto, Now: time.Now})
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("verify error = %v, want it to name line 3", err)
	}
}
