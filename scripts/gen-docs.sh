#!/usr/bin/env bash
# Regenerates docs/reference, the Markdown reference of every command, from the command tree
# (the same as `go generate ./...`). Run it after changing a command's usage, help or flags:
# cmd/cli's TestReferenceIsCurrent fails while docs/reference is stale.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--mod=readonly -trimpath}"
go run ./internal/tools/gendocs -markdown docs/reference
