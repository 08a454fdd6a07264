package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// repoRoot is the repository's top directory, seen from this package's directory.
const repoRoot = "../.."

// The README and docs link only to files inside the repository, and those files exist: a
// user with a clone (or the GitHub page) must be able to follow every link.
func TestDocsLinkOnlyInsideTheRepository(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	pages, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	pages = append(pages, filepath.Join(root, "README.md"))
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	checked := 0
	for _, page := range pages {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, page)
		for _, m := range link.FindAllStringSubmatch(string(text), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			checked++
			abs := filepath.Clean(filepath.Join(filepath.Dir(page), target))
			if abs != root && !strings.HasPrefix(abs, root+string(filepath.Separator)) {
				t.Errorf("%s links %s, outside the repository: copy what users need into docs/", rel, m[1])
				continue
			}
			if _, err := os.Stat(abs); err != nil {
				t.Errorf("%s links %s, which does not exist", rel, m[1])
			}
		}
	}
	if checked < 5 {
		t.Errorf("only %d links checked; the pages were not found under %s", checked, root)
	}
}

// Help pages name only files of the repository (docs/…, examples/…), and those exist.
func TestHelpPointsOnlyInsideTheRepository(t *testing.T) {
	file := regexp.MustCompile(`\b(?:docs|examples)/[\w.-]+\.(?:md|yaml|csv)\b`)
	walk(fullTree(), func(cmd *cobra.Command) {
		args := append(strings.Fields(strings.TrimPrefix(cmd.CommandPath(), "adkit")), "--help")
		_, out := runHelp(t, args...)
		for _, bad := range []string{"shared/", "../", "the spec"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: help mentions %q, which is not in the repository", cmd.CommandPath(), bad)
			}
		}
		for _, f := range file.FindAllString(out, -1) {
			if _, err := os.Stat(filepath.Join(repoRoot, f)); err != nil {
				t.Errorf("%s: help names %s, which is not in the repository", cmd.CommandPath(), f)
			}
		}
	})
	_, out := runHelp(t, "help", "environment")
	for _, f := range file.FindAllString(out, -1) {
		if _, err := os.Stat(filepath.Join(repoRoot, f)); err != nil {
			t.Errorf("help environment names %s, which is not in the repository", f)
		}
	}
}
