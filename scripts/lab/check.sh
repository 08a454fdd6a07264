#!/usr/bin/env bash
# Self-test of a running adkit lab (scripts/lab.sh check). Non-destructive:
# whatever it changes (lockme's lockout, jdoe's password) is put back.
set -euo pipefail

DIR=${ADKIT_LAB_DIR:-/var/tmp/adkit-lab}
BASE=DC=lab,DC=adkit,DC=test
CA="$DIR/tls/ca.pem"
ADMIN_PASS="$DIR/admin.pass"
USER_PASS="$DIR/user.pass"
HELPDESK_PASS="$DIR/helpdesk.pass"
ADMIN=Administrator@lab.adkit.test
export LDAPTLS_CACERT="$CA" LDAPTLS_REQCERT=demand
unset LDAPTLS_CERT LDAPTLS_KEY LDAPRC LDAPCONF 2>/dev/null || true

fails=0
pass() { printf 'PASS  %s\n' "$*"; }
fail() {
	printf 'FAIL  %s\n' "$*"
	fails=$((fails + 1))
}
info() { printf 'INFO  %s\n' "$*"; }

# q URL BINDDN PASSFILE ldapsearch-args...: quiet LDIF search
q() {
	local url=$1 dn=$2 pf=$3
	shift 3
	ldapsearch -LLL -o ldif-wrap=no -o nettimeout=10 -H "$url" -x -D "$dn" -y "$pf" "$@"
}
admin() { q ldaps://127.0.0.1 "$ADMIN" "$ADMIN_PASS" "$@"; }
# modify AS_DN PASSFILE (LDIF on stdin): prints the ldapmodify exit code
modify() {
	local rc=0
	ldapmodify -H ldaps://127.0.0.1 -x -D "$1" -y "$2" >/dev/null 2>"$tmp/modify.err" || rc=$?
	echo "$rc"
}
unicode_pwd() { printf '"%s"' "$(<"$1")" | iconv -t UTF-16LE | base64 -w0; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s' 'wrong-Pa55word!' >"$tmp/bad.pass"

# ---- TLS ----------------------------------------------------------------------
if q ldaps://localhost "$ADMIN" "$ADMIN_PASS" -b "$BASE" '(sAMAccountName=jdoe)' dn | grep -q '^dn: CN=John Doe,'; then
	pass "ldaps://localhost, certificate verified against $CA (libldap checks the host name '$(uname -n)' for localhost)"
else
	fail "ldaps://localhost search for jdoe"
fi
if admin -b "$BASE" -s base dn >/dev/null; then
	pass "ldaps://127.0.0.1 (IP SAN)"
else
	fail "ldaps://127.0.0.1"
fi
if q ldap://localhost "$ADMIN" "$ADMIN_PASS" -ZZ -b "$BASE" -s base dn >/dev/null 2>&1; then
	pass "StartTLS (-ZZ) on ldap://localhost:389"
else
	fail "StartTLS on ldap://localhost:389"
fi
if out=$(q ldap://127.0.0.1 "$ADMIN" "$ADMIN_PASS" -b "$BASE" -s base dn 2>&1); then
	fail "simple bind without TLS on 389 was accepted"
else
	case $out in
	*"Strong(er) authentication required"*) pass "simple bind without TLS on 389 refused (strongAuthRequired)" ;;
	*) fail "simple bind without TLS: unexpected: $out" ;;
	esac
fi
if echo | openssl s_client -connect 127.0.0.1:636 -servername adkitdc.lab.adkit.test -verify_hostname adkitdc.lab.adkit.test \
	-CAfile "$CA" -verify_return_error 2>/dev/null | grep -q 'Verify return code: 0'; then
	pass "openssl verifies adkitdc.lab.adkit.test on 636"
else
	fail "openssl verification of adkitdc.lab.adkit.test"
fi

# ---- bind name forms ------------------------------------------------------------
for b in "Administrator@lab.adkit.test" "ADKITLAB\\Administrator" "CN=Administrator,CN=Users,$BASE" \
	"administrator@LAB.ADKIT.TEST" "Administrator" "lab.adkit.test\\Administrator"; do
	if q ldaps://127.0.0.1 "$b" "$ADMIN_PASS" -b '' -s base dn >/dev/null 2>&1; then
		info "simple bind as '$b': accepted"
	else
		info "simple bind as '$b': rejected"
	fi
done

# ---- seed content ------------------------------------------------------------------
n=$(admin -b "OU=Bulk,OU=Staff,$BASE" '(objectClass=user)' dn | grep -c '^dn:' || true)
if [[ $n -eq 1600 ]]; then pass "1600 bulk users"; else fail "bulk users: $n"; fi
BIG="CN=BigGroup,OU=Groups,$BASE"
all=$(admin -b "$BIG" -s base '(objectClass=*)' member | grep -c '^member:' || true)
first=$(admin -b "$BIG" -s base '(objectClass=*)' 'member;range=0-1499' | grep -c '^member;range=0-1499:' || true)
rest=$(admin -b "$BIG" -s base '(objectClass=*)' 'member;range=1500-*' | grep -c '^member;range=1500-\*:' || true)
if [[ $first -eq 1500 && $rest -eq 100 ]]; then
	pass "BigGroup: member;range=0-1499 (1500 values) + member;range=1500-* (100) = 1600"
else
	fail "BigGroup ranged retrieval: range=0-1499 gave $first, range=1500-* gave $rest"
fi
info "BigGroup: a plain 'member' request returns $all values in one piece (Samba does not apply MaxValRange=1500 unless a range is asked for; AD would answer member;range=0-1499)"
pso=$(admin -b "CN=Administrator,CN=Users,$BASE" -s base '(objectClass=*)' msDS-ResultantPSO | awk '/^msDS-ResultantPSO:/ {print $2}')
if [[ $pso == CN=adkit-lab-admin,* ]]; then
	pass "Administrator is exempt from lockout (msDS-ResultantPSO = adkit-lab-admin, threshold 0)"
else
	fail "Administrator resultant PSO: '${pso:-none}'"
fi
pol=$(admin -b "$BASE" -s base '(objectClass=*)' lockoutThreshold lockoutDuration minPwdAge pwdHistoryLength minPwdLength pwdProperties |
	awk -F': ' '/^[a-zA-Z]+: / && !/^dn/ {printf "%s=%s ", $1, $2}')
if [[ $pol == *"lockoutThreshold=5 "* && $pol == *"lockoutDuration=-18000000000 "* && $pol == *"minPwdAge=0 "* &&
	$pol == *"pwdHistoryLength=3 "* && $pol == *"minPwdLength=8 "* && $pol == *"pwdProperties=1 "* ]]; then
	pass "domain password policy: $pol"
else
	fail "domain password policy: $pol"
fi
n=$(admin -b "$BASE" '(&(objectCategory=group)(member:1.2.840.113556.1.4.1941:=CN=John Doe,OU=Engineering,OU=Staff,'"$BASE"'))' cn | grep -c '^cn: Tier3$' || true)
if [[ $n -eq 1 ]]; then pass "jdoe is in Tier3 through Tier1 -> Tier2 -> Tier3 (in-chain rule)"; else fail "nesting chain"; fi
if admin -b "CN=CycleA,OU=Groups,$BASE" -s base '(objectClass=*)' member | grep -q '^member: CN=CycleB,' &&
	admin -b "CN=CycleB,OU=Groups,$BASE" -s base '(objectClass=*)' member | grep -q '^member: CN=CycleA,'; then
	pass "CycleA <-> CycleB cycle"
else
	fail "CycleA/CycleB cycle"
fi
if admin -b "CN=Domain Admins,CN=Users,$BASE" -s base '(objectClass=*)' member | grep -q '^member: CN=IT Admins,OU=Groups,'; then
	pass "IT Admins is a member of Domain Admins"
else
	fail "IT Admins in Domain Admins"
fi
n=$(admin -b "$BASE" '(displayName=Chris Lee)' dn | grep -c '^dn:' || true)
if [[ $n -eq 2 ]]; then pass "two users with displayName 'Chris Lee'"; else fail "Chris Lee ambiguity: $n"; fi
uac=$(admin -b "$BASE" '(sAMAccountName=dformer)' userAccountControl | awk '/^userAccountControl:/ {print $2}')
if [[ $uac == 514 ]]; then pass "dformer disabled (514)"; else fail "dformer uac $uac"; fi
uac=$(admin -b "$BASE" '(sAMAccountName=svc-backup)' userAccountControl | awk '/^userAccountControl:/ {print $2}')
if [[ $uac == 66048 ]]; then pass "svc-backup password never expires (66048)"; else fail "svc-backup uac $uac"; fi
if q ldaps://127.0.0.1 "jdoe@lab.adkit.test" "$USER_PASS" -b '' -s base dn >/dev/null 2>&1; then
	pass "jdoe can bind with the shared user password"
else
	fail "jdoe bind with \$DIR/user.pass"
fi

# ---- lockout -----------------------------------------------------------------------
LOCKME="CN=Larry Lockme,OU=Staff,$BASE"
for _ in 1 2 3 4 5 6; do
	q ldaps://127.0.0.1 "lockme@lab.adkit.test" "$tmp/bad.pass" -b '' -s base dn >/dev/null 2>&1 || true
done
lt=$(admin -b "$LOCKME" -s base '(objectClass=*)' lockoutTime | awk '/^lockoutTime:/ {print $2}')
if [[ -n $lt && $lt != 0 ]]; then
	pass "lockme locked out after 6 bad binds (lockoutTime=$lt)"
else
	fail "lockme not locked out (lockoutTime=${lt:-absent})"
fi
out=$(q ldaps://127.0.0.1 "lockme@lab.adkit.test" "$USER_PASS" -b '' -s base dn 2>&1 || true)
case $out in
*"data 775"*) pass "locked account refuses the right password (data 775)" ;;
*) info "bind of locked lockme with the right password: $(printf '%s' "$out" | tr '\n' ' ')" ;;
esac

