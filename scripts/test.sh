#!/usr/bin/env bash
# Runs every test adkit has: static checks, unit tests, and the integration and end-to-end
# tests against a real Samba AD domain controller on loopback (scripts/lab.sh). On a fresh
# Debian machine with Go it installs what it needs first (Samba packages, Go modules).
#
#   scripts/test.sh            everything
#   scripts/test.sh ./ad/...   only these packages (the lab is still brought up)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

command -v go >/dev/null || { echo "test: Go is not installed (https://go.dev/doc/install)" >&2; exit 1; }
# The configuration scripts/build.sh ships (static, -trimpath): building the tests the same way
# means msgraph-sdk-go, minutes to compile cold, is compiled once for both.
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:--mod=readonly -trimpath}"

step "tools the tests use"
# The lab installs Samba and the LDAP client tools itself; the syslog test needs rsyslogd;
# test/windows runs adkit.exe under Wine (wine64, ~30 packages) with a shim DLL it builds
# with mingw-w64 (docs/windows.md).
need=()
command -v rsyslogd >/dev/null || need+=(rsyslog)
[[ $(uname -m) != x86_64 ]] || command -v wine64 >/dev/null || [[ -x /usr/lib/wine/wine64 ]] || need+=(wine64)
[[ $(uname -m) != x86_64 ]] || command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64-win32)
if [[ ${#need[@]} -gt 0 ]]; then
	sudo_cmd=""
	[[ $EUID -eq 0 ]] || sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Windows build runs here: no Wine is a failure, not a skip (x86_64 only: wine64 runs
# windows/amd64 programs).
[[ $(uname -m) != x86_64 ]] || export ADKIT_REQUIRE_WINE=1

step "Go modules"
go mod download

step "static checks (gofmt, go vet)"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [[ -n "$unformatted" ]]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...

step "lab domain controller"
# From the freshly seeded copy every time (seconds; a first run provisions): the tests then see
# the same directory on a fresh machine as on one where earlier runs, or people, left objects
# behind. The tests themselves must not depend on that (they create what they assert on).
scripts/lab.sh reset
# A copy of that state with Samba's default strong-auth setting, for --kerberos (seconds).
scripts/lab.sh strict reset
eval "$(scripts/lab.sh env)"
# The lab tests must run here: a missing lab is a failure, not a skip.
export ADKIT_REQUIRE_LAB=1

step "tests"
packages=("$@")
[[ ${#packages[@]} -gt 0 ]] || packages=(./...)
# -p 1: the lab tests of several packages share one domain controller; running one package at
# a time keeps lockout and policy tests from racing each other. Tests within a package may
# still run in parallel.
go test -count=1 -p 1 -timeout 20m "${packages[@]}"

if [[ $# -eq 0 ]]; then
	step "release artifacts (scripts/release.sh --ci)"
	# Every kind of release artifact (tar.gz and zip archives, SBOMs, SHA256SUMS, the .deb
	# with man pages and completions) built and checked for linux/amd64 and windows/amd64,
	# the two targets CI compiles anyway (the tests; the Windows build run under Wine): links
	# and packing, no extra msgraph-sdk-go compile when those share this build cache (same
	# CGO_ENABLED=0 and -trimpath). The full six-target release is scripts/release.sh
	# (docs/releasing.md).
	release_out=$(mktemp -d)
	scripts/release.sh --ci --out "$release_out"
	rm -rf "$release_out"
fi
