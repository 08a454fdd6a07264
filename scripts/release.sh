#!/usr/bin/env bash
# Builds an adkit release into dist/ and checks every artifact (docs/releasing.md):
#
#   scripts/release.sh                 all six targets: linux, darwin, windows × amd64, arm64
#   scripts/release.sh --ci            linux/amd64 and windows/amd64 only: every KIND of
#                                      artifact, for the two targets CI compiles anyway
#   options: --version V (default: git describe), --out DIR (default dist)
#
# For each target: adkit built with -trimpath, CGO_ENABLED=0 and the version, commit and
# build date stamped (-ldflags -X); an archive (tar.gz, zip for Windows) with the binary,
# README, LICENSE if present, the man pages and the completion scripts; an SPDX SBOM. For
# linux/amd64 and linux/arm64 a Debian package. Then SHA256SUMS over all of it, and the
# checks: the native archive's binary runs `version` and says what was stamped, SHA256SUMS
# verifies, each SBOM parses and lists msgraph-sdk-go, the .deb installs into a scratch root
# (dpkg --root) where its binary runs and `man adkit` / `man adkit-user-show` render.
#
# Not goreleaser: it is not packaged for Debian, and this is all we need from it.
# A target never built on the machine compiles msgraph-sdk-go cold (minutes, GBs): on a
# shared machine, run under the build lock, e.g. flock /work/wt/msgraph.lock scripts/release.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }
die() { echo "release: $*" >&2; exit 1; }

ci=0
version=""
out=dist
while [[ $# -gt 0 ]]; do
	case $1 in
	--ci) ci=1 ;;
	--version) version=${2:?--version needs a value}; shift ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	*) die "unknown argument $1 (use --ci, --version V, --out DIR)" ;;
	esac
	shift
done

if [[ $ci == 1 ]]; then
	targets=(linux/amd64 windows/amd64)
else
	targets=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64)
fi

