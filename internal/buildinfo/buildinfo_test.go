package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func checkoutBuild() *debug.BuildInfo {
	return &debug.BuildInfo{
		GoVersion: "go1.99.1",
		Main:      debug.Module{Path: "github.com/adkit-dev/adkit", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "github.com/go-ldap/ldap/v3", Version: "v3.4.15"},
			{Path: GraphSDKModule, Version: "v1.89.0"},
			{Path: GraphSDKModule + "-core", Version: "v1.4.0"},
		},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef"},
			{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
}

// A release build says exactly what the release script stamped, and the Graph SDK's version
// comes from the module list, not from its neighbour msgraph-sdk-go-core.
func TestResolveStampedRelease(t *testing.T) {
	got := Resolve(Stamp{Version: "v1.2.3", Commit: "feedface", Date: "2026-12-03T12:00:00Z"}, checkoutBuild())
	want := Info{Version: "v1.2.3", Commit: "feedface", BuildDate: "2026-12-03T12:00:00Z", GoVersion: "go1.99.1",
		OS: runtime.GOOS, Arch: runtime.GOARCH, GraphSDKVersion: "v1.89.0"}
	if got != want {
		t.Errorf("Resolve = %+v\nwant %+v", got, want)
	}
}

// A `go build` in a checkout has no stamp: the commit, its time and the dirty flag come
// from the VCS settings Go recorded.
func TestResolveCheckoutFallsBackOnVCS(t *testing.T) {
	got := Resolve(Stamp{Version: "dev"}, checkoutBuild())
	if got.Version != "dev" || got.Commit != "0123456789abcdef" || got.BuildDate != "2026-12-01T10:00:00Z" || !got.Modified {
		t.Errorf("Resolve = %+v, want dev at 0123456789abcdef (modified) dated by the commit", got)
	}
}

// `go install github.com/adkit-dev/adkit/cmd/adkit@v1.2.3` records the module version; a
// replaced Graph SDK reports the replacement's version.
func TestResolveModuleVersionAndReplacedSDK(t *testing.T) {
	bi := checkoutBuild()
	bi.Main.Version = "v1.2.3"
	bi.Settings = nil
	bi.Deps[1].Replace = &debug.Module{Path: "example.com/fork/msgraph-sdk-go", Version: "v1.90.0-fix"}
	got := Resolve(Stamp{}, bi)
	if got.Version != "v1.2.3" || got.Commit != "" || got.BuildDate != "" || got.GraphSDKVersion != "v1.90.0-fix" {
		t.Errorf("Resolve = %+v, want v1.2.3, no commit or date, SDK v1.90.0-fix", got)
	}
}

// Without build information (a binary stripped of it) nothing is invented.
func TestResolveWithoutBuildInfo(t *testing.T) {
	got := Resolve(Stamp{}, nil)
	if got.Version != "dev" || got.Commit != "" || got.GraphSDKVersion != "" || got.GoVersion != runtime.Version() {
		t.Errorf("Resolve = %+v", got)
	}
}

// The release date: an explicit date wins, then SOURCE_DATE_EPOCH, then the clock; a bad
// value is an error naming it, never a silent "now".
func TestReleaseTime(t *testing.T) {
	now := func() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC) }
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "SOURCE_DATE_EPOCH" {
				return v
			}
			return ""
		}
	}
	for _, c := range []struct {
		date, epoch, want string
	}{
		{"2026-12-03T12:00:00+01:00", "1", "2026-12-03T11:00:00Z"},
		{"", "1764763200", "2025-12-03T12:00:00Z"},
		{"", "", "2030-01-02T03:04:05Z"},
	} {
		got, err := ReleaseTime(c.date, env(c.epoch), now)
		if err != nil || got.Format(time.RFC3339) != c.want {
			t.Errorf("ReleaseTime(%q, epoch %q) = %v, %v; want %s", c.date, c.epoch, got, err, c.want)
		}
	}
	if _, err := ReleaseTime("yesterday", env(""), now); err == nil || !strings.Contains(err.Error(), "yesterday") {
		t.Errorf("bad date: %v", err)
	}
	if _, err := ReleaseTime("", env("soon"), now); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Errorf("bad epoch: %v", err)
	}
}
