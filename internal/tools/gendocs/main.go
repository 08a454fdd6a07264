// Command gendocs writes what is generated from adkit's command tree (internal/refdocs):
//
//	go run ./internal/tools/gendocs -markdown docs/reference        (go generate ./...)
//	go run ./internal/tools/gendocs -man DIR -completions DIR -version V -date RFC3339
//
// scripts/gen-docs.sh runs the first; scripts/release.sh the second, for every archive and
// package. It runs on the build machine only: the pages and scripts are the same for every
// platform, so cross-built binaries never need to run.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/adkit-dev/adkit/cmd/cli"
	"github.com/adkit-dev/adkit/internal/buildinfo"
	"github.com/adkit-dev/adkit/internal/refdocs"
)

func main() {
	markdown := flag.String("markdown", "", "write the Markdown reference into this directory")
	man := flag.String("man", "", "write the man pages into this directory")
	completions := flag.String("completions", "", "write the shell completion scripts into this directory")
	version := flag.String("version", "dev", "version named in the man pages' footer")
	date := flag.String("date", "", "date of the man pages, RFC 3339 (default: SOURCE_DATE_EPOCH, else today)")
	flag.Parse()
	if err := run(*markdown, *man, *completions, *version, *date); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(markdown, man, completions, version, date string) error {
	if markdown == "" && man == "" && completions == "" {
		return fmt.Errorf("nothing to do: give -markdown, -man or -completions")
	}
	if markdown != "" {
		if err := refdocs.Markdown(cli.DocTree(), markdown); err != nil {
			return err
		}
	}
	if man != "" {
		when, err := buildinfo.ReleaseTime(date, os.Getenv, time.Now)
		if err != nil {
			return err
		}
		if err := refdocs.Man(cli.DocTree(), man, version, when); err != nil {
			return err
		}
	}
	if completions != "" {
		if err := refdocs.Completions(cli.DocTree(), completions); err != nil {
			return err
		}
	}
	return nil
}
