#!/usr/bin/env bash
# Seeds the risky configurations (and their harmless look-alikes) that the permission audit
# (`adkit audit run`, package audit/check) must find or must not find. The table of what it
# adds and which check each object is for is in docs/audit-checks.md.
#
#   ADKIT_LAB_DIR=/var/tmp/adkit-lab scripts/lab/seed-audit.sh
#
# Runs as root against a running lab (scripts/lab.sh up calls it). Idempotent: objects and
# ACEs that exist are left alone, so running it on every `up` is fine; a marker holding this
# script's hash makes a re-run on an unchanged lab return at once. Writes go over LDAPS as the
# lab Administrator, with the password read from its file (-y), never from argv.
set -euo pipefail
export LC_ALL=C

SEED_NAME="audit seed"
SEED_MARKER=.audit-seeded
# shellcheck source=seed-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/seed-lib.sh"

AUDIT="OU=Audit,$BASE"
ADMINS="OU=Admins,$BASE"
USER_CLASS=bf967aba-0de6-11d0-a285-00aa003049e2
RESET_PASSWORD=00299570-246d-11d0-a768-00aa006e0529
MEMBER_ATTR=bf9679c0-0de6-11d0-a285-00aa003049e2
GET_CHANGES=1131f6aa-9c07-11d1-f79f-00c04fc2dcd2
GET_CHANGES_ALL=1131f6ad-9c07-11d1-f79f-00c04fc2dcd2
GET_CHANGES_FILTERED=89e95b76-444d-4c62-991a-0facbeda640c
DC_HOST=adkitdc.lab.adkit.test
DC_DN="CN=ADKITDC,OU=Domain Controllers,$BASE"
SYSPY=/usr/bin/python3 # Samba's python bindings live in the system interpreter

# add_ace DN SDDL_ACE: adds one ACE unless the DACL already holds it.
add_ace() {
	local acl
	acl=$(samba-tool dsacl get -s "$CONF" -H "$SAM_LDB" --objectdn="$1")
	if ! grep -qiF "$2" <<<"$acl"; then
		samba-tool dsacl set -s "$CONF" -H "$SAM_LDB" --objectdn="$1" --sddl="$2" >/dev/null
	fi
}


PW=$(printf '"%s"' "$(<"$ADKIT_LAB_USER_PASSWORD_FILE")" | iconv -f UTF-8 -t UTF-16LE | base64 -w0)

# user SAM PARENT UAC [EXTRA_LDIF_LINES...]
user() {
	local sam=$1 parent=$2 uac=$3 line
	shift 3
	printf 'dn: CN=%s,%s\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\n' "$sam" "$parent"
	printf 'cn: %s\nsAMAccountName: %s\nuserPrincipalName: %s@lab.adkit.test\ndescription: adkit audit seed\n' "$sam" "$sam" "$sam"
	printf 'unicodePwd:: %s\nuserAccountControl: %s\n' "$PW" "$uac"
	for line in "$@"; do printf '%s\n' "$line"; done
	echo
}

# group CN SAM PARENT GROUPTYPE
group() {
	printf 'dn: CN=%s,%s\nobjectClass: top\nobjectClass: group\ncn: %s\nsAMAccountName: %s\ngroupType: %s\ndescription: adkit audit seed\n\n' \
		"$1" "$3" "$1" "$2" "$4"
}

member() { printf 'dn: %s\nchangetype: modify\nadd: member\nmember: %s\n-\n\n' "$1" "$2"; }

GLOBAL=-2147483646
DOMAIN_LOCAL=-2147483644
DA="CN=Domain Admins,CN=Users,$BASE"

