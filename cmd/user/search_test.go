package user

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/shlex"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/iostreams"
)

func TestSearchInactiveFlag(t *testing.T) {
	for _, tt := range []struct {
		cli      string
		wantErr  bool
		wantDays int
	}{
		{"", false, 0},
		{"--inactive 90", false, 90},
		{"--inactive 90d", false, 90},
		{"--inactive 90D", false, 90},
		{"--inactive 90x", true, 0},
		{"--inactive 3w", true, 0},
		{"--inactive 0", true, 0}, // not "every account"
		{"--inactive -5", true, 0},
		{"--enabled --disabled", true, 0},
	} {
		ios, _, _, _ := iostreams.Test()
		f := &factory.Factory{IO: ios, Globals: &factory.Globals{}, Now: time.Now}
		var got *searchOptions
		cmd := newCmdSearch(f, func(o *searchOptions) error { got = o; return nil })
		args, _ := shlex.Split(tt.cli)
		cmd.SetArgs(args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		if err != nil && strings.Contains(err.Error(), "strconv") {
			t.Errorf("search %s: the error shows Go internals: %v", tt.cli, err)
		}
		if tt.wantErr {
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("search %s: exit %d (%v), want 2", tt.cli, cmdutil.ExitCode(err), err)
			}
			continue
		}
		if err != nil || got.Query.InactiveDays != tt.wantDays {
			t.Errorf("search %s: %v, days %v", tt.cli, err, got)
		}
	}
}
