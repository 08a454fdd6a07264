package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/internal/refdocs"
)

// docs/reference is the Markdown reference of every command, generated from the tree. It
// must say what the code does: a changed flag, help text or command makes it stale.
func TestReferenceIsCurrent(t *testing.T) {
	fresh := t.TempDir()
	if err := refdocs.Markdown(DocTree(), fresh); err != nil {
		t.Fatal(err)
	}
	problems, err := refdocs.Diff(filepath.Join(repoRoot, "docs", "reference"), fresh)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("docs/reference is stale (%s):\n  %s", refdocs.StaleHint, strings.Join(problems, "\n  "))
	}
}

// Generating twice gives the same bytes (no dates, no map order), which the test above and
// reproducible releases rely on; every command a technician can run has a page.
func TestReferenceIsDeterministicAndComplete(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := refdocs.Markdown(DocTree(), a); err != nil {
		t.Fatal(err)
	}
	if err := refdocs.Markdown(DocTree(), b); err != nil {
		t.Fatal(err)
	}
	if problems, err := refdocs.Diff(a, b); err != nil || len(problems) > 0 {
		t.Fatalf("two generations differ: %v %v", problems, err)
	}
	walk(DocTree(), func(cmd *cobra.Command) {
		page := filepath.Join(a, strings.ReplaceAll(cmd.CommandPath(), " ", "_")+".md")
		text, err := os.ReadFile(page)
		if err != nil {
			t.Errorf("%s has no reference page: %v", cmd.CommandPath(), err)
			return
		}
		if strings.Contains(string(text), "Auto generated") {
			t.Errorf("%s carries Cobra's dated footer", filepath.Base(page))
		}
	})
	if _, err := os.Stat(filepath.Join(a, "adkit_environment.md")); err != nil {
		t.Errorf("the environment topic has no page: %v", err)
	}
}

// One man page per command, named as man looks for it (adkit-user-show.1), with the
// command's examples, the release's date and version, and roff that man can render.
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	date := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	if err := refdocs.Man(DocTree(), dir, "v1.2.3", date); err != nil {
		t.Fatal(err)
	}
	pages := 0
	walk(DocTree(), func(cmd *cobra.Command) {
		pages++
		name := strings.ReplaceAll(cmd.CommandPath(), " ", "-") + ".1"
		text, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s has no man page: %v", cmd.CommandPath(), err)
			return
		}
		page := string(text)
		if !strings.Contains(page, "\n.TH \"ADKIT\" \"1\" \"Dec 2026\" \"adkit v1.2.3\" \"adkit manual\"\n") {
			t.Errorf("%s: header %q", name, strings.SplitN(page, "\n", 2)[0])
		}
		if cmd.Example != "" && !strings.Contains(page, ".SH EXAMPLE") {
			t.Errorf("%s: the command has examples, the page has no EXAMPLE section", name)
		}
		if cmd.Runnable() && !strings.Contains(page, ".SH SYNOPSIS") {
			t.Errorf("%s: no SYNOPSIS", name)
		}
	})
	show, err := os.ReadFile(filepath.Join(dir, "adkit-user-show.1"))
	if err != nil || !strings.Contains(string(show), "adkit user show jdoe") {
		t.Errorf("adkit-user-show.1 lacks its example (%v)", err)
	}
	if got, _ := filepath.Glob(filepath.Join(dir, "*.1")); len(got) != pages+1 { // +1: the environment topic
		t.Errorf("%d man pages for %d commands and one topic", len(got), pages)
	}
}

// The completion scripts the release installs are Cobra's, for the four shells, and call
// back into adkit for the words (adkit __complete), so they complete what the binary knows.
func TestCompletionScripts(t *testing.T) {
	dir := t.TempDir()
	if err := refdocs.Completions(DocTree(), dir); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"adkit.bash": "__start_adkit", "_adkit": "#compdef adkit",
		"adkit.fish": "complete -c adkit", "adkit.ps1": "Register-ArgumentCompleter"} {
		text, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil || !strings.Contains(string(text), want) || !strings.Contains(string(text), "__complete") {
			t.Errorf("%s: want %q and __complete (err %v)", file, want, err)
		}
	}
}
