// Package buildinfo says which adkit is running: what the release script stamped into the
// binary, and what the Go toolchain recorded on its own (module versions, the commit of a
// checkout). A technician pastes `adkit version -o json` into a ticket; the Graph SDK's
// version tells which Graph behaviour that binary has.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// GraphSDKModule is the module whose version Info reports as the Graph SDK's. The module is
// named, not imported: only graph/ may import it (internal/layering).
const GraphSDKModule = "github.com/microsoftgraph/msgraph-sdk-go"

// Stamp is what scripts/release.sh sets with -ldflags -X on cmd/cli's version, commit and
// date. Any of them may be empty or "dev" in a plain `go build`.
type Stamp struct {
	Version string
	Commit  string
	Date    string
}

// Info is `adkit version`'s output. Unknown values are empty strings, never guesses.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	// Modified: the binary was built from a checkout with uncommitted changes (Go's
	// vcs.modified); only known for builds that did not stamp a commit.
	Modified        bool   `json:"modified"`
	BuildDate       string `json:"build_date"`
	GoVersion       string `json:"go_version"`
	OS              string `json:"os"`
	Arch            string `json:"arch"`
	GraphSDKVersion string `json:"graph_sdk_version"`
}

// Current is Resolve with this process's build information.
func Current(s Stamp) Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return Resolve(s, bi)
}

// Resolve fills Info from the stamp first, then from bi (which may be nil): a release has
// all three stamped; `go install …@v1.2.3` has the module version; a `go build` in a
// checkout has the commit and its time from the VCS settings.
func Resolve(s Stamp, bi *debug.BuildInfo) Info {
	info := Info{
		Version:   s.Version,
		Commit:    s.Commit,
		BuildDate: s.Date,
		GoVersion: runtime.Version(),
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	if bi == nil {
		return info
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	if info.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	for _, dep := range bi.Deps {
		if dep.Path == GraphSDKModule {
			info.GraphSDKVersion = dep.Version
			if dep.Replace != nil && dep.Replace.Version != "" {
				info.GraphSDKVersion = dep.Replace.Version
			}
		}
	}
	if info.Commit != "" {
		return info // a stamped build: the VCS settings, if any, are the same commit
	}
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			info.Commit = kv.Value
		case "vcs.time":
			// The commit's time, the closest thing to a build date an unstamped build has.
			if info.BuildDate == "" {
				info.BuildDate = kv.Value
			}
		case "vcs.modified":
			info.Modified = strings.EqualFold(kv.Value, "true")
		}
	}
	return info
}

// ReleaseTime is the time the release tools put on what they generate (man pages, SBOMs):
// date (RFC 3339) when given, else SOURCE_DATE_EPOCH (the reproducible-builds convention,
// set by scripts/release.sh to the commit's time), else now.
func ReleaseTime(date string, getenv func(string) string, now func() time.Time) (time.Time, error) {
	if date != "" {
		t, err := time.Parse(time.RFC3339, date)
		if err != nil {
			return time.Time{}, fmt.Errorf("date %q: want RFC 3339, e.g. 2026-12-03T12:00:00Z: %w", date, err)
		}
		return t.UTC(), nil
	}
	if epoch := getenv("SOURCE_DATE_EPOCH"); epoch != "" {
		secs, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds: %w", epoch, err)
		}
		return time.Unix(secs, 0).UTC(), nil
	}
	return now().UTC().Truncate(time.Second), nil
}
