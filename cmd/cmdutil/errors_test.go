package cmdutil

import (
	"testing"

	"github.com/adkit-dev/adkit/internal/directory"
)

// The per-target message names the account once, also when the error quotes it.
func TestTargetErrorNamesTheTargetOnce(t *testing.T) {
	for target, want := range map[string]string{
		"jdoe":          `user "jdoe" not found`,
		`x\y`:           `user "x\\y" not found`,
		"jdoe\u200b":    `user "jdoe\u200b" not found`,
		"   ":           `user "   " not found`,
		"CN=a\\,b,DC=x": `user "CN=a\\,b,DC=x" not found`,
	} {
		err := &TargetError{Target: target, Err: &directory.NotFoundError{Kind: "user", Ident: target}}
		if got := err.Error(); got != want {
			t.Errorf("TargetError(%q) = %q, want %q", target, got, want)
		}
	}
	other := &TargetError{Target: "jdoe", Err: errString("the connection to the domain controller was lost")}
	if got := other.Error(); got != "jdoe: the connection to the domain controller was lost" {
		t.Errorf("an error that does not name the account gets it as a prefix: %q", got)
	}
}

type errString string

func (e errString) Error() string { return string(e) }
