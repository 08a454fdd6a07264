package main

import (
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func sampleBuild() *debug.BuildInfo {
	return &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Path:      "github.com/adkit-dev/adkit/cmd/adkit",
		Main:      debug.Module{Path: "github.com/adkit-dev/adkit", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "github.com/go-ldap/ldap/v3", Version: "v3.4.15", Sum: "h1:abc="},
			{Path: "github.com/microsoftgraph/msgraph-sdk-go", Version: "v1.89.0", Sum: "h1:def="},
			{Path: "example.com/old", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v1.0.1"}},
		},
		Settings: []debug.BuildSetting{
			{Key: "-ldflags", Value: "-s -w -X github.com/adkit-dev/adkit/cmd/cli.version=v1.2.3 -X github.com/adkit-dev/adkit/cmd/cli.commit=abc"},
			{Key: "GOOS", Value: "windows"}, {Key: "GOARCH", Value: "arm64"},
		},
	}
}

// The SBOM lists every module of the binary with a purl, the replacement where a module is
// replaced, the standard library, and the stamped version; and it passes its own check.
func TestSBOMFromBuildInfo(t *testing.T) {
	doc := fromBuildInfo(sampleBuild(), "adkit_1.2.3_windows_arm64", "00ff", time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{`"spdxVersion":"SPDX-2.3"`, `"versionInfo":"v1.2.3"`, `"pkg:golang/github.com/microsoftgraph/msgraph-sdk-go@v1.89.0"`,
		`"pkg:golang/example.com/fork@v1.0.1"`, `"pkg:golang/stdlib@go1.26.8"`, `"created":"2026-12-03T12:00:00Z"`, `GOOS=windows`, `"checksumValue":"00ff"`} {
		if !strings.Contains(text, want) {
			t.Errorf("SBOM lacks %s:\n%s", want, text)
		}
	}
	if strings.Contains(text, "example.com/old") {
		t.Error("the replaced module is listed instead of its replacement")
	}
	if len(doc.Relationships) != 1+1+3 {
		t.Errorf("%d relationships, want DESCRIBES + 4 DEPENDS_ON", len(doc.Relationships))
	}
	if err := check(b, []string{"github.com/microsoftgraph/msgraph-sdk-go", "stdlib"}); err != nil {
		t.Errorf("check: %v", err)
	}
}

// The check refuses what is not an SBOM of ours, or lacks a module.
func TestSBOMCheckRefuses(t *testing.T) {
	good, _ := json.Marshal(fromBuildInfo(sampleBuild(), "x", "00", time.Unix(0, 0)))
	for name, c := range map[string]struct {
		doc     string
		require []string
	}{
		"not json":       {`{"spdxVersion"`, nil},
		"other format":   {`{"bomFormat":"CycloneDX"}`, nil},
		"missing module": {string(good), []string{"github.com/spf13/cobra"}},
	} {
		if err := check([]byte(c.doc), c.require); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
