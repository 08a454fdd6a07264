package user

import (
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
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
		got, err := cmdtest.Parse(cmdtest.Factory(factory.Globals{}, nil), newCmdSearch, tt.cli)
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