command -v go >/dev/null || die "Go is not installed"
# The tools the packaging and the checks use; installed as scripts/test.sh installs its own.
missing=()
command -v zip >/dev/null || missing+=(zip)
command -v unzip >/dev/null || missing+=(unzip)
command -v dpkg-deb >/dev/null || missing+=(dpkg)
command -v man >/dev/null || missing+=(man-db)
command -v groff >/dev/null || missing+=(groff-base)
# Completion scripts in /usr/share/bash-completion are loaded by that package, as on a desktop.
[[ -f /usr/share/bash-completion/bash_completion ]] || missing+=(bash-completion)
if [[ ${#missing[@]} -gt 0 ]]; then
	sudo_cmd=""
	[[ $EUID -eq 0 ]] || sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# What is stamped. A tag v1.2.3 gives version v1.2.3; elsewhere git describe's
# v1.2.3-4-gabcdef0, or 0.0.0-dev+<commit> before the first tag.
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [[ -z $version ]]; then
	version=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || true)
	[[ -n $version ]] || version="0.0.0-dev+$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
fi
[[ $version =~ ^v?[0-9] ]] || die "version $version must start with a digit (or v and a digit)"
# SOURCE_DATE_EPOCH (reproducible builds) if set, else the commit's time: the same commit
# gives the same archives, man pages and SBOMs.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH=$epoch
date=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
# Debian versions have no v and order ~ before anything: 0.0.0-dev+abc → 0.0.0~dev+abc.
debversion=${version#v}
debversion=${debversion//-/\~}

export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:--mod=readonly -trimpath}"
pkg=github.com/adkit-dev/adkit/cmd/cli
ldflags="-s -w -X $pkg.version=$version -X $pkg.commit=$commit -X $pkg.date=$date"

start=$SECONDS
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "man pages and completion scripts ($version, $date)"
share=$work/share
go run ./internal/tools/gendocs -man "$share/man" -completions "$share/completions" -version "$version" -date "$date"

# archive NAME DIR: a tar.gz (zip for Windows) of DIR with fixed owners, order and times.
archive() {
	local name=$1 dir=$2
	find "$work/$dir" -exec touch -h -d "@$epoch" {} +
	if [[ $name == *windows* ]]; then
		(cd "$work" && find "$dir" -print | LC_ALL=C sort | zip -q -X -@ "$out/$name.zip")
	else
		tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -czf "$out/$name.tar.gz" "$dir"
	fi
}

# deb ARCH BINARY: the Debian package, files where Debian puts them.
deb() {
	local arch=$1 bin=$2 root=$work/deb-$1
	install -D -m 0755 "$bin" "$root/usr/bin/adkit"
	mkdir -p "$root/usr/share/man/man1"
	for page in "$share"/man/*.1; do
		gzip -9 -n -c "$page" >"$root/usr/share/man/man1/$(basename "$page").gz"
	done
	install -D -m 0644 "$share/completions/adkit.bash" "$root/usr/share/bash-completion/completions/adkit"
	install -D -m 0644 "$share/completions/_adkit" "$root/usr/share/zsh/vendor-completions/_adkit"
	install -D -m 0644 "$share/completions/adkit.fish" "$root/usr/share/fish/vendor_completions.d/adkit.fish"
	install -D -m 0644 README.md "$root/usr/share/doc/adkit/README.md"
	if [[ -f LICENSE ]]; then install -m 0644 LICENSE "$root/usr/share/doc/adkit/copyright"; fi
	mkdir -p "$root/DEBIAN"
	cat >"$root/DEBIAN/control" <<-EOF
		Package: adkit
		Version: $debversion
		Architecture: $arch
		Maintainer: adkit maintainers <adkit@invalid>
		Section: admin
		Priority: optional
		Suggests: bash-completion
		Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
		Description: account work on Active Directory and Entra ID, with an audit log
		 adkit unlocks accounts, resets passwords, changes group membership, onboards new
		 hires from HR CSV files and audits privileged access on Active Directory (LDAP)
		 and Microsoft Entra ID (Graph). Every change is written to a tamper-evident,
		 hash-chained audit log before and after it is made.
	EOF
	find "$root" -exec touch -h -d "@$epoch" {} +
	dpkg-deb --root-owner-group -Zgzip --build "$root" "$out/adkit_${debversion}_$arch.deb" >/dev/null
}

for target in "${targets[@]}"; do
	goos=${target%/*} goarch=${target#*/}
	name=adkit_${version}_${goos}_$goarch
	exe=adkit
	[[ $goos == windows ]] && exe=adkit.exe
	step "$target"
	t0=$SECONDS
	mkdir -p "$work/$name"
	GOOS=$goos GOARCH=$goarch go build -ldflags="$ldflags" -o "$work/$name/$exe" ./cmd/adkit
	echo "  built in $((SECONDS - t0))s"
	cp README.md "$work/$name/"
	if [[ -f LICENSE ]]; then cp LICENSE "$work/$name/"; fi
	cp -r "$share/man" "$share/completions" "$work/$name/"
	archive "$name" "$name"
	go run ./internal/tools/sbom -name "$name" -date "$date" -o "$out/$name.spdx.json" "$work/$name/$exe"
	if [[ $goos == linux ]]; then
		deb "$goarch" "$work/$name/$exe"
	fi
done

step "SHA256SUMS"
(cd "$out" && sha256sum -- * >SHA256SUMS)
ls -l "$out"

# ---- checks: what a user who downloads the release will do ----

step "check: SHA256SUMS verifies"
(cd "$out" && sha256sum --quiet -c SHA256SUMS)

step "check: every SBOM parses and lists msgraph-sdk-go"
for sbom in "$out"/*.spdx.json; do
	go run ./internal/tools/sbom -check "$sbom" -require github.com/microsoftgraph/msgraph-sdk-go -require github.com/go-ldap/ldap/v3
done
echo "  $(ls "$out"/*.spdx.json | wc -l) SBOMs"

check_version() { # check_version BINARY: it runs and says what was stamped
	local json
	json=$("$1" version -o json) || die "$1 version failed"
	for want in "\"version\": \"$version\"" "\"commit\": \"$commit\"" "\"build_date\": \"$date\"" '"graph_sdk_version": "v'; do
		[[ $json == *"$want"* ]] || die "$1 version -o json lacks $want:
$json"
	done
	"$1" version | head -1
}

native=adkit_${version}_$(go env GOHOSTOS)_$(go env GOHOSTARCH)
step "check: the native archive's binary runs version"
if [[ -f $out/$native.tar.gz ]]; then
	mkdir -p "$work/unpacked"
	tar -C "$work/unpacked" -xzf "$out/$native.tar.gz"
	for f in adkit README.md man/adkit.1 man/adkit-user-show.1 completions/adkit.bash completions/_adkit completions/adkit.fish completions/adkit.ps1; do
		[[ -e $work/unpacked/$native/$f ]] || die "$native.tar.gz lacks $f"
	done
	check_version "$work/unpacked/$native/adkit"
else
	echo "  no archive for this machine's platform among ${targets[*]}"
fi
for z in "$out"/*windows*.zip; do
	[[ -e $z ]] || continue
	listing=$(unzip -Z1 "$z")
	for f in adkit.exe README.md man/adkit-user-show.1 completions/adkit.ps1; do
		grep -qx "[^/]*/$f" <<<"$listing" || die "$(basename "$z") lacks $f"
	done
done

hostarch=$(dpkg --print-architecture)
deb=$out/adkit_${debversion}_$hostarch.deb
step "check: the .deb installs, its binary runs, man adkit renders"
if [[ -f $deb ]]; then
	# A scratch root with an empty dpkg database: installing touches nothing of this machine.
	root=$work/root
	mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
	touch "$root/var/lib/dpkg/status"
	dpkg --root="$root" --log=/dev/null --force-not-root -i "$deb" >/dev/null
	dpkg --root="$root" -s adkit | grep -qx 'Status: install ok installed' || die "dpkg does not list adkit as installed"
	check_version "$root/usr/bin/adkit"
	for f in usr/share/man/man1/adkit.1.gz usr/share/man/man1/adkit-user-show.1.gz usr/share/bash-completion/completions/adkit \
		usr/share/zsh/vendor-completions/_adkit usr/share/fish/vendor_completions.d/adkit.fish; do
		[[ -f $root/$f ]] || die "the .deb does not install /$f"
	done
	for page in adkit adkit-user-show; do
		text=$(MANPATH=$root/usr/share/man MANWIDTH=80 MAN_DISABLE_SECCOMP=1 man -P cat "$page" 2>&1) || die "man $page: $text"
		grep -q "${page//-/ }" <<<"$text" || die "man $page does not render the page:
$text"
	done
	grep -q 'EXAMPLE' <<<"$text" || die "man adkit-user-show has no EXAMPLE section"
	echo "  man adkit-user-show: $(grep -c '' <<<"$text") lines"
	# bash completion loads and completes a command through the installed binary (compopt
	# complains outside a real completion, hence the silenced stderr; COMPREPLY is the test).
	words=$(PATH="$root/usr/bin:$PATH" bash -c "source /usr/share/bash-completion/bash_completion &&
		source '$root/usr/share/bash-completion/completions/adkit' &&
		COMP_WORDS=(adkit us) COMP_CWORD=1 COMP_LINE='adkit us' COMP_POINT=8; __start_adkit adkit us adkit; echo \"\${COMPREPLY[*]}\"" 2>/dev/null)
	[[ $words == *user* ]] || die "bash completion of 'adkit us' gave '$words'"
	dpkg --root="$root" --log=/dev/null --force-not-root -r adkit >/dev/null
	[[ ! -e $root/usr/bin/adkit ]] || die "dpkg -r left /usr/bin/adkit"
	echo "  installed, ran, rendered man pages, completed, removed"
else
	echo "  no .deb for this machine's architecture ($hostarch)"
fi

step "release $version: ${#targets[@]} targets in $((SECONDS - start))s, in $out/"
