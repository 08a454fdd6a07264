package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
)

// The spec's `log show --target T` filters the log by account, although --target is the global
// directory flag everywhere else: on log show the command's own flag wins, and its value is not
// taken for a directory (which would refuse "jdoe" as neither ad nor entra).
func TestLogShowTargetFiltersByAccount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail := audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(path), Actor: audit.Actor{OSUser: "tech", Host: "pc1"}})
	for _, name := range []string{"jdoe", "asmith"} {
		op := audit.Operation{Action: "user.unlock", Directory: "ad", Target: audit.Target{Name: name, DN: "CN=" + name + ",DC=example"}}
		if err := trail.Do(context.Background(), op, func(context.Context) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	cloud := audit.Operation{Action: "user.revoke_sessions", Directory: "entra", Target: audit.Target{Name: "kim@example.com", ID: "0f3c"}}
	if err := trail.Do(context.Background(), cloud, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ADKIT_AUDIT_LOG": path, "ADKIT_TARGET": "entra"}
	for _, args := range [][]string{
		{"log", "show", "--target", "jdoe", "-o", "csv"},
		{"log", "show", "--account", "jdoe", "-o", "csv"},
		{"--target", "jdoe", "log", "show", "-o", "csv"},
	} {
		code, out, errOut := runWith(t, env, nil, args)
		if code != cmdutil.ExitOK {
			t.Errorf("adkit %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut)
			continue
		}
		if !strings.Contains(out, "CN=jdoe") || strings.Contains(out, "asmith") || strings.Count(out, "\n") != 3 {
			t.Errorf("adkit %s: want jdoe's intent and outcome only, got\n%s", strings.Join(args, " "), out)
		}
	}
	// A directory's name, from a wrapper that puts --target entra before every command: that
	// directory's records. --account ad would look for "ad" in the names.
	for dir, want := range map[string]string{"entra": "kim@example.com", "AD": "CN=jdoe"} {
		code, out, errOut := runWith(t, env, nil, []string{"--target", dir, "log", "show", "-o", "csv"})
		if code != cmdutil.ExitOK || !strings.Contains(out, want) || strings.Count(out, "\n") != map[string]int{"entra": 3, "AD": 5}[dir] {
			t.Errorf("adkit --target %s log show: exit %d, stderr %q, want only that directory's records, got\n%s", dir, code, errOut, out)
		}
	}
	// Everywhere else --target still names the directory.
	code, _, errOut := runWith(t, env, nil, []string{"user", "show", "jdoe", "--target", "jdoe"})
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, "jdoe") {
		t.Errorf("adkit user show jdoe --target jdoe: exit %d, stderr %q; want a usage error about the directory", code, errOut)
	}
}
