#!/usr/bin/env bash
# Seeds what the computer commands (`adkit computer …`, `adkit bitlocker find`) need: the
# Windows LAPS and legacy Microsoft LAPS schema, workstations and servers carrying LAPS
# passwords, BitLocker recovery information, stale and disabled computers, and a help-desk
# delegation that lets the Helpdesk group read LAPS passwords in OU=Workstations only.
# What it adds is listed in scripts/lab/README.md ("Computers, LAPS and BitLocker").
#
#   ADKIT_LAB_DIR=/var/tmp/adkit-lab scripts/lab/seed-computers.sh
#
# Runs as root against a running lab (scripts/lab.sh up calls it), without restarting it.
# Samba 4.17 refuses schema additions over LDAP ("schema_data_add: updates are not allowed"),
# so the attributeSchema objects and the computer class's mayContain values go straight into
# sam.ldb with ldbmodify and "dsdb:schema update allowed"; a schemaUpdateNow on the rootDSE
# then makes the running DC load them. Everything else goes over LDAPS as the lab
# Administrator, the password read from its file (-y), never from argv.
#
# Idempotent: schema elements, objects and ACEs that exist are left alone; a marker holding
# this script's hash makes a re-run on an unchanged lab return at once.
set -euo pipefail
export LC_ALL=C

SEED_NAME="computer seed"
SEED_MARKER=.computers-seeded
# shellcheck source=seed-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/seed-lib.sh"
SCHEMA="CN=Schema,CN=Configuration,$BASE"
command -v ldbmodify >/dev/null && command -v ldbsearch >/dev/null || die "ldbmodify is missing (Debian package ldb-tools; scripts/lab.sh up installs it)"

