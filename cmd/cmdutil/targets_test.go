package cmdutil

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadTargets(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "list.txt")
	if err := os.WriteFile(list, []byte("\ufeff# leavers for INC-9\r\nbwayne\r\n\r\n  jmuller  \n# done\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  []string
	}{
		{"plain arguments", "", []string{"jdoe", "asmith"}, []string{"jdoe", "asmith"}},
		{"stdin with comments and blanks", "# team\njdoe\n\n asmith \n", []string{"-"}, []string{"jdoe", "asmith"}},
		{"a file, BOM and CRLF", "", []string{"@" + list}, []string{"bwayne", "jmuller"}},
		{"mixed", "x1\n", []string{"a", "-", "@" + list}, []string{"a", "x1", "bwayne", "jmuller"}},
		{"plain output of user search: first column", "jdoe\tJohn Doe\ttrue\nasmith\tAlice Smith\ttrue\n", []string{"-"}, []string{"jdoe", "asmith"}},
		{"csv of user search: sam_account_name column", "sam_account_name,display_name,dn\njdoe,John Doe,\"CN=John Doe,DC=x\"\n", []string{"-"}, []string{"jdoe"}},
		{"csv with only a dn column", "dn,enabled\n\"CN=Smith\\, Jr.,OU=Staff,DC=x\",false\n", []string{"-"}, []string{`CN=Smith\, Jr.,OU=Staff,DC=x`}},
		{"a name with a comma is not a CSV header", "Smith, Jr.\n", []string{"-"}, []string{"Smith, Jr."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadTargets(strings.NewReader(tc.stdin), tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("ReadTargets = %q, want %q", got, tc.want)
			}
		})
	}
	var fe *FlagError
	if _, err := ReadTargets(strings.NewReader("# nobody\n\n"), []string{"-"}); !errors.As(err, &fe) || !strings.Contains(err.Error(), "names nobody") {
		t.Errorf("empty list: %v, want a usage error", err)
	}
	if _, err := ReadTargets(strings.NewReader("a\n"), []string{"-", "-"}); !errors.As(err, &fe) {
		t.Errorf("stdin twice: %v, want a usage error", err)
	}
	if _, err := ReadTargets(strings.NewReader(""), []string{"@" + filepath.Join(dir, "missing")}); !errors.As(err, &fe) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %v", err)
	}
}

func TestNameList(t *testing.T) {
	if got := NameList([]string{"a", "b"}); got != "a, b" {
		t.Errorf("NameList(2) = %q", got)
	}
	if got := NameList(strings.Split("a b c d e f g", " ")); got != "a, b, c, d, e and 2 more" {
		t.Errorf("NameList(7) = %q", got)
	}
}
