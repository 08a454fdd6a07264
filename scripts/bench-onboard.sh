#!/usr/bin/env bash
# Benchmark: onboarding 1,000 new hires (3 groups each) on the lab domain controller
# (scripts/lab.sh), adkit against the two ways an admin would otherwise do it:
#
#   adkit       adkit onboard apply HR.csv --template T --credentials-out C --parallel P
#               (P in BENCH_PARALLEL), with its collision checks, audit log and credentials file
#   ldapadd     one ldapadd of an LDIF doing the same writes, no lookups, no audit log: per hire
#               one add (unicodePwd, userAccountControl 512, pwdLastSet 0, the same
#               attributes), then the memberships two ways:
#                 bulk      one modify per group adding every hire (add: member, N values), as
#                           an administrator who knows LDAP writes it: the reference
#                 per hire  one modify (add: member) per hire per group, right after its add
#   samba-tool  a shell loop: samba-tool user create, then samba-tool group addmembers per
#               group, against the DC's database directly (-H $ADKIT_LAB_DIR/private/sam.ldb,
#               local access as root: no bind, no password on argv for the admin; it cannot
#               set employeeID or manager, so it does a little less than the others). It runs
#               BENCH_SAMBA_ROWS hires (default 100) and the time is scaled to BENCH_ROWS,
#               because at ~2 s per hire 1,000 would take over half an hour.
#
# Also timed: adkit's second run over the same file (nothing to do), and adkit onboarding the
# same number of hires when the first group already has BENCH_LARGE members (contacts made
# for it outside the timing) against the same run into three empty groups.
#
# Targets: adkit no slower than 1.0x the bulk LDIF, at least 10x faster than samba-tool, the
# second run <= 2 s for 1,000 hires, the large group within 1.2x of the empty groups, peak RSS
# under 50 MiB.
#
# All tools run in one run of this script on the same lab, each in a fresh OU with three fresh
# groups (OU=adkit-bench-<tool><tag>), deleted right after its timing (and on exit, also on
# failure or Ctrl-C), so each starts from the same directory. The directory is checked after
# every timed run: BENCH_ROWS accounts in the OU, BENCH_ROWS members in each group. Peak
# memory is GNU time's maximum RSS. Each timed run also records the DC's CPU seconds during it
# (scripts/bench/tree-cpu.py over the samba processes) and the client's own CPU seconds: on a
# shared machine the wall time moves with whatever else runs, the DC's work for a client does
# not. Each (adkit, ldapadd) pair is repeated BENCH_ROUNDS times (default 2), the order
# reversed every other round, and medians are reported: the lab shares its CPUs with whatever
# else runs on the machine.
#
# Settings: BENCH_ROWS (default 1000), BENCH_SAMBA_ROWS (default 100, 0 to skip samba-tool),
# BENCH_PARALLEL (default "1 4 8"), BENCH_ROUNDS (default 2), BENCH_LARGE (default 20000
# existing members of the large group, 0 to skip that run; it runs at the last BENCH_PARALLEL),
# BENCH_KEEP=1 (keep the work directory), BENCH_OUT (also write the Markdown summary to this
# file), BENCH_LAB_UP=0 (use the running lab without 'scripts/lab.sh up', which may restart
# Samba: for a lab others are using).
# Installs GNU time with apt if it is missing. Needs root, like the lab.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
BENCH_NAME=bench-onboard
# shellcheck source=bench/lib.sh
source "$REPO/scripts/bench/lib.sh"
GEN=$REPO/scripts/bench/onboard-gen.awk

ROWS=${BENCH_ROWS:-1000}
SAMBA_ROWS=${BENCH_SAMBA_ROWS:-100}
read -r -a PARALLEL <<<"${BENCH_PARALLEL:-1 4 8}"
ROUNDS=${BENCH_ROUNDS:-2}
LARGE=${BENCH_LARGE:-20000}
LDAP_URI=ldaps://127.0.0.1

