package auditcmd

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/audit/check"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/config"
)

// The audit waits for a search as long as a big domain needs, unless the technician chose a
// timeout: then theirs holds.
func TestAuditWaitsLongerUnlessTheTimeoutWasChosen(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings config.Settings
		want     time.Duration
	}{
		{"default", config.Settings{Timeout: config.DefaultTimeout}, auditRequestTimeout},
		{"chosen", config.Settings{Timeout: 45 * time.Second, TimeoutSet: true}, 45 * time.Second},
	} {
		s := tc.settings
		var seen time.Duration
		f := &factory.Factory{
			Settings: func() (*config.Settings, error) { return &s, nil },
			AD: func(context.Context) (*ad.Client, error) {
				seen = s.Timeout
				return nil, errors.New("no DC in this test")
			},
		}
		if _, err := loadFromAD(f)(context.Background(), check.LoadOptions{}); err == nil {
			t.Fatalf("%s: the loader went on without a DC", tc.name)
		}
		if seen != tc.want {
			t.Errorf("%s: the DC was reached with a %v timeout, want %v", tc.name, seen, tc.want)
		}
	}
}
