package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/secret"
)

// askedPrompter fails the test on any question: completion must never ask one.
type askedPrompter struct{ t *testing.T }

func (p askedPrompter) Password(msg string) (secret.Secret, error) {
	p.t.Errorf("completion asked for a password: %q", msg)
	return secret.Secret{}, nil
}

func (p askedPrompter) Confirm(msg string, _ bool) (bool, error) {
	p.t.Errorf("completion asked to confirm: %q", msg)
	return false, nil
}

// On a terminal where a command WOULD ask for the bind password, <TAB> on a name asks
// nothing, reads nothing from stdin, prints nothing but the directive and writes no audit
// record: with no password to be found, there is simply no completion. (The lab script
// completion_lab.txtar tests the same without a terminal, and the names with credentials.)
func TestNameCompletionNeverPromptsForAPassword(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"ADKIT_LDAP_URL":  "ldaps://127.0.0.1:1",
		"ADKIT_BIND_USER": "helpdesk1@lab.adkit.test",
		"ADKIT_AUDIT_LOG": filepath.Join(dir, "audit.jsonl"),
		"XDG_CONFIG_HOME": filepath.Join(dir, "config"),
		"XDG_CACHE_HOME":  filepath.Join(dir, "cache"),
		"XDG_STATE_HOME":  filepath.Join(dir, "state"),
		"HOME":            dir,
	}
	for _, line := range [][]string{
		{"__complete", "user", "show", "jd"},
		{"__complete", "user", "unlock", "jdoe", "as"},
		{"__complete", "group", "members", "Eng"},
		{"__complete", "computer", "show", "WS"},
		{"__complete", "user", "move", "jdoe", "--ou", "OU="},
	} {
		f := factory.New("test")
		ios, in, out, errOut := iostreams.Test()
		ios.SetTTY(true, true, true)
		in.WriteString("typed-ahead\n")
		f.IO = ios
		f.Getenv = func(k string) string { return env[k] }
		f.Prompter = askedPrompter{t}

		code := Run(context.Background(), f, line)
		if code != 0 || out.String() != ":4\n" {
			t.Errorf("%v: exit %d, stdout %q; want exit 0 and only the directive \":4\\n\"", line, code, out.String())
		}
		if got := errOut.String(); got != "Completion ended with directive: ShellCompDirectiveNoFileComp\n" {
			t.Errorf("%v: stderr %q; want only Cobra's note", line, got)
		}
		if in.Len() != len("typed-ahead\n") {
			t.Errorf("%v: completion read from stdin", line)
		}
	}
	if _, err := os.Stat(env["ADKIT_AUDIT_LOG"]); !os.IsNotExist(err) {
		t.Errorf("completion touched the audit log: %v", err)
	}
}
