#!/usr/bin/env bash
# adkit lab: a throwaway Samba AD domain controller (LAB.ADKIT.TEST) on loopback.
#
#   scripts/lab.sh up|down|status|env|seed|reset|check
#
# State lives in ${ADKIT_LAB_DIR:-/var/tmp/adkit-lab}; a copy of the freshly
# seeded state is kept in ${ADKIT_LAB_DIR}-pristine.tar so `reset` (and `up` on
# an empty state dir) restores in seconds instead of provisioning again.
# See scripts/lab/README.md.
set -euo pipefail

LAB_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lab
DIR=$(realpath -m -- "${ADKIT_LAB_DIR:-/var/tmp/adkit-lab}")
PRISTINE="${DIR}-pristine.tar"
CONF="$DIR/etc/smb.conf"
PIDFILE="$DIR/run/samba.pid"
LOG="$DIR/log/samba.log"
TLS="$DIR/tls"
CA="$TLS/ca.pem"
ADMIN_PASS="$DIR/admin.pass"
USER_PASS="$DIR/user.pass"
HELPDESK_PASS="$DIR/helpdesk.pass"
KRB5_CONF="$DIR/krb5.conf"

REALM=LAB.ADKIT.TEST
DNS_DOMAIN=lab.adkit.test
NT_DOMAIN=ADKITLAB
HOST=adkitdc
NETBIOS=ADKITDC
BASE_DN=DC=lab,DC=adkit,DC=test
ADMIN_UPN="Administrator@$DNS_DOMAIN"
HELPDESK_UPN="helpdesk1@$DNS_DOMAIN"
# Throwaway lab secrets. They are only ever written to 0600 files, never printed.
ADMIN_PW='Adm1n-Lab-Pa55!'
USER_PW='Us3r-Lab-Pa55!'
HELPDESK_PW='Helpd3sk-Lab-Pa55!'

# Our own tools talk to 127.0.0.1: OpenLDAP's libldap checks a server
# certificate for "localhost" against the machine's host name instead.
LDAPS_URL=ldaps://127.0.0.1
# ldb-tools: ldbmodify/ldbsearch (the LAPS schema of lab/seed-computers.sh, among others);
# iproute2: `ip` (the strict DC's address) and `ss`.
PACKAGES=(samba samba-ad-dc samba-ad-provision samba-dsdb-modules winbind krb5-user ldap-utils openssl ldb-tools iproute2)
# Samba tasks we need: LDAP(S)/GC, CLDAP, Kerberos (kdc + kpasswd), DCE/RPC.
SERVER_SERVICES="rpc, ldap, cldap, kdc"

