#!/usr/bin/env bash
# Benchmarks adkit against the tools a help-desk technician would otherwise use, on the lab
# domain controller (scripts/lab.sh), and writes the results into docs/benchmarks.md.
#
#   scripts/bench.sh                 30 timed runs per command
#   BENCH_RUNS=60 scripts/bench.sh   more runs
#
# Pairs (adkit vs reference), all in one run of this script on the same lab:
#   1. adkit user show jdoe -o json  vs  ldapsearch reading the same attributes of jdoe
#   2. adkit user unlock BENCHUSER   vs  ldapsearch (DN by sAMAccountName), then ldapmodify
#                                        (replace lockoutTime with 0); the account is locked out
#                                        again before every run (hyperfine --prepare)
#   3. adkit version                 vs  a hello-world Go binary built with the same toolchain
# Each group also times a few diagnostic commands that show where the time goes. hyperfine runs
# each group BENCH_ROUNDS times, reversing the order of the commands every other round, so that
# a change in the machine's load hits adkit and the reference alike. The result is a ratio of
# medians (adkit / reference) over all rounds: absolute times depend on the machine and its
# load, a ratio measured in one run on one machine much less.
#
# Settings: BENCH_RUNS (timed runs per command in all, default 30), BENCH_ROUNDS (default 3),
# BENCH_WARMUP (warm-up runs per command and round, default 3), BENCH_DOC (default
# docs/benchmarks.md), BENCH_KEEP=1 (keep the work directory with hyperfine's JSON files).
# Installs hyperfine and GNU time with apt if they are missing. Needs root, like the lab.
#
# It creates one account in OU=Staff for the unlock pair and deletes it on exit, also on failure
# or Ctrl-C. It locks out no other account.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
BENCH_NAME=bench
# shellcheck source=bench/lib.sh
source "$REPO/scripts/bench/lib.sh"

RUNS=${BENCH_RUNS:-30}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-3}
DOC=${BENCH_DOC:-$REPO/docs/benchmarks.md}
# The address the OpenLDAP tools need (scripts/lab/README.md); adkit is pointed at it too.
LDAP_URI=ldaps://127.0.0.1
SHOW_USER=jdoe

# Single-quotes a word for hyperfine's command lines (run by sh, or split like sh with -N).
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

if ! [[ $ROUNDS =~ ^[1-9][0-9]*$ ]]; then
	die "BENCH_ROUNDS must be a positive number (got '$ROUNDS')"
fi
if ! [[ $RUNS =~ ^[0-9]+$ ]] || ((RUNS < 2 * ROUNDS)); then
	die "BENCH_RUNS must be a number of at least 2 per round (got '$RUNS', $ROUNDS rounds)"
fi
[[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a number (got '$WARMUP')"
PER_ROUND=$(((RUNS + ROUNDS - 1) / ROUNDS))
RUNS=$((PER_ROUND * ROUNDS))
command -v go >/dev/null || die "Go is not installed (https://go.dev/doc/install)"

step "tools"
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
[[ -x /usr/bin/time ]] || missing+=(time)
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]} > 0)); then
	log "installing ${missing[*]}"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
hyperfine --version >&2

step "lab domain controller"
as_root scripts/lab.sh up
eval "$(scripts/lab.sh env)"
# Both sides read the bind password from the same file: adkit through ADKIT_BIND_PASSWORD_FILE,
# the OpenLDAP tools with -y.
unset ADKIT_BIND_PASSWORD
BIND_USER=$ADKIT_BIND_USER
PASS_FILE=$ADKIT_BIND_PASSWORD_FILE
BASE_DN=$ADKIT_BASE_DN
[[ -r $PASS_FILE ]] || die "cannot read $PASS_FILE (run as root, like scripts/lab.sh)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/adkit-bench.XXXXXX")
BENCH_DN=""
cleanup() {
	local rc=$?
	if [[ -n $BENCH_DN ]]; then
		if ldapdelete -H "$LDAP_URI" -x -D "$BIND_USER" -y "$PASS_FILE" "$BENCH_DN" 2>/dev/null; then
			log "deleted the benchmark account $BENCH_DN"
		else
			log "WARNING: could not delete the benchmark account $BENCH_DN; delete it by hand"
			rc=1
		fi
	fi
	drop_work "${BENCH_KEEP:-}"
	exit "$rc"
}
on_exit cleanup

