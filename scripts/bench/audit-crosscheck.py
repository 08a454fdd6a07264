#!/usr/bin/python3
"""Cross-checks `adkit audit run -o json` against an independent computation from raw
ldapsearch dumps, for scripts/bench-audit.sh (stdlib only).

    audit-crosscheck.py REPORT.json USERS.ldif GROUPS.ldif DOMAIN_SID STALE_DAYS NOW_UNIX

USERS.ldif: (objectClass=user) with sAMAccountName objectSid objectClass userAccountControl
primaryGroupID lastLogonTimestamp pwdLastSet whenCreated adminCount servicePrincipalName; GROUPS.ldif: (objectClass=group)
with sAMAccountName objectSid member. Both `ldapsearch -LLL -o ldif-wrap=no`.

Nesting is recomputed from the groups' `member` attribute (adkit reads memberOf and
primaryGroupID instead), the userAccountControl checks from the raw flags. Prints one line per
check ("ok" or the differences, with up to 5 examples each way) and a last line "crosscheck:
N checks, M differ"; exits 0 either way (the benchmark reports, it does not judge).
"""

import base64
import json
import struct
import sys
from collections import deque


def read_ldif(path):
    entries, cur = [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if cur:
                    entries.append(cur)
                cur = None
                continue
            if line.startswith("#") or line.startswith(" "):
                continue
            k, _, v = line.partition(":")
            if v.startswith(":"):
                v = base64.b64decode(v[1:].strip())
            else:
                v = v[1:] if v.startswith(" ") else v
            if k == "dn":
                v = v.decode("utf-8") if isinstance(v, bytes) else v
                cur = {"dn": v}
                continue
            if cur is None:
                continue
            cur.setdefault(k.lower(), []).append(v)
    if cur:
        entries.append(cur)
    return entries


def sid_str(b):
    if isinstance(b, str):
        return b
    rev, n = b[0], b[1]
    auth = int.from_bytes(b[2:8], "big")
    subs = struct.unpack("<%dI" % n, b[8:8 + 4 * n])
    return "S-%d-%d" % (rev, auth) + "".join("-%d" % s for s in subs)


def text(e, k, d=""):
    v = e.get(k.lower())
    if not v:
        return d
    v = v[0]
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


def filetime_unix(v):
    v = int(v or 0)
    if v <= 0 or v >= 0x7FFFFFFFFFFFFFFF:
        return None
    return v / 1e7 - 11644473600


def gentime_unix(v):
    import calendar
    import time
    if not v:
        return None
    return calendar.timegm(time.strptime(v[:14], "%Y%m%d%H%M%S"))


def main(argv):
    report_path, users_path, groups_path, domain_sid, stale_days, now = argv[1:7]
    stale_days, now = int(stale_days), float(now)
    report = json.load(open(report_path))
    users = read_ldif(users_path)
    groups = read_ldif(groups_path)

    fold = str.lower
    acct = {}  # folded dn -> info
    for e in users:
        classes = [c.lower() if isinstance(c, str) else c.decode().lower() for c in e.get("objectclass", [])]
        acct[fold(e["dn"])] = {
            "dn": e["dn"], "sam": text(e, "sAMAccountName"), "sid": sid_str(e["objectsid"][0]),
            "uac": int(text(e, "userAccountControl", "0")) & 0xFFFFFFFF, "pgid": text(e, "primaryGroupID", "0"),
            "computer": "computer" in classes, "spn": bool(e.get("serviceprincipalname")),
            "last": filetime_unix(text(e, "lastLogonTimestamp", "0")), "created": gentime_unix(text(e, "whenCreated")),
            "pwd": filetime_unix(text(e, "pwdLastSet", "0")), "admincount": text(e, "adminCount") == "1",
        }
    grp = {}
    by_sid = {}
    for e in groups:
        g = {"dn": e["dn"], "sam": text(e, "sAMAccountName"), "sid": sid_str(e["objectsid"][0]),
             "members": [m.decode() if isinstance(m, bytes) else m for m in e.get("member", [])]}
        grp[fold(e["dn"])] = g
        by_sid[g["sid"]] = fold(e["dn"])
    # Primary-group members, by group.
    primary = {}
    for k, a in acct.items():
        gk = by_sid.get("%s-%s" % (domain_sid, a["pgid"]))
        if gk:
            primary.setdefault(gk, []).append(k)

    def closure(gk):
        """Accounts in group gk (nested, primary group included) -> depth of the shortest path."""
        out, seen, q = {}, {gk}, deque([(gk, 1)])
        while q:
            g, d = q.popleft()
            for m in grp[g]["members"] + []:
                mk = fold(m)
                if mk in grp:
                    if mk not in seen:
                        seen.add(mk)
                        q.append((mk, d + 1))
                elif mk in acct and mk not in out:
                    out[mk] = d
            for mk in primary.get(g, []):
                if mk not in out:
                    out[mk] = d
        return out

    specs = [("Enterprise Admins", domain_sid + "-519"), ("Domain Admins", domain_sid + "-512"),
             ("Administrators", "S-1-5-32-544"), ("Schema Admins", domain_sid + "-518"),
             ("Account Operators", "S-1-5-32-548"), ("Server Operators", "S-1-5-32-549"),
             ("Print Operators", "S-1-5-32-550"), ("Backup Operators", "S-1-5-32-551"),
             ("Group Policy Creator Owners", domain_sid + "-520"), ("DnsAdmins", None)]
    privileged = {}
    for name, sid in specs:
        gk = by_sid.get(sid) if sid else next((k for k, g in grp.items() if g["sam"].lower() == "dnsadmins"), None)
        if gk:
            privileged[name] = (gk, closure(gk))
    priv_accounts = set()
    for _, (gk, members) in privileged.items():
        priv_accounts.update(members)

    findings = {}
    for f in report["findings"]:
        findings.setdefault(f["check"], []).append(f)

    results = []

    def compare(check, expected, got, note=""):
        missing = sorted(expected - got)
        extra = sorted(got - expected)
        if not missing and not extra:
            results.append((check, True, "ok: %d objects%s" % (len(got), note)))
        else:
            results.append((check, False, "DIFFERS: adkit %d, expected %d; missing %d %s; unexpected %d %s%s" % (
                len(got), len(expected), len(missing), missing[:5], len(extra), extra[:5], note)))

    def got_dns(check, title=None):
        out = set()
        for f in findings.get(check, []):
            if title is None or f["title"] == title:
                out.update(fold(o["dn"]) for o in f["objects"] if o.get("dn"))
        return out

    # Privileged members, one finding per group ("Members of X"), with the shortest path.
    for name, (gk, members) in privileged.items():
        label = grp[gk]["sam"]
        titles = [f["title"] for f in findings.get("privileged-members", []) if f["title"].startswith("Members of %s" % label)]
        got = set()
        depth_bad = []
        for f in findings.get("privileged-members", []):
            if f["title"] in titles:
                for o in f["objects"]:
                    k = fold(o["dn"])
                    if k in acct:
                        got.add(k)
                        if k in members and len(o["path"]) != members[k]:
                            depth_bad.append((acct[k]["sam"], len(o["path"]), members[k]))
        compare("privileged-members[%s]" % name, set(members), got,
                "" if not depth_bad else "; %d paths not shortest, e.g. %s" % (len(depth_bad), depth_bad[:3]))

    def enabled(a):
        return not a["uac"] & 0x2

    def trust(a):
        return a["uac"] & 0x800

    def krbtgt(a):
        return a["sid"].endswith("-502") or a["sam"].lower().startswith("krbtgt_")

    def dc(a):
        return a["uac"] & (0x2000 | 0x4000000) or a["pgid"] in ("516", "521")

    def uac_set(flag, keep=lambda a: True):
        return {k for k, a in acct.items() if enabled(a) and not trust(a) and a["uac"] & flag and keep(a)}

    compare("password-not-required", uac_set(0x20), got_dns("password-not-required"))
    compare("password-never-expires", uac_set(0x10000, lambda a: not a["computer"]), got_dns("password-never-expires"))
    compare("reversible-encryption", uac_set(0x80), got_dns("reversible-encryption"))
    compare("asrep-roastable", uac_set(0x400000), got_dns("asrep-roastable"))
    compare("des-only", uac_set(0x200000), got_dns("des-only"))
    compare("unconstrained-delegation", uac_set(0x80000, lambda a: not dc(a)), got_dns("unconstrained-delegation"))
    roast = {k for k, a in acct.items() if enabled(a) and not a["computer"] and not krbtgt(a) and a["spn"]}
    compare("kerberoastable", roast - priv_accounts, got_dns("kerberoastable"))
    compare("kerberoastable-privileged", roast & priv_accounts, got_dns("kerberoastable-privileged"))
    compare("privileged-disabled", {k for k in priv_accounts if not enabled(acct[k])}, got_dns("privileged-disabled"))

    cutoff = now - stale_days * 86400
    cand = {k for k, a in acct.items() if enabled(a) and k not in priv_accounts and not krbtgt(a) and not trust(a)}
    # Accounts within a day of the cutoff are left out: the report's "now" is not ours.
    margin = 86400

    def near(t):
        return t is not None and abs(t - cutoff) < margin

    stale = {k for k in cand if acct[k]["last"] is not None and acct[k]["last"] < cutoff}
    fuzzy = {k for k in cand if near(acct[k]["last"])}
    compare("stale-accounts", stale - fuzzy, got_dns("stale-accounts") - fuzzy)
    never = {k for k in cand if acct[k]["last"] is None and (acct[k]["created"] is None or acct[k]["created"] < cutoff)}
    fuzzy = {k for k in cand if acct[k]["last"] is None and near(acct[k]["created"])}
    compare("never-logged-on", never - fuzzy, got_dns("never-logged-on") - fuzzy)

    # Privileged accounts: stale or never logged on; password older than a year.
    def stale_why(a):
        if a["last"] is None:
            return a["created"] is None or a["created"] < cutoff, near(a["created"])
        return a["last"] < cutoff, near(a["last"])

    exp, fz = set(), set()
    for k in priv_accounts:
        a = acct[k]
        if not enabled(a):
            continue
        stale_, fuzzy_ = stale_why(a)
        if fuzzy_:
            fz.add(k)
        elif stale_:
            exp.add(k)
    compare("privileged-stale", exp, got_dns("privileged-stale") - fz)
    year = now - 365 * 86400
    exp = {k for k in priv_accounts if enabled(acct[k]) and acct[k]["pwd"] is not None and acct[k]["pwd"] < year - margin}
    fz = {k for k in priv_accounts if acct[k]["pwd"] is not None and abs(acct[k]["pwd"] - year) <= margin}
    compare("privileged-password-old", exp, got_dns("privileged-password-old") - fz)
    # adminCount=1 outside every group SDProp protects (privileged or not), Administrator and krbtgt aside.
    protected_sids = [domain_sid + "-" + r for r in ("519", "512", "518", "516", "521", "526", "527")] + \
        ["S-1-5-32-%d" % r for r in (544, 548, 549, 550, 551, 552)]
    protected = set()
    for sid in protected_sids:
        if sid in by_sid:
            protected.update(closure(by_sid[sid]))
    exp = {k for k, a in acct.items() if a["admincount"] and k not in protected and not krbtgt(a)
           and not a["sid"].endswith("-500")}
    compare("admincount-orphan", exp, got_dns("admincount-orphan"))

    for check, ok, msg in results:
        print("%-40s %s" % (check, msg))
    bad = sum(1 for _, ok, _ in results if not ok)
    print("crosscheck: %d checks, %d differ" % (len(results), bad))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
