#!/usr/bin/env bash
# Scale benchmark of the permission audit: `adkit audit run` on a domain of 20,000 users and
# 2,000 nested groups, against paged ldapsearch dumps of the same objects and attributes (the
# same LDAP work without the analysis), in one run, on one DC. Writes the results into
# docs/benchmarks.md between <!-- bench:audit:start --> and <!-- bench:audit:end -->.
#
#   sudo scripts/bench-audit.sh                      2 rounds of 5 timed runs per command
#   sudo BENCH_AUDIT_RUNS=10 scripts/bench-audit.sh
#   sudo BENCH_AUDIT_USERS=100000 BENCH_AUDIT_RUNS=3 scripts/bench-audit.sh
#                                                    the same shape at 100,000 users and 10,000
#                                                    groups (not in CI: seeding takes minutes,
#                                                    its cache ~3 GB, each run ~1 minute)
#
# It never touches the shared lab DC (scripts/lab.sh on 127.0.0.1): it runs a SECOND Samba DC,
# built by scripts/lab.sh itself, in its own network namespace (so 127.0.0.1:636 there is the
# scale DC) with its own state directory. Seeding, adkit and ldapsearch all run inside that
# namespace. On exit (also on failure or Ctrl-C) the scale DC is stopped and the namespace
# deleted; the seeded state is kept as a tarball, so a re-run restores it in seconds:
#   1. `lab.sh reset` in the namespace: a fresh lab (its own pristine copy when it has one),
#   2. `lab.sh down`, then offline into sam.ldb (scripts/bench/audit-seed.py explains how and
#      why that way): OUs, delegations, 20,000 users, 2,000 groups in 5 levels with chains into
#      the privileged groups, whenCreated/pwdLastSet,
#   3. the result is saved to ${BENCH_AUDIT_LAB_DIR}-seeded.tar, keyed on the seed scripts and
#      the Samba version; later runs only unpack it.
#
# Settings: BENCH_AUDIT_USERS (20000 by default; a multiple of 20,000: the seed scales every
# count, each scale has its own cached seed ${BENCH_AUDIT_LAB_DIR}-seeded[-USERS].tar and its
# own section of the doc), BENCH_AUDIT_RUNS (hyperfine --runs, default 5), BENCH_AUDIT_WARMUP (--warmup,
# default 1), BENCH_AUDIT_ROUNDS (hyperfine rounds, order reversed each round, default 2), BENCH_AUDIT_NETNS
# (default adkit-scale), BENCH_AUDIT_LAB_DIR (default /var/tmp/adkit-lab-scale),
# BENCH_AUDIT_DOC (default docs/benchmarks.md), BENCH_AUDIT_RESEED=1 (ignore the cached seed),
# BENCH_AUDIT_KEEP=1 (keep the work directory: hyperfine JSON, report, dumps, logs),
# BENCH_AUDIT_PAIRS (interleaved GNU time pairs for peak RSS and CPU, default 3),
# BENCH_AUDIT_SEED_ONLY=1 (build or check the cached seed, then stop: seed a big scale ahead).
# Needs root (network namespaces, Samba). Installs hyperfine, GNU time and ldb-tools with apt
# if missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
BENCH_NAME=bench-audit
# shellcheck source=bench/lib.sh
source "$REPO/scripts/bench/lib.sh"

RUNS=${BENCH_AUDIT_RUNS:-5}
USERS=${BENCH_AUDIT_USERS:-20000}
ROUNDS=${BENCH_AUDIT_ROUNDS:-2}
PAIRS=${BENCH_AUDIT_PAIRS:-3}
WARMUP=${BENCH_AUDIT_WARMUP:-1}
NS=${BENCH_AUDIT_NETNS:-adkit-scale}
LAB_DIR=$(realpath -m -- "${BENCH_AUDIT_LAB_DIR:-/var/tmp/adkit-lab-scale}")
CACHE="${LAB_DIR}-seeded.tar"
[[ $USERS == 20000 ]] || CACHE="${LAB_DIR}-seeded-${USERS}.tar"
DOC=${BENCH_AUDIT_DOC:-$REPO/docs/benchmarks.md}
# Bump when the seeding procedure changes in a way the hashed files do not show.
SEED_FORMAT=2