# adkit's settings are the lab's and nothing else: no config file, no other ADKIT_* variable.
lab_settings_only "$LDAP_URI"
unset SSL_CERT_FILE SSL_CERT_DIR
export ADKIT_AUDIT_LOG=$WORK/audit.jsonl
export XDG_CONFIG_HOME=$WORK/xdg
mkdir -p "$XDG_CONFIG_HOME" "$WORK/empty"

step "build"
scripts/build.sh "$WORK/adkit.linked"
# The same code built with `go build`'s defaults (cgo on, dynamically linked), for the
# diagnostics only: what the static build saves.
go build -o "$WORK/adkit-cgo" ./cmd/adkit
mkdir -p "$WORK/src"
cat >"$WORK/src/hello.go" <<'EOF'
package main

import "fmt"

func main() { fmt.Println("hello, world") }
EOF
cat >"$WORK/src/certpool.go" <<'EOF'
package main

import (
	"crypto/x509"
	"fmt"
)

func main() {
	if _, err := x509.SystemCertPool(); err != nil {
		panic(err)
	}
	fmt.Println("hello, world")
}
EOF
(cd "$WORK/src" && go build -o "$WORK/hello.linked" hello.go && go build -o "$WORK/certpool" certpool.go)
# How the kernel holds a binary in its page cache moves adkit's start-up by 0.5 ms or more on
# this machine (Linux 6.18, ext4): the same page faults cost more when the pages were read
# from disk than when a write(2) has just put them there (3.7 against 2.9 ms; the file the Go
# linker writes through a memory mapping sits in between). So both adkit and hello are timed
# in the state of an installed binary after a reboot or once the cache has let it go: copied,
# synced, their pages evicted (POSIX_FADV_DONTNEED), then read from disk by the first run.
# "adkit version, a copy just written" keeps the other end of the spread in the diagnostics.
install -m 0755 "$WORK/adkit.linked" "$WORK/adkit"
install -m 0755 "$WORK/hello.linked" "$WORK/hello"
evict() {
	python3 - "$@" <<'PY'
import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)  # only clean pages can be dropped
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
}
ADKIT=$WORK/adkit
HELLO=$WORK/hello
"$ADKIT" version >&2

