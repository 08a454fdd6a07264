#!/usr/bin/env bash
# The main job, on a throwaway lab domain: onboard HR's new hires, fix a locked-out user,
# audit who holds power, and show the tamper-evident log of it all. Safe to run again: the
# second run finds the new hires already there and changes nothing.
#
#   scripts/demo.sh        (as root, or with sudo available: the lab is a Samba AD DC)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=demo-output
bold=$(tput bold 2>/dev/null || true)
plain=$(tput sgr0 2>/dev/null || true)
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '%s$ %s%s\n' "$bold" "$*" "$plain"; "$@"; }

command -v go >/dev/null || { echo "demo: Go is not installed (https://go.dev/doc/install)" >&2; exit 1; }

step "Building adkit"
scripts/build.sh bin/adkit
export PATH="$PWD/bin:$PATH"

step "Starting the lab domain LAB.ADKIT.TEST on loopback (first time: installs Samba, ~1 minute)"
scripts/lab.sh up
eval "$(scripts/lab.sh env)"
mkdir -p "$out"
chmod 700 "$out"
export ADKIT_AUDIT_LOG="$PWD/$out/audit.jsonl"

step "1. Monday: HR sent examples/new-hires.csv. What would onboarding do?"
show adkit onboard plan examples/new-hires.csv --template examples/onboarding.yaml

step "Apply it (row 11 has no surname, so it is reported and skipped: exit code 4)"
rc=0
show adkit onboard apply examples/new-hires.csv --template examples/onboarding.yaml \
	--credentials-out "$out/credentials.csv" --results-out "$out/results.csv" --yes --ticket HR-2026-47 || rc=$?
[[ $rc -eq 0 || $rc -eq 4 ]] || exit "$rc"
echo "Initial passwords are in $out/credentials.csv (mode $(stat -c %a "$out/credentials.csv")), not on screen."

step "2. Tuesday: Zoë mistypes her password six times and calls the help desk"
for _ in 1 2 3 4 5 6; do
	ldapsearch -x -H ldaps://127.0.0.1 -D zodegard@lab.adkit.test -w not-her-password -b "" -s base >/dev/null 2>&1 || true
done
show adkit user show zodegard
show adkit user unlock zodegard --ticket INC-1001 --reason "caller verified by manager"
show adkit user reset-password zodegard --password-out "$out/zodegard-password.txt" --ticket INC-1001
show adkit user show zodegard -o json

step "3. Quarter end: the auditor asks who holds power"
if adkit audit checks >/dev/null 2>&1; then
	rc=0
	show adkit audit run -o markdown >"$out/audit.md" || rc=$?
	adkit audit run -o html >"$out/audit.html" || true
	adkit audit run || true
	echo "Reports: $out/audit.md and $out/audit.html (open it in a browser)."
else
	show adkit group members "Domain Admins" --recursive
fi

step "4. Everything above is in the audit log, hash-chained"
show adkit log show --ticket INC-1001
echo "($(grep -c . "$ADKIT_AUDIT_LOG") records in $ADKIT_AUDIT_LOG; adkit log show lists them all)"
show adkit log verify --write-checkpoint "$out/audit.checkpoint"

printf '\nDone. Run scripts/demo.sh again: onboarding finds every new hire already there and changes nothing.\n'
printf 'Try it yourself:  eval "$(scripts/lab.sh env)"; export PATH=$PWD/bin:$PATH; adkit --help\n'