BASE_DN=DC=lab,DC=adkit,DC=test
BIND_UPN=Administrator@lab.adkit.test
URL=ldaps://127.0.0.1
PARTITION="$LAB_DIR/private/sam.ldb.d/DC=LAB,DC=ADKIT,DC=TEST.ldb"
SYSPY=/usr/bin/python3 # Samba's python bindings live in the system interpreter
SEED_PY="$REPO/scripts/bench/audit-seed.py"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

[[ $EUID -eq 0 ]] || die "run as root (network namespace, Samba DC)"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_AUDIT_RUNS must be a positive number"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_AUDIT_ROUNDS must be a positive number"
[[ $PAIRS =~ ^[1-9][0-9]*$ ]] || die "BENCH_AUDIT_PAIRS must be a positive number"
[[ $USERS =~ ^[1-9][0-9]*$ ]] && ((USERS % 20000 == 0)) || die "BENCH_AUDIT_USERS must be a multiple of 20000"

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
[[ -x /usr/bin/time ]] || need+=(time)
command -v ldbmodify >/dev/null || need+=(ldb-tools)
if ((${#need[@]})); then
	log "installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
for t in ip go ldapsearch samba "$SYSPY"; do command -v "$t" >/dev/null || die "$t is missing"; done

# One run at a time: a second run would share the namespace and the state directory. (Every
# command that may leave a daemon behind gets 8>&-, so no process outlives the run holding it.)
mkdir -p "$(dirname "$LAB_DIR")"
exec 8>"$LAB_DIR.bench.lock"
flock -n 8 || die "another scripts/bench-audit.sh is running (lock: $LAB_DIR.bench.lock)"

WORK=$(mktemp -d /tmp/adkit-bench-audit.XXXXXX)
chmod 0700 "$WORK"
NS_CREATED=0

# lab COMMAND: scripts/lab.sh for the scale DC, inside the namespace. Its state, pid file,
# lock (${LAB_DIR}.lock) and pristine copy are all under LAB_DIR's name, and it stops only
# the samba whose pid file and open files are in LAB_DIR: the shared lab is not affected.
lab() { ip netns exec "$NS" env ADKIT_LAB_DIR="$LAB_DIR" "$REPO/scripts/lab.sh" "$@" 8>&-; }
inns() { ip netns exec "$NS" "$@"; }

cleanup() {
	local rc=$?
	set +e
	if ((NS_CREATED)); then
		lab down >/dev/null 2>&1
		local left
		left=$(ip netns pids "$NS" 2>/dev/null)
		if [[ -n $left ]]; then
			log "processes still in namespace $NS: $left (left alone; the namespace is kept)"
		else
			ip netns delete "$NS" && log "scale DC stopped, namespace $NS deleted"
		fi
	fi
	drop_work "${BENCH_AUDIT_KEEP:-}"
	exit "$rc"
}
on_exit cleanup

# ---- the namespace -----------------------------------------------------------------
step "network namespace $NS"
if ip netns list | awk '{print $1}' | grep -qx -- "$NS"; then
	# Left over from an interrupted run: stop our DC in it (if any); refuse if anything else
	# lives there.
	NS_CREATED=1
	lab down >/dev/null 2>&1 || true
	if [[ -n $(ip netns pids "$NS") ]]; then
		NS_CREATED=0
		die "namespace $NS exists and has processes that are not this benchmark's DC: $(ip netns pids "$NS" | tr '\n' ' ')"
	fi
	ip netns delete "$NS"
fi
ip netns add "$NS"
NS_CREATED=1
ip -n "$NS" link set lo up

# ---- the seeded scale DC -------------------------------------------------------------
stamp() {
	{
		printf 'seed format %s users %s\n' "$SEED_FORMAT" "$USERS"
		cat "$SEED_PY" "$REPO/scripts/lab/seed-ldif.sh" "$REPO/scripts/lab/seed-audit.sh"
		samba --version
		printf '%s\n' "$LAB_DIR"
	} | sha256sum | cut -d' ' -f1
}
STAMP=$(stamp)

cache_valid() {
	[[ -f $CACHE && ${BENCH_AUDIT_RESEED:-} != 1 ]] || return 1
	[[ $(tar -xOf "$CACHE" ./.scale-stamp 2>/dev/null | head -n1) == "$STAMP" ]]
}

wipe_lab_dir() {
	[[ -n $LAB_DIR && $LAB_DIR != / ]] || die "refusing to wipe '$LAB_DIR'"
	if [[ -d $LAB_DIR ]]; then
		[[ -f $LAB_DIR/.adkit-lab || -z $(ls -A "$LAB_DIR") ]] ||
			die "$LAB_DIR is not an adkit lab directory (no .adkit-lab marker); refusing to delete it"
		rm -rf -- "$LAB_DIR"
	fi
}

RESTORE_UNPACK=""
seed() {
	local t0 t ldif="$WORK/ldif"
	t0=$(now)
	log "building the scale DC from scratch ($USERS users: about $((USERS / 20000 * 2)) minutes; cached afterwards in $CACHE)"
	# The seeded state takes about 30 MiB per 1,000 users, twice (directory and tarball).
	local need_mib=$((USERS * 60 / 1000 + 1024)) free_mib
	free_mib=$(df -Pm "$(dirname "$LAB_DIR")" | awk 'NR == 2 { print $4 }')
	((free_mib > need_mib)) || die "$(dirname "$LAB_DIR") has $free_mib MiB free; seeding $USERS users needs about $need_mib MiB"
	# A fresh lab: lab.sh restores its own pristine copy of LAB_DIR, or provisions and seeds it.
	lab reset >"$WORK/lab-reset.log" 2>&1 || {
		tail -n 20 "$WORK/lab-reset.log" >&2
		die "lab.sh reset failed"
	}
	lab down >/dev/null 2>&1
	local tlab
	tlab=$(secs "$t0")
	mkdir -p "$ldif"
	t=$(now)
	"$SYSPY" "$SEED_PY" ldif "$ldif" "$USERS" >"$WORK/seed-counts.txt"
	local tgen
	tgen=$(secs "$t")
	t=$(now)
	ldbadd -H "$LAB_DIR/private/sam.ldb" "$ldif/a.ldif" >/dev/null
	"$SYSPY" "$SEED_PY" acl "$LAB_DIR/etc/smb.conf" "$LAB_DIR/private/sam.ldb" >/dev/null
	local tacl
	tacl=$(secs "$t")
	t=$(now)
	"$SYSPY" "$SEED_PY" add "$LAB_DIR/etc/smb.conf" "$LAB_DIR/private/sam.ldb" "$ldif/c.ldif" >/dev/null 2>"$WORK/seed-add.log" || {
		tail -n 20 "$WORK/seed-add.log" >&2
		die "adding the users and groups failed"
	}
	# The cost per 5,000 records at the start and at the end: flat when batching works.
	local chunks
	chunks=$(sed -n 's/^add: .*; these [0-9]* in \([0-9.]*\) s, CPU \([0-9.]*\) s$/\1 \2/p' "$WORK/seed-add.log" |
		awk '{ w[++n] = $1; c[n] = $2 } END { if (n) printf "first 5,000 records %s s (CPU %s s), last 5,000 %s s (CPU %s s)", w[1], c[1], w[n], c[n] }')
	"$SYSPY" "$SEED_PY" primary "$LAB_DIR/etc/smb.conf" "$LAB_DIR/private/sam.ldb" >/dev/null
	local tadd
	tadd=$(secs "$t")
	t=$(now)
	# Below the module stack (whenCreated and pwdLastSet are not writable through it).
	ldbmodify -H "$PARTITION" "$ldif/raw.ldif" >/dev/null
	local traw
	traw=$(secs "$t")
	{
		printf '%s\n' "$STAMP"
		date -u +%Y-%m-%dT%H:%M:%SZ
	} >"$LAB_DIR/.scale-stamp"
	SEED_SECS=$(secs "$t0")
	SEED_DETAIL="fresh lab ${tlab} s, LDIF ${tgen} s, OUs+delegations ${tacl} s, users+groups ${tadd} s (${chunks:-no 5,000-record chunk}), whenCreated/pwdLastSet ${traw} s"
	# Kept in the tarball, so that runs restoring it can still say what seeding cost.
	{
		printf 'SEED_SECS=%s\nSEED_DETAIL=%s\n' "$SEED_SECS" "$SEED_DETAIL"
		sed 's/^\([a-z ]*\): /SEEDED_\1=/; s/ /_/g' "$WORK/seed-counts.txt"
		sed -n 's/^add: \([0-9]*\) records, [0-9]* s; these [0-9]* in \([0-9.]*\) s, CPU \([0-9.]*\) s$/SEED_CHUNK_\1=\2 s, CPU \3 s/p' "$WORK/seed-add.log"
	} >"$LAB_DIR/.scale-seed.env"
	t=$(now)
	tar -cf "$CACHE.tmp.$$" -C "$LAB_DIR" --exclude=./run --exclude=./log --exclude=./msg.sock \
		--warning=no-file-ignored .
	chmod 0600 "$CACHE.tmp.$$"
	mv -f "$CACHE.tmp.$$" "$CACHE"
	log "seeded in ${SEED_SECS} s ($SEED_DETAIL; tarball $(secs "$t") s)"
}

restore() {
	local t0
	t0=$(now)
	lab down >/dev/null 2>&1 || true
	wipe_lab_dir
	mkdir -p "$LAB_DIR"
	chmod 0755 "$LAB_DIR"
	tar -xpf "$CACHE" -C "$LAB_DIR"
	chmod 0755 "$LAB_DIR"
	mkdir -p "$LAB_DIR/run" "$LAB_DIR/log"
	RESTORE_UNPACK=$(secs "$t0")
}

step "scale DC in $LAB_DIR"
if cache_valid; then
	log "restoring the seeded state from $CACHE"
else
	seed
	SEEDED_THIS_RUN=1
fi
if [[ ${BENCH_AUDIT_SEED_ONLY:-} == 1 ]]; then
	log "seeded state ready in $CACHE (BENCH_AUDIT_SEED_ONLY=1: not measuring)"
	exit 0
fi
t_restore=$(now)
restore
lab up >"$WORK/lab-up.log" 2>&1 || {
	tail -n 20 "$WORK/lab-up.log" >&2
	die "lab.sh up failed in the namespace"
}
RESTORE_SECS=$(secs "$t_restore")
SEEDED_AT=$(sed -n 2p "$LAB_DIR/.scale-stamp")
CACHE_SIZE=$(du -m "$CACHE" | cut -f1)
log "restored and answering in ${RESTORE_SECS} s (unpack ${RESTORE_UNPACK} s; seeded $SEEDED_AT; tarball ${CACHE_SIZE} MiB)"

# ---- adkit -----------------------------------------------------------------------------
step "build adkit"
scripts/build.sh "$WORK/adkit"
ADKIT="$WORK/adkit"
GIT_REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain -- '*.go' go.mod go.sum 2>/dev/null) ]]; then GIT_REV+=" + uncommitted Go changes"; fi

