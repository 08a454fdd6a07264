#!/usr/bin/env bash
# Locks the benchmark account out; scripts/bench.sh runs it as hyperfine's --prepare command
# before every timed unlock, so it is not part of any measurement.
#
#   scripts/bench/technician-lock.sh SAM
#
# It first checks that the account is not locked, i.e. that the previous timed unlock really
# unlocked it, then makes bad-password binds up to the domain's lockout threshold and checks
# that the account is now locked. Any surprise exits non-zero, which makes hyperfine stop
# instead of timing an unlock that has nothing to do.
#
# Environment (set by scripts/bench.sh from `scripts/lab.sh env`): BENCH_LDAP_URI, BENCH_UPN_SUFFIX,
# BENCH_LOCKOUT_THRESHOLD, ADKIT_BASE_DN, ADKIT_BIND_USER, ADKIT_BIND_PASSWORD_FILE, LDAPTLS_CACERT.
set -euo pipefail

sam=${1:?usage: technician-lock.sh SAM}
uri=${BENCH_LDAP_URI:?}
threshold=${BENCH_LOCKOUT_THRESHOLD:?}
upn="$sam@${BENCH_UPN_SUFFIX:?}"

die() {
	printf 'bench/technician-lock: %s\n' "$*" >&2
	exit 1
}

# Prints "lockoutTime computedUAC" of the account (0 for an absent attribute).
state() {
	local out lt=0 uacc=0 line
	out=$(ldapsearch -LLL -o ldif-wrap=no -H "$uri" -x -D "$ADKIT_BIND_USER" -y "$ADKIT_BIND_PASSWORD_FILE" \
		-b "$ADKIT_BASE_DN" "(sAMAccountName=$sam)" lockoutTime msDS-User-Account-Control-Computed) ||
		die "cannot read $sam"
	[[ $out == *"dn: "* ]] || die "$sam not found"
	while IFS= read -r line; do
		case $line in
		"lockoutTime: "*) lt=${line#lockoutTime: } ;;
		"msDS-User-Account-Control-Computed: "*) uacc=${line#msDS-User-Account-Control-Computed: } ;;
		esac
	done <<<"$out"
	printf '%s %s\n' "$lt" "$uacc"
}

st=$(state)
read -r lt uacc <<<"$st"
if [[ $lt != 0 ]] || ((uacc & 0x10)); then
	die "$sam is still locked (lockoutTime=$lt): the previous timed unlock did not unlock it"
fi

# The wrong password is deliberately on the command line: it is not a secret.
for ((i = 1; i <= threshold; i++)); do
	rc=0
	ldapsearch -x -H "$uri" -D "$upn" -w 'Not-The-Password-0!' -b '' -s base 1.1 >/dev/null 2>&1 || rc=$?
	[[ $rc == 49 ]] || die "bad-password bind $i as $upn: exit $rc, want 49 (invalid credentials)"
done

st=$(state)
read -r lt uacc <<<"$st"
if [[ $lt == 0 ]] || ! ((uacc & 0x10)); then
	die "$sam is not locked after $threshold bad passwords (lockoutTime=$lt, msDS-User-Account-Control-Computed=$uacc)"
fi
