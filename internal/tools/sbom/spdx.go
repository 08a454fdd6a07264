package main

import (
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
)

// The SPDX 2.3 JSON fields this program writes and reads
// (https://spdx.github.io/spdx-spec/v2.3/): a document describing the binary, which depends
// on one package per Go module and on the Go standard library.
type document struct {
	SPDXVersion       string         `json:"spdxVersion"`
	DataLicense       string         `json:"dataLicense"`
	SPDXID            string         `json:"SPDXID"`
	Name              string         `json:"name"`
	DocumentNamespace string         `json:"documentNamespace"`
	CreationInfo      creationInfo   `json:"creationInfo"`
	DocumentDescribes []string       `json:"documentDescribes"`
	Packages          []pkg          `json:"packages"`
	Relationships     []relationship `json:"relationships"`
}

type creationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type pkg struct {
	Name             string        `json:"name"`
	SPDXID           string        `json:"SPDXID"`
	VersionInfo      string        `json:"versionInfo,omitempty"`
	DownloadLocation string        `json:"downloadLocation"`
	FilesAnalyzed    bool          `json:"filesAnalyzed"`
	Checksums        []checksum    `json:"checksums,omitempty"`
	ExternalRefs     []externalRef `json:"externalRefs,omitempty"`
	PrimaryPurpose   string        `json:"primaryPackagePurpose,omitempty"`
	Comment          string        `json:"comment,omitempty"`
}

type checksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type externalRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type relationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// describe reads the build information of the binary at path.
func describe(path, name, sha256hex string, created time.Time) (*document, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the Go build information of %s (is it a Go binary?): %w", path, err)
	}
	return fromBuildInfo(bi, name, sha256hex, created), nil
}

// fromBuildInfo is the SBOM of a binary with build information bi and checksum sha256hex.
func fromBuildInfo(bi *debug.BuildInfo, name, sha256hex string, created time.Time) *document {
	mainVersion := bi.Main.Version
	for _, s := range bi.Settings {
		// The release stamps its version into cmd/cli (-X); Go records the -ldflags.
		if s.Key == "-ldflags" {
			if m := stampedVersion.FindStringSubmatch(s.Value); m != nil {
				mainVersion = m[1]
			}
		}
	}
	root := pkg{
		Name: bi.Path, SPDXID: "SPDXRef-Binary", VersionInfo: mainVersion,
		DownloadLocation: "NOASSERTION", PrimaryPurpose: "APPLICATION",
		Checksums: []checksum{{Algorithm: "SHA256", Value: sha256hex}},
		Comment:   "built with " + bi.GoVersion + settingsComment(bi),
	}
	doc := &document{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT", Name: name,
		// Unique per binary: its checksum names it.
		DocumentNamespace: "https://spdx.org/spdxdocs/" + sanitize(name) + "-" + sha256hex,
		CreationInfo:      creationInfo{Created: created.Format(time.RFC3339), Creators: []string{"Tool: adkit internal/tools/sbom"}},
		DocumentDescribes: []string{root.SPDXID},
		Packages:          []pkg{root},
		Relationships:     []relationship{{"SPDXRef-DOCUMENT", "DESCRIBES", root.SPDXID}},
	}
	add := func(p pkg) {
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, relationship{root.SPDXID, "DEPENDS_ON", p.SPDXID})
	}
	add(pkg{Name: "stdlib", SPDXID: "SPDXRef-Go-stdlib", VersionInfo: bi.GoVersion, DownloadLocation: "https://go.dev/dl/",
		ExternalRefs: []externalRef{{"PACKAGE-MANAGER", "purl", "pkg:golang/stdlib@" + bi.GoVersion}}})
	for i, m := range bi.Deps {
		if m.Replace != nil {
			m = &debug.Module{Path: m.Replace.Path, Version: m.Replace.Version, Sum: m.Replace.Sum}
		}
		p := pkg{Name: m.Path, SPDXID: fmt.Sprintf("SPDXRef-Module-%d-%s", i, sanitize(m.Path)), VersionInfo: m.Version,
			DownloadLocation: "NOASSERTION",
			ExternalRefs:     []externalRef{{"PACKAGE-MANAGER", "purl", "pkg:golang/" + m.Path + "@" + m.Version}}}
		if m.Sum != "" {
			p.Comment = "go.sum " + m.Sum
		}
		add(p)
	}
	return doc
}

var stampedVersion = regexp.MustCompile(`-X[= ]\S*/cmd/cli\.version=(\S+)`)

func settingsComment(bi *debug.BuildInfo) string {
	var parts []string
	for _, s := range bi.Settings {
		if s.Key == "GOOS" || s.Key == "GOARCH" || s.Key == "CGO_ENABLED" || s.Key == "vcs.revision" {
			parts = append(parts, s.Key+"="+s.Value)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// sanitize keeps what an SPDX identifier may hold: letters, digits, '.' and '-'.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '-'
	}, s)
}

// checkFile parses an SBOM this program wrote and checks that it lists every module in require.
func checkFile(path string, require []string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return check(b, require)
}

func check(b []byte, require []string) error {
	var doc document
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.SPDXID != "SPDXRef-DOCUMENT" || len(doc.DocumentDescribes) != 1 {
		return fmt.Errorf("not an SPDX 2.3 document describing one binary (spdxVersion %q)", doc.SPDXVersion)
	}
	listed := map[string]string{}
	for _, p := range doc.Packages {
		listed[p.Name] = p.VersionInfo
	}
	for _, r := range require {
		if v, ok := listed[r]; !ok || v == "" {
			return fmt.Errorf("%s is not listed with a version among %d packages", r, len(doc.Packages))
		}
	}
	return nil
}
