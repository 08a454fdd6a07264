// Command sbom writes a software bill of materials for a Go binary, and checks one:
//
//	go run ./internal/tools/sbom -o adkit.spdx.json -name adkit_1.2.3_linux_amd64 -date 2026-12-03T12:00:00Z dist/linux_amd64/adkit
//	go run ./internal/tools/sbom -check adkit.spdx.json -require github.com/microsoftgraph/msgraph-sdk-go
//
// The list comes from the build information the Go linker put in the binary (what
// `go version -m` prints: every module compiled in, with its version and checksum), read
// with debug/buildinfo, which reads ELF, Mach-O and PE alike, so one Linux machine describes
// every platform's binary. The format is SPDX 2.3 JSON, with a purl per module. It is our
// own small program rather than a new dependency (syft, cyclonedx-gomod): the module list
// is all an SBOM of a static Go binary holds.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/internal/buildinfo"
)

func main() {
	out := flag.String("o", "", "write the SBOM to this file (default stdout)")
	name := flag.String("name", "", "name of the SBOM document (default: the binary's file name)")
	date := flag.String("date", "", "creation time, RFC 3339 (default: SOURCE_DATE_EPOCH, else now)")
	check := flag.String("check", "", "check this SBOM instead: it parses as SPDX 2.3 and lists the -require modules")
	var require multi
	flag.Var(&require, "require", "with -check: a module the SBOM must list (repeatable)")
	flag.Parse()

	var err error
	if *check != "" {
		err = checkFile(*check, require)
	} else {
		err = write(flag.Args(), *out, *name, *date)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbom:", err)
		os.Exit(1)
	}
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func write(args []string, out, name, date string) error {
	if len(args) != 1 {
		return fmt.Errorf("give one binary to describe")
	}
	created, err := buildinfo.ReleaseTime(date, os.Getenv, time.Now)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	if name == "" {
		name = args[0]
	}
	doc, err := describe(args[0], name, hex.EncodeToString(sum[:]), created)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if out == "" {
		_, err = os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(out, b, 0o644)
}