# The environment of every measured command: the scale DC only; no profile, no user config.
CA="$LAB_DIR/tls/ca.pem"
PASSFILE="$LAB_DIR/admin.pass"
mkdir -p "$WORK/home"
: >"$WORK/config.yaml"
unset ADKIT_BIND_PASSWORD ADKIT_PROFILE ADKIT_KERBEROS ADKIT_TLS_SKIP_VERIFY ADKIT_TARGET ADKIT_LAB_DIR
export ADKIT_CONFIG="$WORK/config.yaml" XDG_CONFIG_HOME="$WORK/home" XDG_STATE_HOME="$WORK/home"
export ADKIT_LDAP_URL=$URL ADKIT_CA_FILE=$CA ADKIT_BASE_DN=$BASE_DN ADKIT_BIND_USER=$BIND_UPN
export ADKIT_BIND_PASSWORD_FILE=$PASSFILE
# Samba evaluates a whole paged search when its first page is asked for: at 100,000 users on a
# loaded machine that took more than adkit's default 30 s per request. ldapsearch waits as
# long as it takes; so does adkit here (BENCH_AUDIT_TIMEOUT, default 10m).
export ADKIT_TIMEOUT=${BENCH_AUDIT_TIMEOUT:-10m}
export LDAPTLS_CACERT=$CA LDAPTLS_REQCERT=demand

