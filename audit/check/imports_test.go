package check

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/adkit-dev/adkit/"

// TestChecksImportNoBackEnd keeps the audit's shape, from the source: the checks (this
// package) and their vocabulary (audit/inventory) are pure functions and values over
// inventories, and the back ends fill inventories, never the other way round. An import of
// ad, graph or the Graph SDK here, in code or in tests, would let one back end's types leak
// into the checks again; a new source of inventories belongs in its back end.
func TestChecksImportNoBackEnd(t *testing.T) {
	for _, dir := range []string{".", "../inventory"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("%s: no Go files: the test no longer sees the code it guards", dir)
		}
		fset := token.NewFileSet()
		for _, name := range files {
			f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, err := strconv.Unquote(imp.Path.Value)
				if err != nil {
					t.Fatal(err)
				}
				if reason := forbiddenImport(dir, path); reason != "" {
					t.Errorf("%s imports %s: %s", fset.Position(imp.Pos()), path, reason)
				}
			}
		}
	}
}

// forbiddenImport says why a package of dir may not import path, or "".
func forbiddenImport(dir, path string) string {
	switch {
	case path == module+"ad" || strings.HasPrefix(path, module+"ad/"),
		path == module+"graph" || strings.HasPrefix(path, module+"graph/"):
		return "the audit checks read inventories; the back ends fill them (ad.Client.AuditInventory, graph.Client.AuditInventory)"
	case strings.HasPrefix(path, "github.com/microsoftgraph/"):
		return "the Graph SDK is imported only in graph/"
	case dir == "../inventory" && strings.HasPrefix(path, module):
		return "the audit vocabulary depends on no other adkit package, so every back end can fill it"
	}
	return ""
}

// TestForbiddenImport checks the rule itself, so that a typo in the module path cannot make
// TestChecksImportNoBackEnd pass on everything.
func TestForbiddenImport(t *testing.T) {
	for path, want := range map[string]bool{
		module + "ad":                              true,
		module + "ad/adtest":                       true,
		module + "graph":                           true,
		module + "graph/graphtest":                 true,
		"github.com/microsoftgraph/msgraph-sdk-go": true,
		module + "audit/inventory":                 false,
		module + "address":                         false,
		"strings":                                  false,
	} {
		if got := forbiddenImport(".", path) != ""; got != want {
			t.Errorf("forbiddenImport(%q) = %v, want %v", path, got, want)
		}
	}
	if forbiddenImport("../inventory", module+"internal/directory") == "" {
		t.Error("audit/inventory may import internal/directory: it must stay free of adkit packages")
	}
}