{
	printf 'dn: %s\nobjectClass: top\nobjectClass: organizationalUnit\nou: Audit\ndescription: Objects for the permission audit tests (scripts/lab/seed-audit.sh)\n\n' "$AUDIT"

	# Groups: a nesting chain into Domain Admins with a cycle (Audit Ops <-> Audit Tier0),
	# DnsAdmins as DNS-integrated domains have it, and the two groups given delegations below.
	group "Audit Tier0" "Audit Tier0" "$AUDIT" "$GLOBAL"
	group "Audit Ops" "Audit Ops" "$AUDIT" "$GLOBAL"
	group "Audit Resetters" "Audit Resetters" "$AUDIT" "$GLOBAL"
	group "Audit SDHolder Writers" "Audit SDHolder Writers" "$AUDIT" "$GLOBAL"
	group DnsAdmins DnsAdmins "CN=Users,$BASE" "$DOMAIN_LOCAL"
	# Replication rights on the domain object (granted below): both halves of DCSync; Get-Changes-All
	# alone; both, with Get-Changes-All taken back by an explicit deny entry.
	group "Audit Replicators" "Audit Replicators" "$AUDIT" "$GLOBAL"
	group "Audit Secrets Readers" "Audit Secrets Readers" "$AUDIT" "$GLOBAL"
	group "Audit Denied Replicators" "Audit Denied Replicators" "$AUDIT" "$GLOBAL"

	# Accounts. UAC: 512 normal, 514 disabled, +0x20 password not required, +0x80 reversible
	# encryption, +0x80000 trusted for (unconstrained) delegation, +0x200000 DES only,
	# +0x400000 no Kerberos pre-authentication.
	user audit-kerb "$AUDIT" 512 "servicePrincipalName: HTTP/audit-web.lab.adkit.test"
	user audit-kerb-off "$AUDIT" 514 "servicePrincipalName: HTTP/audit-old.lab.adkit.test"
	user audit-adm-kerb "$ADMINS" 512 "servicePrincipalName: MSSQLSvc/audit-sql.lab.adkit.test:1433"
	user audit-asrep "$AUDIT" $((512 | 0x400000))
	user audit-reversible "$AUDIT" $((512 | 0x80))
	user audit-nopwd "$AUDIT" $((512 | 0x20))
	user audit-des "$AUDIT" $((512 | 0x200000))
	user audit-deleg "$AUDIT" $((512 | 0x80000))
	user audit-adm-off "$ADMINS" 514
	user audit-adm-pri "$ADMINS" 512
	user audit-dnsadm "$ADMINS" 512
	user audit-orphan "$AUDIT" 512 "adminCount: 1"
	user audit-lookalike "$AUDIT" 512
	user audit-delegate "$AUDIT" 512
	# Delegation (MS-SFU). +0x1000000 is TRUSTED_TO_AUTH_FOR_DELEGATION (protocol transition).
	# audit-s4u-dc may delegate, with protocol transition, to the DC's CIFS and LDAP services;
	# audit-s4u to the member server only; audit-kcd (Kerberos only) to the member server;
	# audit-s4u-flag has the flag but no service to delegate to (nothing to report).
	user audit-s4u-dc "$AUDIT" $((512 | 0x1000000)) "servicePrincipalName: HTTP/audit-s4u-dc.lab.adkit.test" \
		"msDS-AllowedToDelegateTo: cifs/$DC_HOST" "msDS-AllowedToDelegateTo: ldap/$DC_HOST"
	user audit-s4u "$AUDIT" $((512 | 0x1000000)) "servicePrincipalName: HTTP/audit-s4u.lab.adkit.test" \
		"msDS-AllowedToDelegateTo: cifs/auditsrv01.lab.adkit.test"
	user audit-kcd "$AUDIT" 512 "servicePrincipalName: HTTP/audit-kcd.lab.adkit.test" \
		"msDS-AllowedToDelegateTo: cifs/auditsrv01.lab.adkit.test"
	user audit-s4u-flag "$AUDIT" $((512 | 0x1000000))
	# Disabled and without Kerberos pre-authentication (audit-kerb-off is the disabled one with an SPN).
	user audit-asrep-off "$AUDIT" $((514 | 0x400000))
	# The account resource-based constrained delegation (set offline below) lets act on behalf of users.
	user audit-rbcd-actor "$AUDIT" 512
	# Only for the end-to-end drift test, which adds it to Audit Ops and removes it again.
	user audit-drift "$AUDIT" 512
	# A member server trusted for unconstrained delegation (0x1000 workstation trust + 0x80000).
	printf 'dn: CN=AUDITSRV01,%s\nobjectClass: top\nobjectClass: computer\ncn: AUDITSRV01\nsAMAccountName: AUDITSRV01$\n' "$AUDIT"
	printf 'dNSHostName: auditsrv01.lab.adkit.test\nunicodePwd:: %s\nuserAccountControl: %s\n\n' "$PW" $((0x1000 | 0x80000))
	# Member servers for resource-based constrained delegation: AUDITSRV02 lets audit-rbcd-actor act
	# on behalf of users; AUDITSRV03 lists it too, behind a deny entry that cancels the grant.
	for srv in AUDITSRV02 AUDITSRV03; do
		printf 'dn: CN=%s,%s\nobjectClass: top\nobjectClass: computer\ncn: %s\nsAMAccountName: %s$\n' "$srv" "$AUDIT" "$srv" "$srv"
		printf 'dNSHostName: %s.lab.adkit.test\nunicodePwd:: %s\nuserAccountControl: %s\n\n' "${srv,,}" "$PW" $((0x1000))
	done

	member "$DA" "CN=audit-adm-kerb,$ADMINS"
	member "$DA" "CN=Audit Tier0,$AUDIT"
	member "CN=Audit Tier0,$AUDIT" "CN=Audit Ops,$AUDIT"
	member "CN=Audit Ops,$AUDIT" "CN=Audit Tier0,$AUDIT"
	member "CN=Audit Ops,$AUDIT" "CN=audit-adm-off,$ADMINS"
	member "CN=DnsAdmins,CN=Users,$BASE" "CN=audit-dnsadm,$ADMINS"
	member "CN=Audit Resetters,$AUDIT" "CN=audit-delegate,$AUDIT"
	member "CN=Audit SDHolder Writers,$AUDIT" "CN=audit-delegate,$AUDIT"
} >"$tmp/audit.ldif"
apply "$tmp/audit.ldif"

