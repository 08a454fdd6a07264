package layering

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/reporoot"
)

const module = "github.com/adkit-dev/adkit/"

// rule forbids the files under dir (a slash path from the repository root) to import any
// package under one of the forbidden prefixes, except the files under one of allowed.
type rule struct {
	dir       string
	forbidden []string
	allowed   []string // sub-directories of dir the rule does not apply to
	skipTests bool     // tests may wire a real back end in
	why       string
}

var rules = []rule{
	{dir: "graph", forbidden: []string{module + "ad"},
		why: "the Entra ID back end speaks the shared vocabulary (internal/directory), not Active Directory's types"},
	{dir: "ad", forbidden: []string{module + "graph"},
		why: "the Active Directory back end must not depend on the Entra ID one"},
	{dir: "onboarding", forbidden: []string{module + "ad", module + "graph"}, skipTests: true,
		why: "onboarding plans in the shared vocabulary and applies through interfaces both back ends satisfy"},
	{dir: "cmd", forbidden: []string{module + "ad", module + "graph"}, allowed: []string{"cmd/factory"}, skipTests: true,
		why: "commands declare the small interface they need; only the factory builds a back end"},
	{dir: "internal/directory", forbidden: []string{module + "ad", module + "graph", module + "audit", module + "onboarding", module + "cmd"},
		why: "the vocabulary is the bottom layer every other package may import"},
	{dir: "audit/check", forbidden: []string{module + "ad", module + "graph"},
		why: "the audit checks are pure functions over inventories (audit/inventory); the back ends fill them (ad.Client.AuditInventory, graph.Client.AuditInventory)"},
	{dir: "audit/inventory", forbidden: []string{module},
		why: "the audit vocabulary depends on no other adkit package, so every back end can fill it"},
	{dir: "", forbidden: []string{"github.com/microsoftgraph/", "github.com/microsoft/kiota"}, allowed: []string{"graph"},
		why: "msgraph-sdk-go takes minutes to compile: only graph/ may pay for it"},
}

func TestImportsKeepTheLayers(t *testing.T) {
	root := reporoot.Dir(t)
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		for _, spec := range f.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			for _, r := range rules {
				if r.violatedBy(rel, imp) {
					t.Errorf("%s imports %s: %s", rel, imp, r.why)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("read only %d Go files under %s: the walk is not seeing the repository", files, root)
	}
}

// TestRulesCatchAViolation keeps the rules themselves honest: a rule that matches nothing
// would pass for ever.
func TestRulesCatchAViolation(t *testing.T) {
	for _, c := range []struct {
		file, imp string
		want      bool
	}{
		{"graph/user.go", module + "ad", true},
		{"graph/user.go", module + "internal/directory", false},
		{"ad/user.go", module + "graph/signin", true},
		{"cmd/user/unlock.go", module + "ad", true},
		{"cmd/factory/factory.go", module + "ad", false},
		{"cmd/user/unlock_test.go", module + "ad", false},
		{"onboarding/apply.go", module + "graph", true},
		{"audit/check/run.go", "github.com/microsoftgraph/msgraph-sdk-go/models", true},
		{"graph/objects.go", "github.com/microsoftgraph/msgraph-sdk-go/models", false},
		{"adkitx/x.go", module + "graph", false}, // a directory that only starts like "ad"
		{"cmd/user/unlock.go", module + "adx", false},
		{"audit/check/run.go", module + "ad", true},
		{"audit/check/lab_test.go", module + "ad", true}, // tests too: a lab test of the loader belongs in ad/
		{"audit/check/run.go", module + "graph/graphtest", true},
		{"audit/check/run.go", module + "audit/inventory", false},
		{"audit/inventory/inventory.go", module + "internal/directory", true},
		{"audit/trail.go", module + "ad", false},
	} {
		got := false
		for _, r := range rules {
			got = got || r.violatedBy(c.file, c.imp)
		}
		if got != c.want {
			t.Errorf("%s importing %s: violation = %v, want %v", c.file, c.imp, got, c.want)
		}
	}
}

func (r rule) violatedBy(file, imp string) bool {
	if !under(file, r.dir) || (r.skipTests && strings.HasSuffix(file, "_test.go")) {
		return false
	}
	for _, a := range r.allowed {
		if under(file, a) {
			return false
		}
	}
	for _, f := range r.forbidden {
		if strings.HasSuffix(f, "/") {
			if strings.HasPrefix(imp, f) {
				return true
			}
		} else if imp == f || strings.HasPrefix(imp, f+"/") {
			return true
		}
	}
	return false
}

// under reports whether a slash path lies in dir ("" is the whole repository).
func under(path, dir string) bool {
	return dir == "" || strings.HasPrefix(path, dir+"/")
}
