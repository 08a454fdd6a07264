# shellcheck shell=bash
# What the benchmark scripts (scripts/bench.sh, bench-onboard.sh, bench-audit.sh) share;
# sourced by them, never run. The caller sets BENCH_NAME (its messages' prefix) first. Here:
# log/step/die, as_root, the exit trap, the work directory's removal, and adkit's settings
# narrowed to the lab's.

log() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }
step() { printf '\n==> %s\n' "$*" >&2; }
die() {
	printf '%s: error: %s\n' "$BENCH_NAME" "$*" >&2
	exit 1
}
as_root() {
	if ((EUID == 0)); then "$@"; else sudo "$@"; fi
}

# on_exit FUNCTION: FUNCTION runs when the script ends, also on failure; Ctrl-C and TERM end
# the script (exit 130), so it runs then too.
on_exit() {
	# shellcheck disable=SC2064 # the function's name is meant to be expanded now
	trap "$1" EXIT
	trap 'exit 130' INT TERM
}

# drop_work KEEP: removes the work directory $WORK, unless KEEP is 1 (then says where it is).
drop_work() {
	if [[ ${1:-} == 1 ]]; then
		log "work directory kept: $WORK"
	else
		rm -rf -- "$WORK"
	fi
}

# lab_settings_only URL: adkit's settings are the lab's and nothing else (no other ADKIT_*
# variable), and adkit is pointed at URL.
lab_settings_only() {
	local v
	for v in $(compgen -e); do
		case $v in
		ADKIT_LAB_* | ADKIT_LDAP_URL | ADKIT_CA_FILE | ADKIT_BASE_DN | ADKIT_BIND_USER | ADKIT_BIND_PASSWORD_FILE) ;;
		ADKIT_*) unset "$v" ;;
		esac
	done
	export ADKIT_LDAP_URL=$1
}
