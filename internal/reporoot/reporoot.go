// Package reporoot finds the repository a test runs in, for tests that read the tree
// (the import-layering test) or run its scripts (the onboarding lab harness).
package reporoot

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir is the module's root directory: the nearest one above the test's working directory
// (its package's) that holds go.mod. The test stops when there is none.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}