if ! [[ $ROWS =~ ^[1-9][0-9]*$ ]] || ((ROWS > 10000)); then
	die "BENCH_ROWS must be 1..10000 (got '$ROWS')"
fi
if ! [[ $SAMBA_ROWS =~ ^[0-9]+$ ]] || ((SAMBA_ROWS > ROWS)); then
	die "BENCH_SAMBA_ROWS must be 0..BENCH_ROWS (got '$SAMBA_ROWS')"
fi
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive number (got '$ROUNDS')"
{ [[ $LARGE =~ ^[0-9]+$ ]] && ((LARGE <= 100000)); } || die "BENCH_LARGE must be 0..100000 (got '$LARGE')"
((${#PARALLEL[@]} > 0)) || die "BENCH_PARALLEL is empty"
for p in "${PARALLEL[@]}"; do
	[[ $p =~ ^[1-9][0-9]*$ ]] || die "BENCH_PARALLEL must hold numbers (got '$p')"
done
((EUID == 0)) || die "run as root: samba-tool opens the DC's database directly, like scripts/lab.sh"
command -v go >/dev/null || die "Go is not installed (https://go.dev/doc/install)"

step "tools"
missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
command -v ldapadd >/dev/null || missing+=(ldap-utils)
command -v iconv >/dev/null || missing+=(libc-bin)
if ((${#missing[@]} > 0)); then
	log "installing ${missing[*]}"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "lab domain controller"
if [[ ${BENCH_LAB_UP:-1} == 0 ]]; then
	log "BENCH_LAB_UP=0: using the lab as it runs (a shared lab: not started or restarted here)"
else
	as_root scripts/lab.sh up
fi
eval "$(scripts/lab.sh env)"
unset ADKIT_BIND_PASSWORD # every tool reads the bind password from the same file
BIND_USER=$ADKIT_BIND_USER
PASS_FILE=$ADKIT_BIND_PASSWORD_FILE
BASE_DN=$ADKIT_BASE_DN
SAM_LDB=$ADKIT_LAB_DIR/private/sam.ldb
SMB_CONF=$ADKIT_LAB_DIR/etc/smb.conf
[[ -r $PASS_FILE ]] || die "cannot read $PASS_FILE"
((SAMBA_ROWS == 0)) || [[ -r $SAM_LDB ]] || die "cannot read $SAM_LDB"
AUTH=(-H "$LDAP_URI" -x -D "$BIND_USER" -y "$PASS_FILE")
MANAGER_DN=$(ldapsearch -LLL -o ldif-wrap=no "${AUTH[@]}" -b "$BASE_DN" '(mail=alice.smith@lab.adkit.test)' 1.1 | sed -n 's/^dn: //p')
[[ -n $MANAGER_DN ]] || die "the seeded manager alice.smith@lab.adkit.test is missing (scripts/lab.sh reset)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/adkit-bench-onboard.XXXXXX")
OUS=()
cleanup() {
	local rc=$? ou
	# The large group first: deleting its members one by one would each rewrite its links.
	if [[ -n ${BIG_GROUP:-} ]]; then ldapdelete "${AUTH[@]}" "CN=$BIG_GROUP,$BIG_OU" 2>/dev/null || true; fi
	for ou in "${OUS[@]}"; do
		if ldapdelete -r "${AUTH[@]}" "$ou" 2>/dev/null; then log "deleted $ou"; fi
	done
	drop_work "${BENCH_KEEP:-}"
	exit "$rc"
}
on_exit cleanup

# adkit's settings are the lab's and nothing else.
lab_settings_only "$LDAP_URI"
export XDG_CONFIG_HOME=$WORK/xdg XDG_STATE_HOME=$WORK/state

step "build"
scripts/build.sh "$WORK/adkit"
ADKIT=$WORK/adkit
"$ADKIT" version >&2

tag() { printf '%s%s' "$1" "$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"; }

# new_ou TAG: OU=adkit-bench-TAG with groups TAG-g1..g3; sets OU and BGROUPS.
new_ou() {
	OU="OU=adkit-bench-$1,$BASE_DN"
	BGROUPS="$1-g1,$1-g2,$1-g3"
	OUS+=("$OU")
	{
		printf 'dn: %s\nobjectClass: organizationalUnit\ndescription: scripts/bench-onboard.sh; safe to delete\n\n' "$OU"
		for g in 1 2 3; do
			printf 'dn: CN=%s-g%s,%s\nobjectClass: group\nsAMAccountName: %s-g%s\n\n' "$1" "$g" "$OU" "$1" "$g"
		done
	} | ldapadd "${AUTH[@]}" >/dev/null
}

drop_ou() {
	ldapdelete -r "${AUTH[@]}" "$OU"
	local keep=() o
	for o in "${OUS[@]}"; do [[ $o == "$OU" ]] || keep+=("$o"); done
	OUS=("${keep[@]}")
}

# check_ou N: the OU holds N accounts and each group N members (the large group, when one is
# used, N more than it had).
check_ou() {
	local n g got want gdn
	n=$(ldapsearch -LLL "${AUTH[@]}" -b "$OU" '(&(objectCategory=person)(objectClass=user))' 1.1 | grep -c '^dn' || true)
	((n == $1)) || die "$OU holds $n accounts, want $1"
	for g in ${BGROUPS//,/ }; do
		gdn="CN=$g,$OU" want=$1
		if [[ $g == "${BIG_GROUP:-}" ]]; then gdn="CN=$g,$BIG_OU" want=$(($1 + LARGE)); fi
		got=$(ldapsearch -LLL -o ldif-wrap=no "${AUTH[@]}" -b "$gdn" -s base member | grep -c '^member:' || true)
		((got == want)) || die "$g has $got members, want $want"
	done
}

gen() { # MODE TAG ROWS [AWK-ARG...]
	awk -f "$GEN" -v mode="$1" -v tag="$2" -v rows="$3" -v ou="$OU" -v base="$BASE_DN" -v groups="$BGROUPS" \
		-v manager="$MANAGER_DN" "${@:4}" /dev/null
}

# dc_cpu: the CPU seconds the lab DC (every samba process of it) has used so far.
dc_cpu() { python3 "$REPO/scripts/bench/tree-cpu.py" "$(cut -d' ' -f1 "$ADKIT_LAB_DIR/run/samba.pid")"; }

# timed LABEL ROWS COMMAND...: runs COMMAND under GNU time; appends LABEL, rows, seconds,
# peak RSS (kB), the DC's CPU seconds during the run and the command's own (user + system) to
# results.tsv. The two CPU figures say where the work is; unlike the wall time, they barely
# move when something else on the machine takes the CPUs.
timed() {
	local label=$1 rows=$2 dc0 dc1
	shift 2
	dc0=$(dc_cpu)
	/usr/bin/time -f '%e %M %U %S' -o "$WORK/time.txt" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" ||
		{
			tail -n 20 "$WORK/err.txt" >&2
			die "$label failed"
		}
	dc1=$(dc_cpu)
	read -r secs kb usr sys <"$WORK/time.txt"
	dc=$(awk -v a="$dc0" -v b="$dc1" 'BEGIN { printf "%.2f", b - a }')
	own=$(awk -v a="$usr" -v b="$sys" 'BEGIN { printf "%.2f", a + b }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$rows" "$secs" "$kb" "$dc" "$own" >>"$WORK/results.tsv"
	log "$label: $rows hires in ${secs}s, peak RSS ${kb} kB, DC CPU ${dc}s, own CPU ${own}s"
}
: >"$WORK/results.tsv"

run_ldapadd() { # bulk|perhire
	local t pw mode=ldifbulk label="ldapadd, bulk memberships"
	if [[ $1 == perhire ]]; then mode=ldif label="ldapadd, memberships per hire"; fi
	t=$(tag l)
	new_ou "$t"
	# A 0600 file: the LDIF holds the (throwaway) initial password.
	pw=$(printf '"Bench-%s-Pa55!"' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" | iconv -f UTF-8 -t UTF-16LE | base64 -w0)
	(
		umask 077
		gen "$mode" "$t" "$ROWS" -v pwb64="$pw" >"$WORK/hires.ldif"
	)
	timed "$label" "$ROWS" ldapadd "${AUTH[@]}" -f "$WORK/hires.ldif"
	check_ou "$ROWS"
	rm -f "$WORK/hires.ldif"
	drop_ou
}

run_adkit() { # PARALLEL [plan|large]
	local p=$1 t label="adkit --parallel $1"
	t=$(tag "a$p")
	new_ou "$t"
	if [[ ${2:-} == large ]]; then
		# The first group is the large one; the other two are fresh, as in the other runs.
		BGROUPS="$BIG_GROUP,${BGROUPS#*,}"
		label="adkit --parallel $p, large group"
	fi
	gen csv "$t" "$ROWS" >"$WORK/hires.csv"
	gen template "$t" 0 >"$WORK/onboarding.yaml"
	rm -f "$WORK/audit.jsonl" "$WORK/creds.csv"
	export ADKIT_AUDIT_LOG=$WORK/audit.jsonl
	if [[ ${2:-} == plan ]]; then
		timed "adkit onboard plan (diagnostic)" "$ROWS" "$ADKIT" onboard plan "$WORK/hires.csv" --template "$WORK/onboarding.yaml"
	fi
	timed "$label" "$ROWS" "$ADKIT" onboard apply "$WORK/hires.csv" --template "$WORK/onboarding.yaml" \
		--credentials-out "$WORK/creds.csv" --parallel "$p" -y
	check_ou "$ROWS"
	(($(wc -l <"$WORK/creds.csv") == ROWS + 1)) || die "credentials file: $(wc -l <"$WORK/creds.csv") lines, want $((ROWS + 1))"
	"$ADKIT" log verify >/dev/null || die "adkit log verify failed"
	timed "$label, second run (nothing to do)" "$ROWS" "$ADKIT" onboard apply "$WORK/hires.csv" \
		--template "$WORK/onboarding.yaml" --credentials-out "$WORK/creds.csv" --parallel "$p" -y
	grep -q 'created' "$WORK/out.txt" && die "the second run created accounts"
	if [[ ${2:-} == large ]]; then
		# Take the hires out of the large group in one modify: deleting them one by one would
		# each rewrite the group's 20,000 links (minutes).
		{
			printf 'dn: CN=%s,%s\nchangetype: modify\ndelete: member\n' "$BIG_GROUP" "$BIG_OU"
			ldapsearch -LLL -o ldif-wrap=no "${AUTH[@]}" -b "$OU" '(&(objectCategory=person)(objectClass=user))' 1.1 |
				sed -n 's/^dn: /member: /p'
			printf -- '-\n'
		} | ldapmodify "${AUTH[@]}" >/dev/null
	fi
	drop_ou
}

# setup_large: OU=adkit-bench-big<tag> holding LARGE contacts, all members of its group
# BIG_GROUP. Made once, outside the timings; the hires a run adds to it leave it when their OU
# is deleted (the directory removes the links), so every large run starts from LARGE members.
setup_large() {
	local t
	t=$(tag big)
	BIG_OU="OU=adkit-bench-$t,$BASE_DN"
	BIG_GROUP="$t-big"
	OUS+=("$BIG_OU")
	{
		printf 'dn: %s\nobjectClass: organizationalUnit\ndescription: scripts/bench-onboard.sh; safe to delete\n\n' "$BIG_OU"
		printf 'dn: CN=%s,%s\nobjectClass: group\nsAMAccountName: %s\n\n' "$BIG_GROUP" "$BIG_OU" "$BIG_GROUP"
	} | ldapadd "${AUTH[@]}" >/dev/null
	awk -f "$GEN" -v mode=contacts -v rows="$LARGE" -v ou="$BIG_OU" -v groups="$BIG_GROUP" /dev/null >"$WORK/contacts.ldif"
	ldapadd "${AUTH[@]}" -f "$WORK/contacts.ldif" >/dev/null
	rm -f "$WORK/contacts.ldif"
	log "large group $BIG_GROUP: $LARGE members"
}

run_samba() {
	local t
	t=$(tag s)
	new_ou "$t"
	# The new users' (throwaway) password is on samba-tool's command line: it has no other way.
	gen samba "$t" "$SAMBA_ROWS" -v password="Bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')-Pa55!" \
		-v samba_url="$SAM_LDB" -v samba_conf="$SMB_CONF" >"$WORK/samba.sh"
	timed "samba-tool" "$SAMBA_ROWS" bash -e "$WORK/samba.sh"
	check_ou "$SAMBA_ROWS"
	rm -f "$WORK/samba.sh"
	drop_ou
}

# Where the time goes, measured on the directory as it is (diagnostics, not targets).
diagnostics() {
	local t i n=50
	t=$(date +%s.%N)
	for ((i = 0; i < n; i++)); do
		ldapsearch -LLL "${AUTH[@]}" -b "$BASE_DN" "(&(objectCategory=person)(objectClass=user)(employeeID=nobody-$i))" 1.1 >/dev/null
	done
	printf 'search by employeeID (whole domain)\t%s\t%s\t\n' "$n" "$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" >>"$WORK/results.tsv"
	t=$(date +%s.%N)
	for ((i = 0; i < n; i++)); do
		ldapsearch -LLL "${AUTH[@]}" -b "$BASE_DN" "(&(objectCategory=person)(objectClass=user)(sAMAccountName=nobody-$i))" 1.1 >/dev/null
	done
	printf 'search by sAMAccountName (whole domain)\t%s\t%s\t\n' "$n" "$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" >>"$WORK/results.tsv"
	t=$(date +%s.%N)
	for ((i = 0; i < n; i++)); do
		ldapsearch -LLL "${AUTH[@]}" -b "$BASE_DN" -s base 1.1 >/dev/null
	done
	printf 'ldapsearch connect+bind+base read\t%s\t%s\t\n' "$n" "$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" >>"$WORK/results.tsv"
}

LAST_P=${PARALLEL[${#PARALLEL[@]} - 1]}
if ((LARGE > 0)); then
	step "large group: $LARGE members"
	setup_large
fi
run_large() { if ((LARGE > 0)); then run_adkit "$LAST_P" large; fi; }
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
step "runs: $ROWS hires x 3 groups; adkit --parallel ${PARALLEL[*]}; $ROUNDS rounds; load average $LOAD_START on $(nproc) CPUs"
for ((r = 1; r <= ROUNDS; r++)); do
	log "round $r of $ROUNDS"
	if ((r % 2)); then
		run_ldapadd bulk
		run_ldapadd perhire
		for i in "${!PARALLEL[@]}"; do
			if ((r == 1 && i == 0)); then run_adkit "${PARALLEL[i]}" plan; else run_adkit "${PARALLEL[i]}"; fi
		done
		run_large
	else
		run_large
		for ((i = ${#PARALLEL[@]} - 1; i >= 0; i--)); do run_adkit "${PARALLEL[i]}"; done
		run_ldapadd perhire
		run_ldapadd bulk
	fi
done
if ((SAMBA_ROWS > 0)); then
	step "samba-tool: $SAMBA_ROWS hires (scaled to $ROWS)"
	run_samba
fi
step "diagnostics"
diagnostics
LOAD_END=$(cut -d' ' -f1 /proc/loadavg)

step "summary"
{
	printf 'Run %s on %s (%s, %s CPUs, %s GiB RAM); Samba %s; %s; OpenLDAP %s.\n' \
		"$(date -u +%Y-%m-%dT%H:%MZ)" "$(uname -n)" "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)" "$(nproc)" \
		"$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" "$(samba --version | sed 's/^Version //')" "$(go version | cut -d' ' -f3-4)" \
		"$(ldapadd -VV 2>&1 | sed -n 's/.*OpenLDAP: [a-z]* \([^ ]*\).*/\1/p' | head -n1)"
	printf 'Load average %s at the start, %s at the end. %s hires, 3 groups each, %s round(s).\n\n' "$LOAD_START" "$LOAD_END" "$ROWS" "$ROUNDS"
	awk -F'\t' -v rows="$ROWS" -v srows="$SAMBA_ROWS" -v lastp="$LAST_P" '
		# mid: the median of arr[label, 1..cnt[label]]; median: of the times.
		function median(label) { return mid(t_, label) }
		function mid(arr, label,   n, i, j, t, v) {
			n = cnt[label]
			for (i = 1; i <= n; i++) v[i] = arr[label, i]
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
			return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		}
		{ cnt[$1]++; t_[$1, cnt[$1]] = $3; dc_[$1, cnt[$1]] = $5; own_[$1, cnt[$1]] = $6; n_[$1] = $2; if ($4 > rss[$1]) rss[$1] = $4; if (!seen[$1]++) order[++k] = $1 }
		END {
			ref = median("ldapadd, bulk memberships")
			print "| run | hires | time (median) | per hire | peak RSS | vs bulk LDIF | DC CPU | own CPU | runs |"
			print "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
			for (i = 1; i <= k; i++) {
				l = order[i]; m = median(l)
				if (l ~ /^search|^ldapsearch/) continue
				per = m / n_[l] * 1000
				ratio = (l == "ldapadd, bulk memberships" || l ~ /diagnostic|second run/) ? "" : sprintf("%.2fx", m / n_[l] * rows / ref)
				if (l == "samba-tool") ratio = sprintf("%.1fx (scaled to %d: %.0f s)", m / n_[l] * rows / ref, rows, m / n_[l] * rows)
				printf "| %s | %d | %.1f s | %.1f ms | %s | %s | %.1f s | %.1f s | %d |\n", l, n_[l], m, per, (rss[l] ? sprintf("%.1f MiB", rss[l] / 1024) : ""), ratio, mid(dc_, l), mid(own_, l), cnt[l]
			}
			print ""
			base = median("ldapsearch connect+bind+base read") / n_["ldapsearch connect+bind+base read"]
			for (i = 1; i <= k; i++) {
				l = order[i]
				if (l !~ /^search/) continue
				printf "- %s: %.1f ms each, beyond the %.1f ms an ldapsearch process takes to connect, bind and read the rootDSE\n", l, (median(l) / n_[l] - base) * 1000, base * 1000
			}
			print ""
			for (i = 1; i <= k; i++) {
				l = order[i]
				if (l !~ /^adkit --parallel [0-9]+$/) continue
				printf "- %s: %.2fx the bulk LDIF (target <= 1.00x), %.2fx the per-hire LDIF; the DC worked %.2fx the CPU it gave the bulk LDIF", l, median(l) / ref, median(l) / median("ldapadd, memberships per hire"), mid(dc_, l) / mid(dc_, "ldapadd, bulk memberships")
				if (srows > 0) printf "; samba-tool (scaled) is %.1fx slower (target >= 10x)", median("samba-tool") / srows * rows / median(l)
				printf "\n"
				if (cnt[l ", second run (nothing to do)"]) printf "  second run, nothing to do: %.2f s (target <= 2 s for 1,000 hires)\n", median(l ", second run (nothing to do)")
			}
			big = "adkit --parallel " lastp ", large group"
			if (cnt[big]) printf "- large group: %.2fx the same run into empty groups (target <= 1.20x)\n", median(big) / median("adkit --parallel " lastp)
		}' "$WORK/results.tsv"
} | tee "$WORK/summary.md"
if [[ -n ${BENCH_OUT:-} ]]; then
	cp "$WORK/summary.md" "$BENCH_OUT"
	cp "$WORK/results.tsv" "$BENCH_OUT.tsv"
	log "summary written to $BENCH_OUT (raw timings: $BENCH_OUT.tsv)"
fi
