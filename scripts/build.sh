#!/usr/bin/env bash
# Builds adkit the way it is meant to be run: scripts/build.sh [OUTPUT] (default bin/adkit).
#
#   CGO_ENABLED=0   a static binary: no dynamic loader, no libc start-up. adkit is a command a
#                   technician runs dozens of times an hour, so start-up counts (about 1 ms of
#                   every run here, docs/benchmarks.md); Go's own DNS resolver and /etc/passwd
#                   reader do all adkit needs.
#   -trimpath       no paths of the build machine in the binary.
#   -s -w           no symbol table or DWARF: a third smaller on disk; panics still show
#                   function names and lines.
#
# scripts/test.sh builds and tests with the same CGO_ENABLED and -trimpath, so that CI compiles
# msgraph-sdk-go (minutes, ~5 GB) once, not once per configuration.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${1:-bin/adkit}
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$out" ./cmd/adkit
