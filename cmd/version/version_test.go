package version

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/iostreams"
)

func runVersion(t *testing.T, output string) string {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &factory.Factory{IO: ios, Globals: &factory.Globals{Output: output, Set: config.Flags{}},
		Version: "v9.8.7", Commit: "abc1234", BuildDate: "2026-12-03T12:00:00Z"}
	cmd := NewCmdVersion(f)
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("version -o %q: %v", output, err)
	}
	if errOut.Len() > 0 {
		t.Errorf("stderr: %q", errOut.String())
	}
	return out.String()
}

// -o json carries the stamp and what the binary itself knows. A test binary has no module
// list, so the Graph SDK's version is only checked to be a field here; scripts/release.sh
// checks its value on the binaries it builds, and internal/buildinfo's tests how it is read.
func TestVersionJSON(t *testing.T) {
	var got map[string]any
	out := runVersion(t, "json")
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for k, want := range map[string]string{"version": "v9.8.7", "commit": "abc1234", "build_date": "2026-12-03T12:00:00Z"} {
		if got[k] != want {
			t.Errorf("%s = %v, want %q", k, got[k], want)
		}
	}
	if v, _ := got["go_version"].(string); !strings.HasPrefix(v, "go1.") {
		t.Errorf("go_version = %v", got["go_version"])
	}
	if _, ok := got["graph_sdk_version"].(string); !ok {
		t.Errorf("graph_sdk_version = %v, want a string", got["graph_sdk_version"])
	}
}

// The default output keeps its first line as before (scripts read it) and adds one fact a line.
func TestVersionText(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(runVersion(t, "")), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "adkit v9.8.7 (go1.") {
		t.Fatalf("output:\n%s", strings.Join(lines, "\n"))
	}
	for i, want := range []string{"commit:     abc1234", "built:      2026-12-03T12:00:00Z", "graph sdk:  msgraph-sdk-go "} {
		if !strings.HasPrefix(lines[i+1], want) {
			t.Errorf("line %d = %q, want %q…", i+2, lines[i+1], want)
		}
	}
}

// The table names each field as JSON does.
func TestVersionTable(t *testing.T) {
	out := runVersion(t, "table")
	for _, want := range []string{"version", "v9.8.7", "commit", "abc1234", "build_date", "graph_sdk_version", "platform"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestVersionRefusesHTML(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdVersion(&factory.Factory{IO: ios, Globals: &factory.Globals{Output: "html", Set: config.Flags{}}})
	cmd.SetArgs(nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "unknown output format") {
		t.Errorf("-o html: err = %v", err)
	}
}