step "adkit audit run -v (once: searches, pages, counts)"
inns "$ADKIT" audit run -v -o json >"$WORK/report.json" 2>"$WORK/verbose.txt" ||
	{
		tail -n 20 "$WORK/verbose.txt" >&2
		die "adkit audit run failed"
	}
LOAD_LINE=$(grep -m1 '^audit: ' "$WORK/verbose.txt" || true)
[[ -n $LOAD_LINE ]] || die "no 'audit: N LDAP searches' line in adkit -v output"
log "$LOAD_LINE"
PAGES=$(grep -c 'search base=' "$WORK/verbose.txt" || true)

# ---- the ldapsearch reference ------------------------------------------------------------
step "ldapsearch reference: the same searches, attributes and controls"
# Dumps for the cross-check and for classifying adkit's by-SID searches (not timed).
LS=(ldapsearch -LLL -o ldif-wrap=no -H "$URL" -x -D "$BIND_UPN" -y "$PASSFILE" -b "$BASE_DN" -E pr=500/noprompt)
inns "${LS[@]}" '(objectClass=user)' sAMAccountName objectSid objectClass userAccountControl primaryGroupID \
	lastLogonTimestamp pwdLastSet whenCreated adminCount servicePrincipalName >"$WORK/users.ldif"
inns "${LS[@]}" '(objectClass=group)' sAMAccountName objectSid member >"$WORK/groups.ldif"
DOMAIN_SID=$("$SYSPY" - "$WORK/verbose.txt" "$WORK/users.ldif" "$WORK/groups.ldif" "$WORK/sid-searches.txt" <<'EOF'
import base64, re, struct, sys
verbose, users, groups, out = sys.argv[1:5]
def sid(b):
    n = b[1]
    return "S-%d-%d" % (b[0], int.from_bytes(b[2:8], "big")) + "".join("-%d" % s for s in struct.unpack("<%dI" % n, b[8:8 + 4 * n]))
known = set()
for path in (users, groups):
    for line in open(path, errors="replace"):
        if line.startswith("objectSid:: "):
            known.add(sid(base64.b64decode(line[12:].strip())))
dom = sorted(s for s in known if s.endswith("-512"))[0][:-4]
seen, rows = set(), []
for line in open(verbose, errors="replace"):
    m = re.search(r"search base=\S+ filter=(\(\|\(objectSid=.*\)) page=\d+", line)
    if not m or m.group(1) in seen:
        continue
    f = m.group(1)
    seen.add(f)
    sids = [sid(bytes(int(h, 16) for h in re.findall(r"\\([0-9a-fA-F]{2})", t))) for t in re.findall(r"objectSid=([^)]*)", f)]
    # adkit reads the descriptors of privileged groups and accounts (all loaded principals),
    # then looks up trustee SIDs that no loaded principal has.
    rows.append(("sd" if all(s in known for s in sids) else "trustee") + "\t" + f)
open(out, "w").write("".join(r + "\n" for r in rows))
print(dom)
EOF
)
SD_BATCHES=$(grep -c '^sd' "$WORK/sid-searches.txt" || true)
TRUSTEE_BATCHES=$(grep -c '^trustee' "$WORK/sid-searches.txt" || true)