# The attributes adkit reads for every user, taken from the source so the reference keeps up.
mapfile -t ATTRS < <(sed -n '/^var userAttributes = \[\]string{/,/^}/p' ad/user.go | grep -o '"[^"]*"' | tr -d '"')
((${#ATTRS[@]} >= 10)) || die "could not read userAttributes from ad/user.go"
log "user attributes (${#ATTRS[@]}): ${ATTRS[*]}"

# How the OpenLDAP tools connect and bind: simple bind over LDAPS, password from the lab's file.
AUTH=(-H "$LDAP_URI" -x -D "$BIND_USER" -y "$PASS_FILE")
# The same, and the timed command lines, quoted once for hyperfine.
LDAP_AUTH="-H $LDAP_URI -x -D $(q "$BIND_USER") -y $(q "$PASS_FILE")"
SHOW_ADKIT="$(q "$ADKIT") user show $SHOW_USER -o json"
SHOW_REF="ldapsearch -LLL -o ldif-wrap=no $LDAP_AUTH -b $(q "$BASE_DN") '(sAMAccountName=$SHOW_USER)' ${ATTRS[*]}"

step "sanity checks"
"$ADKIT" user show "$SHOW_USER" -o json | grep -q "\"sam_account_name\": \"$SHOW_USER\"" ||
	die "adkit user show $SHOW_USER did not return the account"
sh -c "$SHOW_REF" | grep -q '^msDS-User-Account-Control-Computed: ' ||
	die "ldapsearch did not return msDS-User-Account-Control-Computed for $SHOW_USER"
THRESHOLD=$(ldapsearch -LLL "${AUTH[@]}" -b "$BASE_DN" -s base lockoutThreshold | sed -n 's/^lockoutThreshold: //p')
[[ $THRESHOLD =~ ^[1-9][0-9]*$ ]] || die "the domain has no lockout threshold (got '$THRESHOLD'); the unlock pair needs one"

# timed NAME [HYPERFINE-OPTION...] -- LABEL COMMAND [LABEL COMMAND...]
# Runs hyperfine ROUNDS times with PER_ROUND timed runs per command, the commands in reverse order
# every other round; writes $WORK/NAME.ROUND.json.
timed() {
	local name=$1 opts=() cmds=() args=() r i
	shift
	while [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	cmds=("$@")
	for ((r = 1; r <= ROUNDS; r++)); do
		args=()
		if ((r % 2)); then
			for ((i = 0; i < ${#cmds[@]}; i += 2)); do args+=(-n "${cmds[i]}" "${cmds[i + 1]}"); done
		else
			for ((i = ${#cmds[@]} - 2; i >= 0; i -= 2)); do args+=(-n "${cmds[i]}" "${cmds[i + 1]}"); done
		fi
		log "$name: round $r of $ROUNDS"
		hyperfine "${opts[@]}" --warmup "$WARMUP" --runs "$PER_ROUND" --export-json "$WORK/$name.$r.json" "${args[@]}"
	done
}

LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$LOAD_START" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
	log "WARNING: load average $LOAD_START on $(nproc) CPUs: other work competes with the benchmark; expect noisy figures"
fi

step "1/3 user show: adkit vs ldapsearch ($RUNS runs each in $ROUNDS rounds)"
timed show -N -- \
	"adkit user show" "$SHOW_ADKIT" \
	"ldapsearch" "$SHOW_REF" \
	"adkit user show, system trust store not loaded" \
	"env SSL_CERT_FILE=$(q "$LDAPTLS_CACERT") SSL_CERT_DIR=$(q "$WORK/empty") $SHOW_ADKIT" \
	"ldapsearch, anonymous rootDSE read" "ldapsearch -LLL -H $LDAP_URI -x -b '' -s base defaultNamingContext"

step "2/3 user unlock: adkit vs ldapsearch + ldapmodify ($RUNS runs each in $ROUNDS rounds)"
SAM="adkbench-$$"
UPN_SUFFIX=${BIND_USER#*@}
BENCH_DN="CN=$SAM,OU=Staff,$BASE_DN"
PASSWORD="Bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')-Aa1!" # never printed, never stored
{
	printf 'dn: %s\nchangetype: add\nobjectClass: user\nsAMAccountName: %s\nuserPrincipalName: %s@%s\n' \
		"$BENCH_DN" "$SAM" "$SAM" "$UPN_SUFFIX"
	printf 'description: adkit benchmark account (scripts/bench.sh); safe to delete\nuserAccountControl: 512\nunicodePwd:: '
	printf '"%s"' "$PASSWORD" | iconv -f UTF-8 -t UTF-16LE | base64 -w0
	printf '\n'
} | ldapmodify "${AUTH[@]}" >/dev/null || {
	BENCH_DN=""
	die "could not create the benchmark account $SAM"
}
unset PASSWORD
log "created $BENCH_DN (lockout threshold $THRESHOLD)"
export BENCH_LDAP_URI=$LDAP_URI BENCH_UPN_SUFFIX=$UPN_SUFFIX BENCH_LOCKOUT_THRESHOLD=$THRESHOLD
LOCK="$(q "$REPO/scripts/bench/technician-lock.sh") $(q "$SAM")"
UNLOCK_ADKIT="$(q "$ADKIT") user unlock $(q "$SAM")"
UNLOCK_FIND="ldapsearch -LLL -o ldif-wrap=no $LDAP_AUTH -b $(q "$BASE_DN") $(q "(sAMAccountName=$SAM)") 1.1"
# What a technician does: look up the DN, then modify that DN.
UNLOCK_REF="dn=\$($UNLOCK_FIND | sed -n 's/^dn: //p') && printf $(q 'dn: %s\nchangetype: modify\nreplace: lockoutTime\nlockoutTime: 0\n-\n') \"\$dn\" | ldapmodify $LDAP_AUTH"
# The same as one pipeline: ldapmodify connects and binds while ldapsearch is still searching.
UNLOCK_LDIF='/^dn: /{print; print "changetype: modify"; print "replace: lockoutTime"; print "lockoutTime: 0"; print "-"}'
UNLOCK_PIPE="$UNLOCK_FIND | awk $(q "$UNLOCK_LDIF") | ldapmodify $LDAP_AUTH"

# Peak RSS, one run each. The unlocks also check that both forms really unlock: technician-lock.sh refuses
# to lock an account that is still locked.
rss() { # LABEL COMMAND...
	/usr/bin/time -v -o "$WORK/time.txt" "${@:2}" >/dev/null
	printf '%s\t%s\n' "$1" "$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$WORK/time.txt")" >>"$WORK/rss.tsv"
}
: >"$WORK/rss.tsv"
rss "\`adkit user show $SHOW_USER -o json\`" "$ADKIT" user show "$SHOW_USER" -o json
rss "\`ldapsearch\` (the same read)" sh -c "$SHOW_REF"
sh -c "$LOCK"
rss "\`adkit user unlock\` (a locked account)" "$ADKIT" user unlock "$SAM"
sh -c "$LOCK"
sh -c "$UNLOCK_FIND" | awk "$UNLOCK_LDIF" >"$WORK/unlock.ldif"
rss "\`ldapmodify\` (the unlock write)" ldapmodify "${AUTH[@]}" -f "$WORK/unlock.ldif"
rss "\`adkit version\`" "$ADKIT" version
rss "hello-world Go binary" "$HELLO"
sh -c "$LOCK"
sh -c "$UNLOCK_REF" >/dev/null

timed unlock --prepare "$LOCK" -- \
	"adkit user unlock" "$UNLOCK_ADKIT" \
	"ldapsearch, then ldapmodify" "$UNLOCK_REF" \
	"ldapsearch | awk | ldapmodify" "$UNLOCK_PIPE"
# technician-lock.sh checks first that the last timed run did unlock the account.
sh -c "$LOCK" || die "the last timed run did not unlock $SAM"
# Every adkit unlock (RSS run, warm-up and timed runs) must have done the real work.
ok=$(python3 - "$ADKIT_AUDIT_LOG" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    n += r.get("action") == "user.unlock" and r.get("event") == "outcome" and r.get("result") == "ok"
print(n)
EOF
)
want=$((1 + ROUNDS * (WARMUP + PER_ROUND)))
((ok == want)) || die "the audit log has $ok successful unlocks, want $want: some timed unlocks did not unlock"
log "audit log: $ok successful unlocks, as expected"

step "3/3 start-up: adkit version vs hello world ($RUNS runs each in $ROUNDS rounds)"
evict "$ADKIT" "$HELLO"
install -m 0755 "$WORK/adkit.linked" "$WORK/adkit.written"
timed version -N -- \
	"adkit version" "$(q "$ADKIT") version" \
	"hello" "$(q "$HELLO")" \
	"adkit version, a copy just written" "$(q "$WORK/adkit.written") version" \
	"adkit version, go build defaults" "$(q "$WORK/adkit-cgo") version" \
	"hello + x509.SystemCertPool()" "$(q "$WORK/certpool")" \
	"ldapsearch -VV" "ldapsearch -VV"

LOAD_END=$(cut -d' ' -f1 /proc/loadavg)

step "report"
adkit_rev=unknown
if rev=$(git rev-parse --short HEAD 2>/dev/null); then
	adkit_rev="commit $rev"
	[[ -z $(git status --porcelain --untracked-files=no 2>/dev/null) ]] || adkit_rev+=" with uncommitted changes"
fi
{
	printf 'DATE=%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf 'RUNS=%s\nROUNDS=%s\nWARMUP=%s\n' "$RUNS" "$ROUNDS" "$WARMUP"
	printf 'ATTRS=%s\n' "${#ATTRS[@]}"
	printf 'CPU=%s\n' "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
	printf 'NPROC=%s\n' "$(nproc)"
	printf 'MEM=%s\n' "$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	printf 'OS=%s\n' "$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release)"
	printf 'KERNEL=%s\n' "$(uname -r)"
	printf 'LOAD_START=%s\nLOAD_END=%s\n' "$LOAD_START" "$LOAD_END"
	printf 'SAMBA=%s\n' "$(samba --version 2>/dev/null | sed 's/^Version //')"
	printf 'OPENLDAP=%s\n' "$(ldapsearch -VV 2>&1 | grep -o 'ldapsearch [0-9][^ ]*' | head -1)"
	printf 'GO=%s\n' "$(go version | sed 's/^go version //')"
	printf 'ADKIT=%s\n' "$adkit_rev"
	printf 'ADKIT_SIZE=%s\n' "$(stat -c %s "$ADKIT" | awk '{ printf "%.1f MiB binary", $1 / 1048576 }')"
	printf 'HYPERFINE=%s\n' "$(hyperfine --version | sed 's/^hyperfine //')"
} >"$WORK/meta.env"
mkdir -p "$(dirname "$DOC")"
python3 "$REPO/scripts/bench/technician-report.py" "$WORK" "$DOC"