# ---- help-desk delegation ----------------------------------------------------------------
HD=helpdesk1@lab.adkit.test
rc=$(printf 'dn: %s\nchangetype: modify\nreplace: lockoutTime\nlockoutTime: 0\n-\n' "$LOCKME" | modify "$HD" "$HELPDESK_PASS")
if [[ $rc == 0 ]]; then pass "helpdesk1 unlocks lockme (lockoutTime: 0)"; else fail "helpdesk1 unlock: rc $rc $(cat "$tmp/modify.err")"; fi
if out=$(q ldaps://127.0.0.1 "lockme@lab.adkit.test" "$USER_PASS" -b '' -s base dn 2>&1); then
	pass "lockme can bind again after the unlock"
else
	st=$(admin -b "$LOCKME" -s base '(objectClass=*)' lockoutTime badPwdCount msDS-User-Account-Control-Computed | grep -v '^dn:' | tr '\n' ' ')
	fail "lockme cannot bind after the unlock: $(printf '%s' "$out" | tr '\n' ' ') [$st]"
fi
JDOE="CN=John Doe,OU=Engineering,OU=Staff,$BASE"
NEWPW=$(unicode_pwd "$USER_PASS")
rc=$(printf 'dn: %s\nchangetype: modify\nreplace: unicodePwd\nunicodePwd:: %s\n-\n' "$JDOE" "$NEWPW" | modify "$HD" "$HELPDESK_PASS")
if [[ $rc == 0 ]]; then pass "helpdesk1 resets jdoe's password (OU=Staff)"; else fail "helpdesk1 reset jdoe: rc $rc $(cat "$tmp/modify.err")"; fi
rc=$(printf 'dn: %s\nchangetype: modify\nreplace: pwdLastSet\npwdLastSet: 0\n-\n' "$JDOE" | modify "$HD" "$HELPDESK_PASS")
if [[ $rc == 0 ]]; then pass "helpdesk1 sets pwdLastSet=0 (must change) on jdoe"; else fail "helpdesk1 pwdLastSet: rc $rc $(cat "$tmp/modify.err")"; fi
rc=$(printf 'dn: %s\nchangetype: modify\nreplace: pwdLastSet\npwdLastSet: -1\n-\n' "$JDOE" | modify "$HD" "$HELPDESK_PASS")
if [[ $rc == 0 ]]; then pass "helpdesk1 sets pwdLastSet=-1 (undo) on jdoe"; else fail "helpdesk1 pwdLastSet -1: rc $rc $(cat "$tmp/modify.err")"; fi
rc=$(printf 'dn: %s\nchangetype: modify\nreplace: unicodePwd\nunicodePwd:: %s\n-\n' "CN=adm-jdoe,OU=Admins,$BASE" "$NEWPW" | modify "$HD" "$HELPDESK_PASS")
if [[ $rc == 50 ]]; then pass "helpdesk1 reset in OU=Admins refused (insufficientAccessRights)"; else fail "helpdesk1 reset adm-jdoe: rc $rc (want 50)"; fi
rc=$(printf 'dn: %s\nchangetype: modify\nreplace: description\ndescription: x\n-\n' "$JDOE" | modify "$HD" "$HELPDESK_PASS")
if [[ $rc == 50 ]]; then pass "helpdesk1 cannot write other attributes (description) in OU=Staff"; else fail "helpdesk1 description write: rc $rc (want 50)"; fi
# Clean up: lockme's counters (as admin, in case the helpdesk unlock failed).
printf 'dn: %s\nchangetype: modify\nreplace: lockoutTime\nlockoutTime: 0\n-\n' "$LOCKME" | modify "$ADMIN" "$ADMIN_PASS" >/dev/null

# ---- computers, LAPS, BitLocker (seed-computers.sh) ----------------------------------------
# Values are never printed: only whether one came back.
has() { grep -q "^$1:" || return 1; }
if admin -b "$BASE" -s sub '(cn=WS-LAPS01)' msLAPS-Password | has msLAPS-Password; then
	pass "LAPS schema loaded; WS-LAPS01 has msLAPS-Password (admin reads it)"
else
	fail "no msLAPS-Password on WS-LAPS01 (LAPS schema or seed missing: run scripts/lab/seed-computers.sh)"
fi
HDQ() { q ldaps://127.0.0.1 helpdesk1@lab.adkit.test "$HELPDESK_PASS" "$@"; }
if HDQ -b "$BASE" -s sub '(cn=WS-LAPS01)' msLAPS-Password | has msLAPS-Password; then
	pass "helpdesk1 reads LAPS in OU=Workstations"
else
	fail "helpdesk1 cannot read WS-LAPS01's LAPS password"
fi
if HDQ -b "$BASE" -s sub '(cn=SRV-APP01)' msLAPS-Password msLAPS-PasswordExpirationTime >"$tmp/srv.ldif" &&
	! has msLAPS-Password <"$tmp/srv.ldif" && has msLAPS-PasswordExpirationTime <"$tmp/srv.ldif"; then
	pass "helpdesk1 sees SRV-APP01's LAPS expiry but not its password (confidential, not delegated)"
else
	fail "helpdesk1 and SRV-APP01's LAPS password: want expiry visible, password withheld"
fi
n=$(admin -b "$BASE" -s sub '(objectClass=msFVE-RecoveryInformation)' msFVE-RecoveryPassword | grep -c '^msFVE-RecoveryPassword:' || true)
if ((n >= 3)); then pass "$n BitLocker recovery passwords readable by the admin"; else fail "BitLocker recovery objects: $n, want at least 3"; fi

# ---- Kerberos ----------------------------------------------------------------------------
export KRB5_CONFIG="$DIR/krb5.conf" KRB5CCNAME="FILE:$tmp/ccache"
if kinit Administrator@LAB.ADKIT.TEST <"$ADMIN_PASS" >/dev/null 2>&1 && klist -s; then
	pass "kinit Administrator@LAB.ADKIT.TEST (KRB5_CONFIG=$DIR/krb5.conf)"
	if kvno ldap/localhost@LAB.ADKIT.TEST >/dev/null 2>&1 && kvno ldap/adkitdc.lab.adkit.test@LAB.ADKIT.TEST >/dev/null 2>&1; then
		pass "service tickets for ldap/localhost and ldap/adkitdc.lab.adkit.test"
	else
		fail "kvno ldap/localhost"
	fi
else
	fail "kinit Administrator"
fi
if kinit jdoe@LAB.ADKIT.TEST <"$USER_PASS" >/dev/null 2>&1; then
	pass "kinit jdoe@LAB.ADKIT.TEST"
else
	fail "kinit jdoe"
fi
kdestroy >/dev/null 2>&1 || true

echo
if ((fails)); then
	echo "$fails check(s) FAILED"
	exit 1
fi
echo "all checks passed"