# The reference: one ldapsearch per adkit search, each paged like adkit's (500 per page), with
# the SD-flags control (owner, group, DACL: BER SEQUENCE { INTEGER 7 } = MAMCAQc=) where adkit
# sends it, not critical as adkit sends it.
REF="$WORK/ldapsearch-dump.sh"
# shellcheck disable=SC2016 # the generated script expands ${L[@]} & co. itself
{
	printf '#!/usr/bin/env bash\nset -euo pipefail\n'
	printf 'L=(ldapsearch -LLL -o ldif-wrap=no -H %q -x -D %q -y %q -b %q)\n' "$URL" "$BIND_UPN" "$PASSFILE" "$BASE_DN"
	printf 'PR=(-E pr=500/noprompt)\nSD=(-E 1.2.840.113556.1.4.801=::MAMCAQc=)\n'
	printf '"${L[@]}" "${SD[@]}" -s base %q objectSid ms-DS-MachineAccountQuota nTSecurityDescriptor\n' '(objectClass=*)'
	printf '"${L[@]}" "${PR[@]}" %q sAMAccountName objectSid objectClass memberOf adminCount\n' \
		'(|(objectClass=group)(objectClass=foreignSecurityPrincipal))'
	printf '"${L[@]}" "${PR[@]}" %q sAMAccountName objectSid objectClass userAccountControl memberOf primaryGroupID lastLogonTimestamp pwdLastSet whenCreated adminCount servicePrincipalName dNSHostName msDS-AllowedToDelegateTo msDS-AllowedToActOnBehalfOfOtherIdentity\n' \
		'(objectClass=user)'
	printf '"${L[@]}" "${PR[@]}" "${SD[@]}" %q objectClass nTSecurityDescriptor\n' \
		'(|(objectClass=organizationalUnit)(objectClass=container))'
	while IFS=$'\t' read -r kind filter; do
		if [[ $kind == sd ]]; then
			printf '"${L[@]}" "${PR[@]}" "${SD[@]}" %q objectClass objectSid nTSecurityDescriptor\n' "$filter"
		else
			printf '"${L[@]}" "${PR[@]}" %q sAMAccountName cn objectSid\n' "$filter"
		fi
	done <"$WORK/sid-searches.txt"
} >"$REF"
chmod 0700 "$REF"
REF_SEARCHES=$(grep -c '^"' "$REF") # one line per search, each starting with "${L[@]}"
# What the reference reads, per search (entries), to compare with adkit's -v line.
inns bash "$REF" >"$WORK/ref-output.ldif"
REF_ENTRIES=$(grep -c '^dn:' "$WORK/ref-output.ldif" || true)
REF_BYTES=$(stat -c %s "$WORK/ref-output.ldif")
log "reference: $REF_SEARCHES ldapsearch runs, $REF_ENTRIES entries, $((REF_BYTES / 1024)) KiB of LDIF (adkit: $LOAD_LINE)"