# audit-adm-pri is privileged only through its primary group: Audit Tier0 (itself a member
# of Domain Admins). AD requires membership before primaryGroupID can point at a group, and
# then keeps the membership only in primaryGroupID.
tier0_sid=$(sid_of "CN=Audit Tier0,$AUDIT") || die "no objectSid for Audit Tier0"
tier0_rid=${tier0_sid##*-}
pri="CN=audit-adm-pri,$ADMINS"
if [[ $(search -b "$pri" -s base '(objectClass=*)' primaryGroupID | awk '/^primaryGroupID:/ { print $2 }') != "$tier0_rid" ]]; then
	member "CN=Audit Tier0,$AUDIT" "$pri" >"$tmp/primary.ldif"
	apply "$tmp/primary.ldif"
	printf 'dn: %s\nchangetype: modify\nreplace: primaryGroupID\nprimaryGroupID: %s\n-\n' "$pri" "$tier0_rid" |
		ldapmodify -H "$URL" -x -D "$ADMIN" -y "$ADMIN_PASS" >/dev/null || die "setting audit-adm-pri's primary group failed"
fi

# Unexpected delegations: Audit Resetters may reset passwords of users in OU=Admins and write
# the member attribute of Backup Operators; Audit SDHolder Writers may change AdminSDHolder's
# permissions (which AD copies onto every protected account).
resetters=$(sid_of "CN=Audit Resetters,$AUDIT") || die "no objectSid for Audit Resetters"
writers=$(sid_of "CN=Audit SDHolder Writers,$AUDIT") || die "no objectSid for Audit SDHolder Writers"
add_ace "$ADMINS" "(OA;CIIO;CR;$RESET_PASSWORD;$USER_CLASS;$resetters)"
add_ace "CN=Backup Operators,CN=Builtin,$BASE" "(OA;;WP;$MEMBER_ATTR;;$resetters)"
add_ace "CN=AdminSDHolder,CN=System,$BASE" "(A;;WD;;;$writers)"

# Replication rights on the domain object. dsacl puts each new entry first in the DACL, so the
# deny entries, added after the grants, come before them (canonical order: explicit deny
# first). Audit Replicators is also denied another replication right, which must not cancel
# its DCSync.
replicators=$(sid_of "CN=Audit Replicators,$AUDIT") || die "no objectSid for Audit Replicators"
readers=$(sid_of "CN=Audit Secrets Readers,$AUDIT") || die "no objectSid for Audit Secrets Readers"
denied=$(sid_of "CN=Audit Denied Replicators,$AUDIT") || die "no objectSid for Audit Denied Replicators"
add_ace "$BASE" "(OA;;CR;$GET_CHANGES;;$replicators)"
add_ace "$BASE" "(OA;;CR;$GET_CHANGES_ALL;;$replicators)"
add_ace "$BASE" "(OA;;CR;$GET_CHANGES_ALL;;$readers)"
add_ace "$BASE" "(OA;;CR;$GET_CHANGES;;$denied)"
add_ace "$BASE" "(OA;;CR;$GET_CHANGES_ALL;;$denied)"
add_ace "$BASE" "(OD;;CR;$GET_CHANGES_ALL;;$denied)"
add_ace "$BASE" "(OD;;CR;$GET_CHANGES_FILTERED;;$replicators)"

# Resource-based constrained delegation. Samba refuses msDS-AllowedToActOnBehalfOfOtherIdentity
# over LDAP ("can only be modified as system"), so it is written with ldbmodify through sam.ldb's
# module stack, as the system (as samba-tool dsacl writes descriptors above; the running DC
# sees the change at once). The value is a self-relative security descriptor; Samba's python
# bindings turn SDDL into it. `replace` makes a re-run a no-op in effect.
actor=$(sid_of "CN=audit-rbcd-actor,$AUDIT") || die "no objectSid for audit-rbcd-actor"
rbcd() { # rbcd DN SDDL
	local value
	value=$("$SYSPY" -c 'import base64, sys
from samba.dcerpc import security
from samba.ndr import ndr_pack
sd = security.descriptor.from_sddl(sys.argv[1], security.dom_sid(sys.argv[2]))
print(base64.b64encode(ndr_pack(sd)).decode())' "$2" "${actor%-*}") || die "encoding the RBCD descriptor for $1 failed"
	printf 'dn: %s\nchangetype: modify\nreplace: msDS-AllowedToActOnBehalfOfOtherIdentity\nmsDS-AllowedToActOnBehalfOfOtherIdentity:: %s\n-\n' "$1" "$value" >"$tmp/rbcd.ldif"
	ldbmodify -H "$SAM_LDB" "$tmp/rbcd.ldif" >/dev/null || die "writing msDS-AllowedToActOnBehalfOfOtherIdentity on $1 failed"
}
all_rights="CCDCLCSWRPWPDTLOCRSDRCWDWO"
rbcd "CN=AUDITSRV02,$AUDIT" "O:BAD:(A;;$all_rights;;;$actor)"
rbcd "CN=AUDITSRV03,$AUDIT" "O:BAD:(D;;$all_rights;;;$actor)(A;;$all_rights;;;$actor)"
rbcd "$DC_DN" "O:BAD:(A;;$all_rights;;;$actor)"

seed_done
log "done"