# schema_guid LDAP-DISPLAY-NAME: the attribute's schemaIDGUID as text (Samba picks it).
schema_guid() {
	local hex
	hex=$(search -b "$SCHEMA" -s one "(lDAPDisplayName=$1)" schemaIDGUID | awk '/^schemaIDGUID:: / { print $2 }' |
		base64 -d | od -An -tx1 -v | tr -d ' \n')
	[[ ${#hex} -eq 32 ]] || return 1
	# The first three fields are little-endian on the wire.
	printf '%s-%s-%s-%s-%s\n' "${hex:6:2}${hex:4:2}${hex:2:2}${hex:0:2}" "${hex:10:2}${hex:8:2}" \
		"${hex:14:2}${hex:12:2}" "${hex:16:4}" "${hex:20:12}"
}

# add_ace DN SDDL_ACE: adds one ACE unless the DACL already holds it (Samba may print the
# rights in another order, so the object GUID, inherited class and SID are what is compared).
add_ace() {
	local acl rest
	rest=$(cut -d';' -f4- <<<"$2")
	acl=$(samba-tool dsacl get -s "$CONF" -H "$SAM_LDB" --objectdn="$1")
	if ! grep -qiE "\(OA;CIIO;[A-Z]*;${rest//[()]/}\)" <<<"$acl"; then
		samba-tool dsacl set -s "$CONF" -H "$SAM_LDB" --objectdn="$1" --sddl="$2" >/dev/null
	fi
}


# ---- schema ------------------------------------------------------------------------------

# attr CN LDAP-NAME OID SYNTAX OM-SYNTAX SINGLE SEARCH-FLAGS [EXTRA_LDIF_LINES...]
# Definitions from Microsoft's Windows LAPS schema reference (Update-LapsADSchema) and
# legacy LAPS's AdmPwd.PS: searchFlags 904 = confidential, never value-audited, RODC-filtered
# and preserved on delete.
attr() {
	local cn=$1 name=$2 line
	shift 2
	if search -b "$SCHEMA" -s one "(lDAPDisplayName=$name)" dn | grep -q '^dn:'; then
		return 0
	fi
	printf 'dn: CN=%s,%s\nchangetype: add\nobjectClass: top\nobjectClass: attributeSchema\n' "$cn" "$SCHEMA"
	printf 'cn: %s\nlDAPDisplayName: %s\nadminDisplayName: %s\nattributeID: %s\n' "$cn" "$name" "$cn" "$1"
	printf 'attributeSyntax: %s\noMSyntax: %s\nisSingleValued: %s\nsearchFlags: %s\n' "$2" "$3" "$4" "$5"
	printf 'isMemberOfPartialAttributeSet: FALSE\n'
	shift 5
	for line in "$@"; do printf '%s\n' "$line"; done
	echo
}

LAPS_ATTRS=(msLAPS-PasswordExpirationTime msLAPS-Password msLAPS-EncryptedPassword msLAPS-EncryptedPasswordHistory
	msLAPS-EncryptedDSRMPassword msLAPS-EncryptedDSRMPasswordHistory msLAPS-CurrentPasswordVersion
	ms-Mcs-AdmPwd ms-Mcs-AdmPwdExpirationTime)
LEGACY_OID=1.2.840.113556.1.8000.2554.50051.45980.28112.18903.35903.6685103.1224907.2
{
	attr ms-LAPS-PasswordExpirationTime msLAPS-PasswordExpirationTime 1.2.840.113556.1.6.44.1.1 2.5.5.16 65 TRUE 0
	attr ms-LAPS-Password msLAPS-Password 1.2.840.113556.1.6.44.1.2 2.5.5.5 19 TRUE 904
	attr ms-LAPS-EncryptedPassword msLAPS-EncryptedPassword 1.2.840.113556.1.6.44.1.3 2.5.5.10 4 TRUE 904
	attr ms-LAPS-EncryptedPasswordHistory msLAPS-EncryptedPasswordHistory 1.2.840.113556.1.6.44.1.4 2.5.5.10 4 FALSE 904
	attr ms-LAPS-EncryptedDSRMPassword msLAPS-EncryptedDSRMPassword 1.2.840.113556.1.6.44.1.5 2.5.5.10 4 TRUE 904
	attr ms-LAPS-EncryptedDSRMPasswordHistory msLAPS-EncryptedDSRMPasswordHistory 1.2.840.113556.1.6.44.1.6 2.5.5.10 4 FALSE 904
	attr ms-LAPS-CurrentPasswordVersion msLAPS-CurrentPasswordVersion 1.2.840.113556.1.6.44.1.7 2.5.5.10 4 TRUE 904 \
		"rangeLower: 16" "rangeUpper: 16"
	attr ms-Mcs-AdmPwd ms-Mcs-AdmPwd "$LEGACY_OID.1" 2.5.5.5 19 TRUE 904
	attr ms-Mcs-AdmPwdExpirationTime ms-Mcs-AdmPwdExpirationTime "$LEGACY_OID.2" 2.5.5.16 65 TRUE 0
} >"$tmp/schema.ldif"

# ldb_schema LDIF-FILE: one ldbmodify on sam.ldb with schema updates allowed.
ldb_schema() {
	ldbmodify -H "$SAM_LDB" --option="dsdb:schema update allowed=true" "$1" >/dev/null ||
		die "ldbmodify of the schema failed ($(head -n1 "$1"))"
}

changed=0
if [[ -s $tmp/schema.ldif ]]; then
	log "adding the Windows LAPS and legacy LAPS attributes to the schema (ldbmodify on sam.ldb; the DC keeps running)"
	ldb_schema "$tmp/schema.ldif"
	changed=1
fi
# A second ldbmodify: one run does not see attributes it added itself, so the computer
# class can only name them in mayContain once they are committed.
may=$(ldbsearch -H "$SAM_LDB" -b "CN=Computer,$SCHEMA" -s base mayContain | awk '/^mayContain: / { print $2 }')
missing=()
for a in "${LAPS_ATTRS[@]}"; do
	grep -qixF "$a" <<<"$may" || missing+=("$a")
done
if ((${#missing[@]} > 0)); then
	{
		printf 'dn: CN=Computer,%s\nchangetype: modify\nadd: mayContain\n' "$SCHEMA"
		for a in "${missing[@]}"; do printf 'mayContain: %s\n' "$a"; done
		printf -- '-\n\n'
	} >"$tmp/may.ldif"
	ldb_schema "$tmp/may.ldif"
	changed=1
fi
if ((changed)); then
	# Make the running DC load the new schema now rather than at its next schema refresh.
	printf 'dn:\nchangetype: modify\nadd: schemaUpdateNow\nschemaUpdateNow: 1\n-\n' |
		ldapmodify -H "$URL" -x -D "$ADMIN" -y "$ADMIN_PASS" >/dev/null || die "schemaUpdateNow failed"
fi

# ---- computers ---------------------------------------------------------------------------

WS="OU=Workstations,$BASE"
SRV="OU=Servers,$BASE"
COMPUTER_CLASS=bf967a86-0de6-11d0-a285-00aa003049e2
PW=$(printf '"%s"' "$(<"$ADKIT_LAB_USER_PASSWORD_FILE")" | iconv -f UTF-8 -t UTF-16LE | base64 -w0)

now=$(date +%s)
# filetime SECONDS-FROM-NOW: AD's 100 ns ticks since 1601.
filetime() { echo $(((now + $1 + 11644473600) * 10000000)); }
DAY=86400

# Lab LAPS passwords and BitLocker recovery passwords: fixed so the tests can compare them.
# Like the other lab passwords they are not secret, but nothing prints them.
WS_LAPS_PW='Lq7-Wx2m-Rp9t-Kz4v'
SRV_LAPS_PW='Sv4-Hn8c-Jd3f-Pb6y'
LEGACY_PW='Lg5-Tm7q-Vc2x-Nw8r'

# computer CN PARENT UAC OS LAST-LOGON-SECONDS-AGO|- [EXTRA_LDIF_LINES...]
computer() {
	local cn=$1 parent=$2 uac=$3 os=$4 ago=$5 line
	shift 5
	printf 'dn: CN=%s,%s\nobjectClass: top\nobjectClass: computer\ncn: %s\nsAMAccountName: %s$\n' "$cn" "$parent" "$cn" "$cn"
	printf 'dNSHostName: %s.lab.adkit.test\noperatingSystem: %s\nunicodePwd:: %s\nuserAccountControl: %s\n' \
		"${cn,,}" "$os" "$PW" "$uac"
	printf 'description: adkit computer seed\n'
	[[ $ago == - ]] || printf 'lastLogonTimestamp: %s\n' "$(filetime "-$ago")"
	for line in "$@"; do printf '%s\n' "$line"; done
	echo
}

# laps_json ACCOUNT PASSWORD UPDATED-SECONDS-AGO: the msLAPS-Password value.
laps_json() { printf '{"n":"%s","t":"%x","p":"%s"}' "$1" "$(filetime "-$3")" "$2"; }

# guid_b64 GUID: the GUID's wire form (first three fields little-endian), base64.
guid_b64() {
	local h=${1//-/}
	h="${h:6:2}${h:4:2}${h:2:2}${h:0:2}${h:10:2}${h:8:2}${h:14:2}${h:12:2}${h:16:16}"
	# shellcheck disable=SC2059 # the format is the bytes, as \xNN escapes
	printf "$(sed 's/../\\x&/g' <<<"$h")" | base64 -w0
}

# bitlocker PARENT-DN WHEN RECOVERY-GUID VOLUME-GUID RECOVERY-PASSWORD: one
# msFVE-RecoveryInformation child, named as BitLocker names them ("<time>{<recovery GUID>}").
bitlocker() {
	# A "+" in the time zone offset would start a second RDN value: it is escaped.
	printf 'dn: CN=%s{%s},%s\nobjectClass: top\nobjectClass: msFVE-RecoveryInformation\n' "${2//+/\\+}" "${3^^}" "$1"
	printf 'msFVE-RecoveryGuid:: %s\nmsFVE-VolumeGuid:: %s\nmsFVE-RecoveryPassword: %s\n\n' \
		"$(guid_b64 "$3")" "$(guid_b64 "$4")" "$5"
}

WORKSTATION=4096
DISABLED_WORKSTATION=4098
{
	printf 'dn: %s\nobjectClass: top\nobjectClass: organizationalUnit\nou: Workstations\ndescription: Lab workstations; Helpdesk may read their LAPS passwords (scripts/lab/seed-computers.sh)\n\n' "$WS"
	printf 'dn: %s\nobjectClass: top\nobjectClass: organizationalUnit\nou: Servers\ndescription: Lab servers; Helpdesk may not read their LAPS passwords\n\n' "$SRV"

	computer WS-LAPS01 "$WS" $WORKSTATION "Windows 11 Enterprise" $((2 * DAY)) \
		"operatingSystemVersion: 10.0 (22631)" \
		"msLAPS-Password: $(laps_json Administrator "$WS_LAPS_PW" $((3 * DAY)))" \
		"msLAPS-PasswordExpirationTime: $(filetime $((27 * DAY)))"
	computer WS-LEGACY01 "$WS" $WORKSTATION "Windows 10 Pro" $((5 * DAY)) \
		"operatingSystemVersion: 10.0 (19045)" \
		"ms-Mcs-AdmPwd: $LEGACY_PW" \
		"ms-Mcs-AdmPwdExpirationTime: $(filetime $((10 * DAY)))"
	computer WS-ENC01 "$WS" $WORKSTATION "Windows 11 Enterprise" $((1 * DAY)) \
		"operatingSystemVersion: 10.0 (22631)" \
		"msLAPS-EncryptedPassword:: $(head -c 96 /dev/urandom | base64 -w0)" \
		"msLAPS-PasswordExpirationTime: $(filetime $((20 * DAY)))"
	computer WS-NOLAPS01 "$WS" $WORKSTATION "Windows 11 Pro" $((1 * DAY))
	computer WS-STALE01 "$WS" $WORKSTATION "Windows 10 Pro" $((200 * DAY))
	computer WS-OFF01 "$WS" $DISABLED_WORKSTATION "Windows 10 Pro" $((400 * DAY))
	computer SRV-APP01 "$SRV" $WORKSTATION "Windows Server 2022 Standard" $((1 * DAY)) \
		"operatingSystemVersion: 10.0 (20348)" \
		"msLAPS-Password: $(laps_json Administrator "$SRV_LAPS_PW" $((4 * DAY)))" \
		"msLAPS-PasswordExpirationTime: $(filetime $((26 * DAY)))"

	# Recovery passwords are 8 groups of 6 digits, each group a multiple of 11.
	bitlocker "CN=WS-LAPS01,$WS" 2025-06-01T10:00:00-00:00 4b1f0c2e-7d35-4a8e-9c61-2f0a5b7e3d11 \
		9a3e5c71-1b2d-4e6f-8a90-b1c2d3e4f501 \
		"111111-222222-333333-444444-555555-666666-077770-088880"
	bitlocker "CN=WS-LAPS01,$WS" 2026-02-14T08:30:00+01:00 c7d94a20-5e13-4b6f-a2d8-903e71f4b6c5 \
		9a3e5c71-1b2d-4e6f-8a90-b1c2d3e4f501 \
		"123453-234564-345675-456786-567897-679008-090112-101123"
	bitlocker "CN=SRV-APP01,$SRV" 2025-11-20T16:45:00-00:00 e2a85b39-0c47-4d1e-b9f3-6a28c5d0e7f4 \
		3f6b8d2a-4c1e-4a7b-9e5d-0a1b2c3d4e5f \
		"654346-543235-432124-321013-210001-109989-098879-087769"
} >"$tmp/computers.ldif"
apply "$tmp/computers.ldif"

# ---- help-desk delegation ----------------------------------------------------------------

# On OU=Workstations, inherited by computer objects only: read (RP plus control access, which
# confidential attributes require) of the Windows LAPS, encrypted LAPS and legacy LAPS
# passwords, and write of both expiration times (to force a rotation). The same rights
# Set-LapsADReadPasswordPermission and Set-LapsADResetPasswordPermission grant. Nothing on
# OU=Servers: there the Helpdesk group reads no password.
helpdesk=$(sid_of "CN=Helpdesk,OU=Groups,$BASE") || die "no objectSid for the Helpdesk group"
for name in msLAPS-Password msLAPS-EncryptedPassword ms-Mcs-AdmPwd; do
	g=$(schema_guid "$name") || die "no schemaIDGUID for $name"
	add_ace "$WS" "(OA;CIIO;RPCR;$g;$COMPUTER_CLASS;$helpdesk)"
done
for name in msLAPS-PasswordExpirationTime ms-Mcs-AdmPwdExpirationTime; do
	g=$(schema_guid "$name") || die "no schemaIDGUID for $name"
	add_ace "$WS" "(OA;CIIO;RPWP;$g;$COMPUTER_CLASS;$helpdesk)"
done

seed_done
log "done"