log() { printf 'lab: %s\n' "$*" >&2; }
die() {
	printf 'lab: error: %s\n' "$*" >&2
	exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

require_root() {
	[[ $EUID -eq 0 ]] || die "must run as root (Samba binds ports 88/389/636 and owns its state)"
}

# ---- packages / system samba ----------------------------------------------

ensure_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	if ((${#missing[@]} == 0)); then
		return 0
	fi
	log "installing ${missing[*]}"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"
}

have_systemd() {
	command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]
}

# The Debian samba-ad-dc unit would hold the same ports; stop/mask it only
# if it is actually running.
stop_system_samba() {
	if have_systemd && systemctl is-active --quiet samba-ad-dc.service 2>/dev/null; then
		log "stopping and masking the system samba-ad-dc service (it would hold ports 88/389/636)"
		systemctl stop samba-ad-dc.service || true
		systemctl mask samba-ad-dc.service || true
	fi
}

# ---- state ------------------------------------------------------------------

is_provisioned() { [[ -f $DIR/.provisioned ]]; }
is_seeded() { [[ -f $DIR/.seeded ]]; }

# A fingerprint of what builds the lab: when it changes a cached pristine copy
# is stale and is not used. Bump LAB_FORMAT when provisioning changes.
LAB_FORMAT=1
stamp() {
	{
		printf 'format %s\n' "$LAB_FORMAT"
		cat "$LAB_SCRIPTS/seed-ldif.sh"
		samba --version 2>/dev/null || true
		printf '%s\n' "$DIR"
	} | sha256sum | cut -d' ' -f1
}

# Only ever wipe a directory that is empty or carries our marker.
wipe_dir() {
	[[ -n $DIR && $DIR != / ]] || die "refusing to wipe '$DIR'"
	if [[ -d $DIR ]]; then
		if [[ ! -f $DIR/.adkit-lab ]] && [[ -n $(ls -A "$DIR") ]]; then
			die "$DIR exists and is not an adkit lab directory (no .adkit-lab marker); refusing to delete it"
		fi
		rm -rf -- "$DIR"
	fi
}

pristine_valid() {
	[[ -f $PRISTINE ]] || return 1
	local s
	s=$(tar -xOf "$PRISTINE" ./.lab-stamp 2>/dev/null) || return 1
	[[ $s == "$(stamp)" ]]
}

restore_pristine() {
	wipe_dir
	mkdir -p "$DIR"
	chmod 0755 "$DIR"
	tar -xpf "$PRISTINE" -C "$DIR"
	chmod 0755 "$DIR"
	mkdir -p "$DIR/run" "$DIR/log"
}

save_pristine() {
	local tmp="$PRISTINE.tmp.$$"
	# Sockets (msg.sock/*, private/ldapi) are recreated by samba.
	tar -cf "$tmp" -C "$DIR" --exclude=./run --exclude=./log --exclude=./msg.sock \
		--warning=no-file-ignored .
	chmod 0600 "$tmp"
	mv -f "$tmp" "$PRISTINE"
}

# ---- TLS -------------------------------------------------------------------

# Names the server certificate must carry. libldap (ldapsearch & co.) checks
# "localhost" URLs against the host name (and its canonical name), so those
# are included too and the certificate is re-issued when they change.
cert_names() {
	local h c
	printf '%s\n' localhost "$HOST.$DNS_DOMAIN"
	h=$(uname -n)
	if [[ -n $h ]]; then
		printf '%s\n' "$h"
		c=$(timeout 5 getent hosts "$h" 2>/dev/null | awk 'NR == 1 { print $2 }') || true
		[[ -n $c ]] && printf '%s\n' "$c"
		c=$(timeout 5 getent ahosts "$h" 2>/dev/null | awk 'NR == 1 { print $3 }') || true
		[[ -n $c ]] && printf '%s\n' "$c"
	fi
	return 0
}

make_ca() {
	mkdir -p "$TLS"
	chmod 0755 "$TLS"
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
		-keyout "$TLS/ca.key" -out "$CA" -subj "/O=adkit lab/CN=adkit lab CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-addext "subjectKeyIdentifier=hash" 2>/dev/null
	chmod 0600 "$TLS/ca.key"
	chmod 0644 "$CA"
}

make_server_cert() {
	local san="" n
	while read -r n; do
		case ",$san," in *",DNS:$n,"*) continue ;; esac
		san+="${san:+,}DNS:$n"
	done < <(cert_names)
	san+=",IP:127.0.0.1,IP:::1${LAB_EXTRA_IP:+,IP:$LAB_EXTRA_IP}"
	if [[ ! -f $TLS/key.pem ]]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TLS/key.pem" 2>/dev/null
	fi
	chmod 0600 "$TLS/key.pem"
	openssl req -new -key "$TLS/key.pem" -subj "/O=adkit lab/CN=$HOST.$DNS_DOMAIN" -out "$TLS/server.csr" 2>/dev/null
	printf '%s\n' \
		"basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth" \
		"subjectKeyIdentifier=hash" \
		"authorityKeyIdentifier=keyid" \
		"subjectAltName=$san" >"$TLS/server.ext"
	openssl x509 -req -sha256 -days 3650 -in "$TLS/server.csr" -CA "$CA" -CAkey "$TLS/ca.key" \
		-set_serial "0x$(openssl rand -hex 16)" -extfile "$TLS/server.ext" -out "$TLS/cert.pem" 2>/dev/null
	chmod 0644 "$TLS/cert.pem"
	rm -f "$TLS/server.csr"
}

# Succeeds when the server certificate is missing or does not cover a name
# from cert_names (e.g. the host was renamed).
cert_needs_reissue() {
	local n
	[[ -f $TLS/cert.pem && -f $TLS/key.pem ]] || return 0
	while read -r n; do
		if ! openssl x509 -in "$TLS/cert.pem" -noout -checkhost "$n" 2>/dev/null | grep -q ' does match'; then
			log "server certificate does not cover '$n': re-issuing it (same lab CA)"
			return 0
		fi
	done < <(cert_names)
	return 1
}

# ---- provisioning -----------------------------------------------------------

write_secret() { # write_secret FILE VALUE: 0600, no trailing newline
	(
		umask 077
		printf '%s' "$2" >"$1"
	)
	chmod 0600 "$1"
}

write_krb5_conf() {
	cat >"$KRB5_CONF" <<EOF
# adkit lab Kerberos configuration: use with KRB5_CONFIG=$KRB5_CONF
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	dns_canonicalize_hostname = false
	udp_preference_limit = 0
	forwardable = true

[realms]
	$REALM = {
		kdc = ${LAB_EXTRA_IP:-127.0.0.1}
		admin_server = ${LAB_EXTRA_IP:-127.0.0.1}
		kpasswd_server = ${LAB_EXTRA_IP:-127.0.0.1}
		default_domain = $DNS_DOMAIN
	}

[domain_realm]
	.$DNS_DOMAIN = $REALM
	$DNS_DOMAIN = $REALM
	localhost = $REALM
EOF
	chmod 0644 "$KRB5_CONF"
}

provision() {
	local t0 pt
	t0=$(now)
	wipe_dir
	mkdir -p "$DIR/etc" "$DIR/run" "$DIR/log" "$DIR/cache"
	chmod 0755 "$DIR"
	: >"$DIR/.adkit-lab"
	# An empty config file: samba-tool must not merge /etc/samba/smb.conf.
	: >"$CONF"

	write_secret "$ADMIN_PASS" "$ADMIN_PW"
	write_secret "$USER_PASS" "$USER_PW"
	write_secret "$HELPDESK_PASS" "$HELPDESK_PW"

	log "provisioning $REALM in $DIR"
	samba-tool domain provision -q -s "$CONF" --targetdir="$DIR" \
		--realm="$REALM" --domain="$NT_DOMAIN" --server-role=dc \
		--dns-backend=NONE --host-name="$HOST" \
		--adminpass="$ADMIN_PW" \
		--option="netbios name = $NETBIOS" \
		--option="interfaces = 127.0.0.1 ::1" \
		--option="bind interfaces only = yes" \
		--option="server services = $SERVER_SERVICES" \
		--option="pid directory = $DIR/run" \
		--option="ncalrpc dir = $DIR/run/ncalrpc" \
		--option="winbindd socket directory = $DIR/run/winbindd" \
		--option="ntp signd socket directory = $DIR/run/ntp_signd" \
		--option="log file = $LOG" \
		--option="logging = file" \
		--option="log level = 1" \
		--option="max log size = 10000" \
		--option="tls enabled = yes" \
		--option="tls keyfile = $TLS/key.pem" \
		--option="tls certfile = $TLS/cert.pem" \
		--option="tls cafile = $CA" \
		--option="ldb:nosync = true" \
		--option="ldap server require strong auth = allow_sasl_over_tls" \
		>"$DIR/log/provision.log" 2>&1 ||
		{
			tail -n 30 "$DIR/log/provision.log" >&2
			die "samba-tool domain provision failed (full log: $DIR/log/provision.log)"
		}
	pt=$(since "$t0")

	make_ca
	make_server_cert
	write_krb5_conf
	stamp >"$DIR/.lab-stamp"
	: >"$DIR/.provisioned"
	log "provisioned in $pt (with policy, TLS and krb5.conf: $(since "$t0"))"
}

# ---- samba process ---------------------------------------------------------

# Prints the pid of OUR samba (pid file + the process has our log file open).
samba_pid() {
	local pid f
	[[ -f $PIDFILE ]] || return 1
	pid=$(tr -dc '0-9' <"$PIDFILE")
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
	[[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */samba ]] || return 1
	for f in /proc/"$pid"/fd/*; do
		if [[ $(readlink "$f" 2>/dev/null) == "$DIR/"* ]]; then
			echo "$pid"
			return 0
		fi
	done
	return 1
}

is_running() { samba_pid >/dev/null; }

ldaps_answers() {
	LDAPTLS_CACERT="$CA" LDAPTLS_REQCERT=demand timeout 10 \
		ldapsearch -LLL -o nettimeout=5 -H "$LDAPS_URL" -x -b '' -s base dnsHostName 2>/dev/null |
		grep -qi "^dnsHostName: $HOST.$DNS_DOMAIN"
}

port_owner_check() {
	local p ip=${LAB_EXTRA_IP:-127.0.0.1}
	command -v ss >/dev/null 2>&1 || return 0
	for p in 88 389 636; do
		if ss -Hltn "( sport = :$p ) and ( src $ip or src 0.0.0.0 or src [::] )" 2>/dev/null | grep -q .; then
			die "port $p is already in use by another process (a system samba/slapd?): $(ss -Hltnp "sport = :$p" 2>/dev/null | head -n1)"
		fi
	done
}

start_samba() {
	local t0 i pid
	t0=$(now)
	mkdir -p "$DIR/run" "$DIR/log"
	port_owner_check
	rm -f "$PIDFILE"
	log "starting samba (log: $LOG)"
	# 9>&-: the daemon must not inherit the lab.sh lock.
	samba -s "$CONF" -D </dev/null >>"$DIR/log/samba.stdout" 2>&1 9>&- ||
		{
			tail -n 40 "$LOG" >&2 2>/dev/null || true
			die "samba failed to start"
		}
	for ((i = 0; i < 240; i++)); do
		if ldaps_answers; then
			log "samba is answering on $LDAPS_URL (pid $(samba_pid || echo '?'), $(since "$t0"))"
			return 0
		fi
		if ((i > 8)) && ! is_running; then
			break
		fi
		sleep 0.25
	done
	echo "---- last lines of $LOG ----" >&2
	tail -n 40 "$LOG" >&2 2>/dev/null || true
	if pid=$(samba_pid); then
		kill "$pid" 2>/dev/null || true
	fi
	die "samba did not answer on $LDAPS_URL within 60s"
}

# pgroup_alive PGID: is any process left in that process group? (no procps needed)
pgroup_alive() {
	local st rest pg
	for st in /proc/[0-9]*/stat; do
		rest=$(cat "$st" 2>/dev/null) || continue
		rest=${rest##*) }
		read -r _ _ pg _ <<<"$rest"
		[[ $pg == "$1" ]] && return 0
	done
	return 1
}

stop_samba() {
	local pid i
	if ! pid=$(samba_pid); then
		rm -f "$PIDFILE"
		return 0
	fi
	log "stopping samba (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "samba did not stop after 10s: killing its process group"
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	fi
	# Children left behind (same process group as the daemon) go too.
	for ((i = 0; i < 50; i++)); do
		pgroup_alive "$pid" || break
		sleep 0.1
	done
	if pgroup_alive "$pid"; then
		log "killing leftover samba processes of process group $pid"
		kill -KILL -- "-$pid" 2>/dev/null || true
	fi
	rm -f "$PIDFILE"
}

# ---- seeding ----------------------------------------------------------------

# sid_of DN: objectSid as S-1-... text (decoded from the binary value).
sid_of() {
	local hex i n o auth sid
	hex=$(LDAPTLS_CACERT="$CA" ldapsearch -LLL -o ldif-wrap=no -H "$LDAPS_URL" -x -D "$ADMIN_UPN" -y "$ADMIN_PASS" \
		-b "$1" -s base '(objectClass=*)' objectSid | awk '/^objectSid:: / { print $2 }' |
		base64 -d | od -An -tx1 -v | tr -d ' \n')
	[[ ${#hex} -ge 16 ]] || return 1
	n=$((16#${hex:2:2}))
	auth=$((16#${hex:4:12}))
	sid="S-$((16#${hex:0:2}))-$auth"
	for ((i = 0; i < n; i++)); do
		o=$((16 + i * 8))
		sid+="-$((16#${hex:o+6:2}${hex:o+4:2}${hex:o+2:2}${hex:o:2}))"
	done
	echo "$sid"
}

helpdesk_acl() {
	local sid acl sddl="" ace g
	local user_class=bf967aba-0de6-11d0-a285-00aa003049e2
	sid=$(sid_of "CN=Helpdesk,OU=Groups,$BASE_DN") || die "could not read the Helpdesk group's objectSid"
	[[ $sid == S-1-5-21-* ]] || die "unexpected Helpdesk SID '$sid'"
	acl=$(samba-tool dsacl get -s "$CONF" -H "$DIR/private/sam.ldb" --objectdn="OU=Staff,$BASE_DN")
	# On OU=Staff, inherited by user objects below it only (CIIO + inherited
	# object type user): Reset Password (User-Force-Change-Password), write
	# lockoutTime (schemaIDGUID 28630ebf-41d5-11d1-a9c1-0000f80367c1), write
	# pwdLastSet.
	for ace in \
		"CR;00299570-246d-11d0-a768-00aa006e0529" \
		"WP;28630ebf-41d5-11d1-a9c1-0000f80367c1" \
		"WP;bf967a0a-0de6-11d0-a285-00aa003049e2"; do
		g=${ace#*;}
		if ! grep -qi "(OA;CIIO;${ace%%;*};$g;$user_class;$sid)" <<<"$acl"; then
			sddl+="(OA;CIIO;${ace%%;*};$g;$user_class;$sid)"
		fi
	done
	if [[ -n $sddl ]]; then
		samba-tool dsacl set -s "$CONF" -H "$DIR/private/sam.ldb" \
			--objectdn="OU=Staff,$BASE_DN" --sddl="$sddl" >/dev/null
	fi
}

seed() {
	local t0 ldif out rc bad
	is_running || die "samba is not running (run: $0 up)"
	t0=$(now)
	ldif=$(mktemp "$DIR/seed.XXXXXX.ldif")
	chmod 0600 "$ldif"
	bash "$LAB_SCRIPTS/seed-ldif.sh" "$USER_PASS" "$HELPDESK_PASS" >"$ldif" || {
		rm -f "$ldif"
		die "generating the seed LDIF failed"
	}
	log "seeding $(grep -c '^dn' "$ldif") records with one ldapadd over LDAPS"
	rc=0
	out=$(LDAPTLS_CACERT="$CA" LDAPTLS_REQCERT=demand \
		ldapadd -c -H "$LDAPS_URL" -x -D "$ADMIN_UPN" -y "$ADMIN_PASS" -f "$ldif" 2>&1 >/dev/null) || rc=$?
	rm -f "$ldif"
	# Re-runs only hit "Already exists (68)" / "Type or value exists (20)".
	bad=$(printf '%s\n' "$out" | grep -E '^ldap_[a-z_]+: ' | grep -vE 'Already exists \(68\)|Type or value exists \(20\)' || true)
	if [[ -n $bad ]] || { ((rc != 0)) && ((rc != 68)) && ((rc != 20)); }; then
		printf '%s\n' "$out" | tail -n 20 >&2
		die "seeding failed (ldapadd exit $rc)"
	fi
	log "ldapadd done in $(since "$t0"); setting the Helpdesk delegation on OU=Staff"
	helpdesk_acl
	: >"$DIR/.seeded"
	log "seeded in $(since "$t0")"
}

# ---- the strict DC ------------------------------------------------------------

# A second, independent, copy of the lab domain (same domain, accounts and keys: a copy of the
# pristine state, not a replica) on its own loopback address, running with Samba's DEFAULT
# "ldap server require strong auth = yes": the DC adkit's --kerberos must also work against,
# where a GSSAPI bind must negotiate signing or sealing and may not do so inside TLS
# (docs/kerberos.md). Cheap: no provisioning, no join; it is started from the first DC's pristine
# copy in about a second, and never touches the first DC.
STRICT_DIR=$(realpath -m -- "${ADKIT_LAB_STRICT_DIR:-${DIR}-strict}")
STRICT_IP=${ADKIT_LAB_STRICT_IP:-127.0.0.4}

# strict_instance points every path of this script at the strict DC's state.
strict_instance() {
	local main_dir=$DIR
	DIR=$STRICT_DIR
	CONF="$DIR/etc/smb.conf"
	PIDFILE="$DIR/run/samba.pid"
	LOG="$DIR/log/samba.log"
	TLS="$DIR/tls"
	CA="$TLS/ca.pem"
	KRB5_CONF="$DIR/krb5.conf"
	LDAPS_URL=ldaps://$STRICT_IP
	LAB_EXTRA_IP=$STRICT_IP
	STRICT_MAIN_DIR=$main_dir
}

cmd_strict_up() {
	local t0 main_pristine=$PRISTINE
	require_root
	t0=$(now)
	pristine_valid || die "the first lab DC has no pristine copy yet (run: $0 up)"
	strict_instance
	if ! is_provisioned; then
		if is_running; then stop_samba; fi
		wipe_dir
		mkdir -p "$DIR"
		chmod 0755 "$DIR"
		tar -xpf "$main_pristine" -C "$DIR"
		chmod 0755 "$DIR"
		mkdir -p "$DIR/run" "$DIR/log"
		# Its own paths, its own address only (the first DC keeps 127.0.0.1).
		sed -i -e "s#$STRICT_MAIN_DIR\(/\|\$\)#$DIR\1#" \
			-e "s#^\([[:space:]]*interfaces[[:space:]]*=\).*#\1 $STRICT_IP#" "$CONF"
		ADKIT_LAB_STRONG_AUTH=default ensure_strong_auth || true
		make_server_cert
		write_krb5_conf
		log "strict DC: copied the lab's pristine state to $DIR"
	fi
	# Samba only binds addresses an interface has.
	if ! ip -4 addr show dev lo | grep -qF "inet $STRICT_IP/"; then
		ip addr add "$STRICT_IP/32" dev lo
	fi
	if ! is_running; then
		start_samba
	fi
	log "strict DC is up on $LDAPS_URL ($(since "$t0")). Use: eval \"\$($0 env)\""
}

cmd_strict() {
	case "${1:-}" in
	up) lock && cmd_strict_up ;;
	reset)
		# A fresh copy of the first DC's pristine state (its own state is thrown away).
		lock
		(
			strict_instance
			stop_samba
			wipe_dir
		)
		cmd_strict_up
		;;
	down)
		strict_instance
		lock && stop_samba
		;;
	status)
		strict_instance
		cmd_status
		;;
	*) die "usage: $0 strict up|reset|down|status" ;;
	esac
}

# ---- commands ---------------------------------------------------------------

# ensure_strong_auth sets Samba's "ldap server require strong auth" to ADKIT_LAB_STRONG_AUTH.
# The default, allow_sasl_over_tls, makes Samba accept a Kerberos (GSSAPI) bind over LDAPS without
# a SASL security layer, as Windows AD does (Samba's own default insists on sign/seal even under
# TLS); it also upgrades labs provisioned before the setting existed. ADKIT_LAB_STRONG_AUTH=default
# removes the line, so the DC runs with Samba's default ("yes": a GSSAPI bind must negotiate
# signing or sealing), which is what adkit's --kerberos must also work against (docs/kerberos.md).
# Returns 0 when it changed smb.conf, so the caller restarts the DC.
ensure_strong_auth() {
	local want=${ADKIT_LAB_STRONG_AUTH:-allow_sasl_over_tls} re='^[[:space:]]*ldap server require strong auth'
	case $want in
	default)
		grep -q "$re" "$CONF" || return 1
		sed -i "/$re/d" "$CONF"
		log "smb.conf: Samba's default strong-auth setting (GSSAPI binds must sign or seal)"
		return 0
		;;
	yes | no | allow_sasl_over_tls) ;;
	*) die "ADKIT_LAB_STRONG_AUTH must be allow_sasl_over_tls, default, yes or no, not '$want'" ;;
	esac
	grep -qx "[[:space:]]*ldap server require strong auth = $want" "$CONF" && return 1
	sed -i "/$re/d" "$CONF"
	sed -i "/^\[global\]/a\\	ldap server require strong auth = $want" "$CONF"
	log "smb.conf: ldap server require strong auth = $want"
	return 0
}

# ensure_own_address keeps the first DC to 127.0.0.1 (and ::1): with "interfaces = lo" Samba
# binds every address of lo, which would take the strict DC's (strict up) at its next start.
# Only smb.conf changes: a running DC keeps its sockets, so this never restarts it.
ensure_own_address() {
	grep -q '^[[:space:]]*interfaces[[:space:]]*=[[:space:]]*lo[[:space:]]*$' "$CONF" || return 0
	sed -i 's/^\([[:space:]]*interfaces[[:space:]]*=\).*/\1 127.0.0.1 ::1/' "$CONF"
	log "smb.conf: binding 127.0.0.1 and ::1 only (not every address of lo)"
}

# run_extra_seeds runs the seeds that come after the directory's own: each script keeps a
# marker with its own hash and does nothing when it already ran. The pristine copy holds
# their work and their markers, so a reset does not redo a minute of LDAP writes (more on a
# loaded machine); a pristine copy older than a seed script is brought up to date once.
run_extra_seeds() {
	ADKIT_LAB_DIR="$DIR" bash "$LAB_SCRIPTS/seed-audit.sh" || die "seeding the permission-audit fixtures failed"
	ADKIT_LAB_DIR="$DIR" bash "$LAB_SCRIPTS/seed-computers.sh" || die "seeding the computers, LAPS schema and BitLocker fixtures failed"
}
seed_markers() { cat "$DIR/.audit-seeded" "$DIR/.computers-seeded" 2>/dev/null || true; }

cmd_up() {
	local t0 restart=0 restored=${RESTORED:-0} markers
	require_root
	t0=$(now)
	ensure_packages
	stop_system_samba
	if ! is_provisioned; then
		if is_running; then stop_samba; fi
		if pristine_valid; then
			log "restoring the lab from the pristine copy $PRISTINE"
			restore_pristine
			restored=1
			log "restored in $(since "$t0")"
		else
			provision
		fi
	elif [[ $(cat "$DIR/.lab-stamp" 2>/dev/null) != "$(stamp)" ]]; then
		log "note: the lab was built by a different version of scripts/lab.sh; '$0 reset' rebuilds it"
	fi
	if ensure_strong_auth; then
		restart=1
	fi
	ensure_own_address
	if cert_needs_reissue; then
		make_server_cert
		restart=1
	fi
	if is_running; then
		if ((restart)); then
			stop_samba
			start_samba
		elif ldaps_answers; then
			log "already running (pid $(samba_pid)), answering on $LDAPS_URL ($(since "$t0"))"
		else
			log "samba is running but not answering: restarting it"
			stop_samba
			start_samba
		fi
	else
		start_samba
	fi
	if ! is_seeded; then
		seed
		run_extra_seeds
		log "saving the freshly seeded state to $PRISTINE"
		local ts
		ts=$(now)
		stop_samba
		save_pristine
		start_samba
		log "pristine copy saved ($(since "$ts"))"
	fi
	markers=$(seed_markers)
	run_extra_seeds
	if ((restored)) && [[ $(seed_markers) != "$markers" ]]; then
		log "bringing the pristine copy up to date with the seed scripts"
		stop_samba
		save_pristine
		start_samba
	fi
	log "lab is up ($(since "$t0") total). Use: eval \"\$($0 env)\""
}

cmd_down() {
	stop_samba
	log "lab is down (state kept in $DIR)"
}

cmd_status() {
	local pid
	echo "lab dir:      $DIR"
	if ! is_provisioned; then
		echo "provisioned:  no"
		echo "running:      no"
		return 3
	fi
	echo "provisioned:  yes ($REALM, $BASE_DN)"
	echo "seeded:       $(is_seeded && echo yes || echo no)"
	echo "pristine:     $(pristine_valid && echo "$PRISTINE" || echo none)"
	if pid=$(samba_pid); then
		if ldaps_answers; then
			echo "running:      yes (pid $pid), answering on $LDAPS_URL"
			return 0
		fi
		echo "running:      yes (pid $pid) but NOT answering on $LDAPS_URL"
		return 1
	fi
	echo "running:      no"
	return 3
}

cmd_reset() {
	local t0
	require_root
	t0=$(now)
	stop_samba
	if pristine_valid; then
		restore_pristine
		RESTORED=1
		log "restored the freshly seeded state in $(since "$t0")"
	else
		log "no usable pristine copy: provisioning from scratch"
		wipe_dir
	fi
	cmd_up
	log "reset done in $(since "$t0")"
}

cmd_seed() {
	require_root
	is_provisioned || die "the lab is not provisioned (run: $0 up)"
	seed
}

q() { printf '%q' "$1"; }

cmd_env() {
	cat <<EOF
export ADKIT_LAB_DIR=$(q "$DIR")
export ADKIT_LDAP_URL=ldaps://localhost
export ADKIT_CA_FILE=$(q "$CA")
export ADKIT_BASE_DN=$BASE_DN
export ADKIT_BIND_USER=$ADMIN_UPN
export ADKIT_BIND_PASSWORD_FILE=$(q "$ADMIN_PASS")
export ADKIT_BIND_PASSWORD="\$(cat $(q "$ADMIN_PASS"))"
export KRB5_CONFIG=$(q "$KRB5_CONF")
export LDAPTLS_CACERT=$(q "$CA")
export ADKIT_LAB_HELPDESK_USER=$HELPDESK_UPN
export ADKIT_LAB_HELPDESK_PASSWORD_FILE=$(q "$HELPDESK_PASS")
export ADKIT_LAB_USER_PASSWORD_FILE=$(q "$USER_PASS")
export ADKIT_LAB_STRICT_URL=ldaps://$STRICT_IP
export ADKIT_LAB_STRICT_CA_FILE=$(q "$STRICT_DIR/tls/ca.pem")
export ADKIT_LAB_STRICT_KRB5_CONFIG=$(q "$STRICT_DIR/krb5.conf")
EOF
}

usage() {
	cat >&2 <<EOF
usage: $0 up|down|status|env|seed|reset|check
  up      install packages if needed, provision (or restore) and start the lab DC
  down    stop the lab DC (state is kept)
  status  show whether the lab is provisioned/running (exit 0 running, 3 not)
  env     print export lines for adkit and the OpenLDAP/Kerberos tools
  seed    (re)apply the seed data (idempotent)
  reset   restore the freshly seeded state and start
  check   run the lab self-test (non-destructive)
  strict up|reset|down|status
          a copy of the lab domain on $STRICT_IP with Samba's default "ldap server require
          strong auth = yes" (docs/kerberos.md), started from the pristine copy
state: $DIR (ADKIT_LAB_DIR), pristine copy: $PRISTINE
EOF
}

# Serialise commands that change the lab (several test runs may call `up`).
lock() {
	mkdir -p "$(dirname "$DIR")"
	exec 9>"$DIR.lock"
	flock -w 600 9 || die "timed out waiting for another lab.sh on $DIR.lock"
}

main() {
	case "${1:-}" in
	up) lock && cmd_up ;;
	down) lock && cmd_down ;;
	status) cmd_status ;;
	env) cmd_env ;;
	seed) lock && cmd_seed ;;
	reset) lock && cmd_reset ;;
	strict) shift && cmd_strict "$@" ;;
	check)
		is_running || die "the lab is not running (run: $0 up)"
		ADKIT_LAB_DIR="$DIR" "$LAB_SCRIPTS/check.sh"
		;;
	-h | --help | help) usage ;;
	*)
		usage
		exit 2
		;;
	esac
}

main "$@"