# ---- cross-check of the findings (not timed) ----------------------------------------------
step "cross-check adkit's findings against a recomputation from raw dumps"
"$SYSPY" "$REPO/scripts/bench/audit-crosscheck.py" "$WORK/report.json" "$WORK/users.ldif" "$WORK/groups.ldif" \
	"$DOMAIN_SID" 90 "$(date +%s)" | tee "$WORK/crosscheck.txt" >&2

# ---- timing ------------------------------------------------------------------------------
# hyperfine times all runs of one command, then all of the other: a change in the machine's
# load between the two blocks would show up as a difference between the commands. So it runs
# ROUNDS times, the order reversed every other round, and the medians are over all rounds.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
HF_ADKIT=(--command-name "adkit audit run -o json" "$ADKIT audit run -o json")
HF_REF=(--command-name "ldapsearch dumps" "bash $REF")
for ((round = 1; round <= ROUNDS; round++)); do
	step "hyperfine round $round/$ROUNDS: $RUNS runs each (warm-up $WARMUP)"
	if ((round % 2)); then order=("${HF_ADKIT[@]}" "${HF_REF[@]}"); else order=("${HF_REF[@]}" "${HF_ADKIT[@]}"); fi
	inns hyperfine --warmup "$WARMUP" --runs "$RUNS" -N --style basic \
		--export-json "$WORK/hyperfine-$round.json" "${order[@]}" >&2
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# Peak RSS and CPU (GNU time), and the DC's CPU time per run (its process group in /proc).
SAMBA_PID=$(tr -dc '0-9' <"$LAB_DIR/run/samba.pid")
samba_cpu() { # user+system clock ticks of every process in the DC's process group
	local st rest pg ut stt total=0
	for st in /proc/[0-9]*/stat; do
		rest=$(cat "$st" 2>/dev/null) || continue
		rest=${rest##*) }
		read -r _ _ pg _ _ _ _ _ _ _ _ ut stt _ <<<"$rest"
		[[ $pg == "$SAMBA_PID" ]] && total=$((total + ut + stt))
	done
	echo "$total"
}
TICKS=$(getconf CLK_TCK)
measure() { # measure NAME I CMD...: GNU time -v to $WORK/time-NAME-I.txt, DC CPU (ms) to dccpu-NAME-I.txt
	local name=$1 i=$2 a b
	shift 2
	a=$(samba_cpu)
	inns /usr/bin/time -v -o "$WORK/time-$name-$i.txt" "$@" >/dev/null
	b=$(samba_cpu)
	echo "$(((b - a) * 1000 / TICKS))" >"$WORK/dccpu-$name-$i.txt"
}
step "peak memory and CPU split (/usr/bin/time -v, $PAIRS interleaved pairs)"
for ((i = 1; i <= PAIRS; i++)); do
	if ((i % 2)); then
		measure adkit "$i" "$ADKIT" audit run -o json
		measure ref "$i" bash "$REF"
	else
		measure ref "$i" bash "$REF"
		measure adkit "$i" "$ADKIT" audit run -o json
	fi
done

# ---- report ------------------------------------------------------------------------------
step "results"
cat >"$WORK/facts.env" <<EOF
DATE=$(date -u +%Y-%m-%d)
USERS=$USERS
NPROC=$(nproc)
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
MEM_GIB=$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
SAMBA=$(samba --version)
GO=$(go env GOVERSION)
GIT_REV=$GIT_REV
RUNS=$RUNS
ROUNDS=$ROUNDS
WARMUP=$WARMUP
SEEDED_THIS_RUN=${SEEDED_THIS_RUN:-0}
SEEDED_AT=$SEEDED_AT
RESTORE_SECS=$RESTORE_SECS
RESTORE_UNPACK=$RESTORE_UNPACK
CACHE=$CACHE
CACHE_SIZE=$CACHE_SIZE
LOAD_LINE=$LOAD_LINE
PAGES=$PAGES
SD_BATCHES=$SD_BATCHES
TRUSTEE_BATCHES=$TRUSTEE_BATCHES
REF_SEARCHES=$REF_SEARCHES
REF_ENTRIES=$REF_ENTRIES
REF_BYTES=$REF_BYTES
LOAD_BEFORE=$LOAD_BEFORE
LOAD_AFTER=$LOAD_AFTER
EOF
cp "$LAB_DIR/.scale-seed.env" "$WORK/seed.env"
mkdir -p "$(dirname "$DOC")"
"$SYSPY" "$REPO/scripts/bench/audit-report.py" "$WORK" "$DOC" "$REPO/scripts/bench/audit-notes.md"
