# shellcheck shell=bash
# What the lab's extra seed scripts (seed-audit.sh, seed-computers.sh) share; sourced by them,
# never run. The caller sets SEED_NAME (for its messages) and SEED_MARKER (a file name in the
# lab directory) first. Here: the lab's settings from `lab.sh env`, log/die, the marker that
# makes a re-run on an unchanged lab return at once (it holds the hash of the seed script and
# of this file, so a change to either runs the seed again), the LDAP helpers, and a private
# temporary directory. Writes go over LDAPS as the lab Administrator, the password read from
# its file (-y), never from argv.

LAB_SH=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lab.sh
eval "$("$LAB_SH" env)"
DIR=$ADKIT_LAB_DIR
BASE=$ADKIT_BASE_DN
ADMIN=$ADKIT_BIND_USER
ADMIN_PASS=$ADKIT_BIND_PASSWORD_FILE
URL=ldaps://127.0.0.1
CONF="$DIR/etc/smb.conf"
SAM_LDB="$DIR/private/sam.ldb"
MARKER="$DIR/$SEED_MARKER"
export LDAPTLS_CACERT="$ADKIT_CA_FILE" LDAPTLS_REQCERT=demand
unset ADKIT_BIND_PASSWORD

log() { printf 'lab: %s: %s\n' "$SEED_NAME" "$*" >&2; }
die() {
	printf 'lab: %s: error: %s\n' "$SEED_NAME" "$*" >&2
	exit 1
}

self_hash=$(cat "${BASH_SOURCE[1]}" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
if [[ -f $MARKER && $(<"$MARKER") == "$self_hash" ]]; then
	exit 0
fi

# seed_done: the marker, written last, once everything is in.
seed_done() { printf '%s' "$self_hash" >"$MARKER"; }

search() { ldapsearch -LLL -o ldif-wrap=no -o nettimeout=10 -H "$URL" -x -D "$ADMIN" -y "$ADMIN_PASS" "$@"; }

# sid_of DN: objectSid as S-1-... text.
sid_of() {
	local hex i n o sid
	hex=$(search -b "$1" -s base '(objectClass=*)' objectSid | awk '/^objectSid:: / { print $2 }' |
		base64 -d | od -An -tx1 -v | tr -d ' \n')
	[[ ${#hex} -ge 16 ]] || return 1
	n=$((16#${hex:2:2}))
	sid="S-$((16#${hex:0:2}))-$((16#${hex:4:12}))"
	for ((i = 0; i < n; i++)); do
		o=$((16 + i * 8))
		sid+="-$((16#${hex:o+6:2}${hex:o+4:2}${hex:o+2:2}${hex:o:2}))"
	done
	echo "$sid"
}

# apply LDIF_FILE: one `ldapadd -c`; only "already exists" answers are tolerated on a re-run.
apply() {
	local out rc=0 bad
	out=$(ldapadd -c -H "$URL" -x -D "$ADMIN" -y "$ADMIN_PASS" -f "$1" 2>&1 >/dev/null) || rc=$?
	bad=$(printf '%s\n' "$out" | grep -E '^ldap_[a-z_]+: ' | grep -vE 'Already exists \(68\)|Type or value exists \(20\)' || true)
	if [[ -n $bad ]] || { ((rc != 0)) && ((rc != 68)) && ((rc != 20)); }; then
		printf '%s\n' "$out" | tail -n 20 >&2
		die "ldapadd failed (exit $rc)"
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 0700 "$tmp"
