#!/usr/bin/python3
"""Seeds the scale domain of the permission-audit benchmark (scripts/bench-audit.sh).

    audit-seed.py ldif OUTDIR [USERS]            writes OUTDIR/{a,c,raw}.ldif (stdlib only);
                                                 USERS: 20000 (default), 100000, ... (same shape)
    audit-seed.py acl  SMB_CONF SAM_LDB          grants the delegations (Samba python bindings)
    audit-seed.py add SMB_CONF SAM_LDB LDIF      adds/modifies the records of LDIF (ditto)
    audit-seed.py primary SMB_CONF SAM_LDB       moves a few admins' primary group (ditto)

Everything runs OFFLINE against the stopped scale DC's sam.ldb, through Samba's module stack
(objectSid, objectGUID, memberOf back-links and inherited ACEs are made as a DC makes them),
but without LDAP, TLS and, since no password is given, the password hashing that dominates
an ordinary bulk import. The order matters:

  a.ldif    OUs and the (empty) groups that delegations are granted to (ldbadd: small);
  acl       the delegations, while the OUs are still empty, so that Samba does not have to
            re-propagate inherited ACEs onto 20,000 users afterwards;
  c.ldif    20,000 users, 2,000 groups (leaves first: a group lists its members, which must
            exist), then modify records nesting scale groups into the privileged groups.
            Added by `add`, one transaction per record, NOT by ldbadd: ldbadd runs the whole
            file in one transaction, and ldb then copies every index list an add touches (the
            ones holding all users: objectClass, objectCategory, sAMAccountType, ...) into and
            out of a per-record sub-transaction, so each add costs time in proportion to the
            users already added. Measured on this lab: ldbadd took 18 s for the first 2,000
            users and 105 s for the next 4,000 (about 30 min for 20,000); one transaction per
            record costs 8-20 ms per record (it still grows, slowly, with those lists): about
            7.5 min for users and groups on a busy 2-CPU machine;
  primary   primaryGroupID of 5 admins (needs the group's RID, known only after the add);
  raw.ldif  whenCreated and pwdLastSet, which Samba's modules do not let anyone set: applied
            with ldbmodify straight to the domain partition's file, below the module stack.

The data is deterministic (fixed random seed); only times are relative to the moment the
LDIF is generated (users' last logons and ages), so a cached seeded state ages with the cache.
"""

import os
import random
import sys
import time

BASE = "DC=lab,DC=adkit,DC=test"
UPN = "lab.adkit.test"
ROOT = "OU=Scale," + BASE
GROUPS_OU = "OU=Groups," + ROOT
PEOPLE = "OU=People," + ROOT
SERVICE = "OU=Service," + ROOT
ADMINS = "OU=Admins," + ROOT
LEAVERS = "OU=Leavers," + ROOT

DEPTS = 20
TEAMS = 5  # team OUs per department
# The shape at 20,000 users; SCALE (the `ldif` command's USERS / 20,000) multiplies every
# count, so 100,000 users come with 10,000 groups, as 20,000 come with 2,000. The OUs, the
# delegations and the 25 groups outside the tree stay as they are.
SCALE = 1
N_PEOPLE = 17500
N_LEAVERS = 2000
N_SERVICE = 450
N_ADMINS = 50  # 20,000 users in all
# Tree of 1,975 nested groups in five levels (each group is a member of one group of the
# level above, one in ten of a second one), plus 25 other groups: 2,000.
LEVELS = [15, 75, 200, 485, 1200]


def set_scale(users):
    """Scales the counts to USERS (a multiple of 20,000)."""
    global SCALE, N_PEOPLE, N_LEAVERS, N_SERVICE, N_ADMINS, LEVELS
    if users <= 0 or users % 20000:
        raise SystemExit("audit-seed.py: USERS must be a multiple of 20000, not %d" % users)
    k = users // 20000
    SCALE = k
    N_PEOPLE, N_LEAVERS, N_SERVICE, N_ADMINS = 17500 * k, 2000 * k, 450 * k, 50 * k
    # 1,975 tree groups become 1,975k + 25(k-1): with the 25 others, exactly 2,000k groups.
    LEVELS = [15 * k, 75 * k, 200 * k, 485 * k, 1200 * k + 25 * (k - 1)]

GLOBAL = -2147483646

UAC_DISABLED = 0x2
UAC_NOTREQD = 0x20
UAC_REVERSIBLE = 0x80
UAC_NORMAL = 0x200
UAC_DONT_EXPIRE = 0x10000
UAC_TRUSTED_FOR_DELEGATION = 0x80000
UAC_DES_ONLY = 0x200000
UAC_NO_PREAUTH = 0x400000

RESET_PASSWORD = "00299570-246d-11d0-a768-00aa006e0529"
USER_CLASS = "bf967aba-0de6-11d0-a285-00aa003049e2"
MEMBER_ATTR = "bf9679c0-0de6-11d0-a285-00aa003049e2"
GET_CHANGES_ALL = "1131f6ad-9c07-11d1-f79f-00c04fc2dcd2"

GIVEN = ["Ada", "Ben", "Chloe", "Dev", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemal",
         "Lena", "Mateo", "Nia", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
         "Wen", "Yusuf", "Zoe"]
SURNAMES = ["Adams", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito",
            "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quist",
            "Rossi", "Silva", "Tanaka", "Urban", "Vogel", "Weber", "Xu", "Young", "Zimmer"]
TITLES = ["Analyst", "Engineer", "Senior Engineer", "Manager", "Associate", "Specialist",
          "Consultant", "Coordinator"]


def filetime(t):
    return int((t + 11644473600) * 10_000_000)


def gentime(t):
    return time.strftime("%Y%m%d%H%M%S.0Z", time.gmtime(t))


def group_name(level, j):
    return "scale-g%d-%04d" % (level + 1, j)


def group_dn(name):
    return "CN=%s,%s" % (name, GROUPS_OU)


def dept_ou(d):
    return "OU=Dept%02d,%s" % (d + 1, PEOPLE)


def team_ou(d, t):
    return "OU=Team%d,%s" % (t + 1, dept_ou(d))


class Gen:
    def __init__(self, outdir):
        self.outdir = outdir
        self.rnd = random.Random(20000)
        self.now = time.time()
        self.users = []  # (dn, sam, kind, index)
        # members[level][j]: member DNs of tree group j of that level
        self.members = [[[] for _ in range(n)] for n in LEVELS]
        self.parents = [[[] for _ in range(n)] for n in LEVELS]
        self.extra_members = {}
        self.counts = {}

    # ---- output helpers ----------------------------------------------------------
    @staticmethod
    def rec(f, dn, *lines):
        f.write("dn: %s\n" % dn)
        for ln in lines:
            if ln:
                f.write(ln + "\n")
        f.write("\n")

    def count(self, key, n=1):
        self.counts[key] = self.counts.get(key, 0) + n

    # ---- the tree ----------------------------------------------------------------
    def build_tree(self):
        for k in range(1, len(LEVELS)):
            n_up, n = LEVELS[k - 1], LEVELS[k]
            for j in range(n):
                p = j * n_up // n
                self.parents[k][j].append(p)
                if j % 10 == 3:  # a second parent: several paths to one group
                    q = (j * 7 + 1) % n_up
                    if q != p:
                        self.parents[k][j].append(q)
        for k in range(1, len(LEVELS)):
            for j, ps in enumerate(self.parents[k]):
                for p in ps:
                    self.members[k - 1][p].append(group_dn(group_name(k, j)))

    def descendants(self, level, j):
        """Tree groups below (level, j), as (level, index) pairs."""
        out, frontier = [], [(level, j)]
        while frontier:
            lv, g = frontier.pop()
            if lv + 1 >= len(LEVELS):
                continue
            for c, ps in enumerate(self.parents[lv + 1]):
                if g in ps and (lv + 1, c) not in out:
                    out.append((lv + 1, c))
                    frontier.append((lv + 1, c))
        return out

    # ---- phase a: OUs and delegation trustees -------------------------------------
    def write_a(self):
        with open(os.path.join(self.outdir, "a.ldif"), "w") as f:
            def ou(dn, name, desc):
                self.rec(f, dn, "objectClass: organizationalUnit", "ou: " + name, "description: " + desc)
                self.count("ous")

            ou(ROOT, "Scale", "adkit audit scale benchmark (scripts/bench-audit.sh)")
            ou(GROUPS_OU, "Groups", "Nested groups of the scale benchmark")
            ou(PEOPLE, "People", "Personal accounts")
            for d in range(DEPTS):
                ou(dept_ou(d), "Dept%02d" % (d + 1), "Department %d" % (d + 1))
                for t in range(TEAMS):
                    ou(team_ou(d, t), "Team%d" % (t + 1), "Team %d of department %d" % (t + 1, d + 1))
            ou(SERVICE, "Service", "Service accounts")
            ou(ADMINS, "Admins", "Privileged accounts")
            ou(LEAVERS, "Leavers", "Disabled accounts of former employees")
            for name, desc in self.extra_groups():
                self.rec(f, group_dn(name), "objectClass: group", "cn: " + name, "sAMAccountName: " + name,
                         "groupType: %d" % GLOBAL, "description: " + desc)
                self.count("groups")

    @staticmethod
    def extra_groups():
        yield "scale-helpdesk", "Reset Password on all users under OU=People"
        for d in range(DEPTS):
            yield "scale-hd-d%02d" % (d + 1), "Reset Password on the users of Dept%02d" % (d + 1)
        yield "scale-dcsync", "Replicating Directory Changes All on the domain (DCSync)"
        yield "scale-da-writers", "May write the member attribute of Domain Admins"
        yield "scale-tier0", "Tier 0 administrators (member of Domain Admins)"
        yield "scale-allstaff", "Every personal account under OU=People"

    # ---- phase c: users, groups, privileged nesting --------------------------------
    def user(self, f, dn, sam, uac, extra=(), given=None, sn=None, dept=None, title=None):
        r = self.rnd
        lines = ["objectClass: user", "cn: " + sam, "sAMAccountName: " + sam,
                 "userPrincipalName: %s@%s" % (sam, UPN), "userAccountControl: %d" % uac]
        if given:
            lines += ["givenName: " + given, "sn: " + sn, "displayName: %s %s" % (given, sn),
                      "mail: %s.%s.%s@%s" % (given.lower(), sn.lower(), sam, UPN)]
        if dept:
            lines += ["department: " + dept, "title: " + title, "company: adkit lab",
                      "employeeID: E%s" % sam[1:]]
        # Last logon: 15% never, 60% within 30 days, 25% 91-720 days ago.
        x = r.random()
        if x >= 0.15:
            days = r.uniform(0, 30) if x < 0.75 else r.uniform(91, 720)
            lines.append("lastLogonTimestamp: %d" % filetime(self.now - days * 86400))
        lines += list(extra)
        self.rec(f, dn, *lines)
        self.users.append(dn)
        self.count("users")
        if uac & UAC_DISABLED:
            self.count("users disabled")
        return dn

    def write_c(self):
        r = self.rnd
        n5 = LEVELS[-1]
        # The privileged subtrees and the leaves below them.
        da_root, adm_root, bo_root = (1, 5), (2, 50), (3, 200)
        da_leaves = [j for (lv, j) in self.descendants(*da_root) if lv == 4]
        cycle_leaf = da_leaves[len(da_leaves) // 2]
        with open(os.path.join(self.outdir, "c.ldif"), "w") as f:
            allstaff = []
            hd = {d: [] for d in range(DEPTS)}
            # People: 17,500 in 100 team OUs.
            for i in range(N_PEOPLE):
                d, t = i % DEPTS, (i // DEPTS) % TEAMS
                sam = "u%05d" % i
                dn = "CN=%s,%s" % (sam, team_ou(d, t))
                uac = UAC_NORMAL
                extra = []
                if i % 50 == 7:
                    uac |= UAC_DISABLED
                if i % 97 == 0:
                    uac |= UAC_NOTREQD
                if i % 23 == 0:
                    uac |= UAC_DONT_EXPIRE
                if i % 499 == 0:
                    uac |= UAC_REVERSIBLE
                if i % 331 == 0:
                    uac |= UAC_NO_PREAUTH
                if i % 607 == 0:
                    uac |= UAC_DES_ONLY
                if i % 887 == 0:
                    uac |= UAC_TRUSTED_FOR_DELEGATION
                if i % 401 == 0:
                    extra.append("servicePrincipalName: HTTP/app-%s.%s" % (sam, UPN))
                if i % 211 == 0:
                    extra.append("adminCount: 1")
                self.user(f, dn, sam, uac, extra, GIVEN[i % len(GIVEN)], SURNAMES[(i // 7) % len(SURNAMES)],
                          "Dept%02d" % (d + 1), TITLES[i % len(TITLES)])
                allstaff.append(dn)
                if len(hd[d]) < 5:
                    hd[d].append(dn)
                # Memberships: one leaf group, half a second group (levels 3-5), a fifth a third (2-4).
                self.members[4][(i * 7919 + 13) % n5].append(dn)
                if r.random() < 0.5:
                    lv = r.randint(2, 4)
                    self.members[lv][r.randrange(LEVELS[lv])].append(dn)
                if r.random() < 0.2:
                    lv = r.randint(1, 3)
                    self.members[lv][r.randrange(LEVELS[lv])].append(dn)
            # Leavers: disabled; a third kept one group.
            for i in range(N_LEAVERS):
                sam = "x%05d" % i
                dn = self.user(f, "CN=%s,%s" % (sam, LEAVERS), sam, UAC_NORMAL | UAC_DISABLED,
                               given=GIVEN[i % len(GIVEN)], sn=SURNAMES[i % len(SURNAMES)])
                if i % 3 == 0:
                    self.members[4][r.randrange(n5)].append(dn)
            # Service accounts: SPNs (Kerberoastable), half never expire, a tenth disabled.
            for i in range(N_SERVICE):
                sam = "svc-%04d" % i
                uac = UAC_NORMAL | (UAC_DONT_EXPIRE if i % 2 == 0 else 0) | (UAC_DISABLED if i % 10 == 9 else 0)
                dn = self.user(f, "CN=%s,%s" % (sam, SERVICE), sam, uac,
                               ["servicePrincipalName: MSSQLSvc/sql%04d.%s:1433" % (i, UPN),
                                "description: service account %d" % i])
                if i < 5:  # privileged through the Domain Admins subtree: kerberoastable-privileged
                    self.members[4][da_leaves[i % len(da_leaves)]].append(dn)
                else:
                    self.members[3][r.randrange(LEVELS[3])].append(dn)
                if i == 10:
                    self.extra_members.setdefault("scale-dcsync", []).append(dn)
            # Admins: 10 direct members of Domain Admins, 40 through scale-tier0.
            admins = []
            for i in range(N_ADMINS):
                sam = "adm-%03d" % i
                admins.append(self.user(f, "CN=%s,%s" % (sam, ADMINS), sam,
                                        UAC_NORMAL | (UAC_DISABLED if i % 25 == 24 else 0),
                                        ["adminCount: 1"], "Admin", "%03d" % i))
            # Tree groups, leaves first.
            for lv in reversed(range(len(LEVELS))):
                for j in range(LEVELS[lv]):
                    name = group_name(lv, j)
                    # A random second membership may repeat one: a member is listed once.
                    self.members[lv][j] = list(dict.fromkeys(self.members[lv][j]))
                    self.rec(f, group_dn(name), "objectClass: group", "cn: " + name, "sAMAccountName: " + name,
                             "groupType: %d" % GLOBAL, "description: level %d of the nesting tree" % (lv + 1),
                             *["member: " + m for m in self.members[lv][j]])
                    self.count("groups")
                    self.count("tree memberships", len(self.members[lv][j]))
            # Members of the groups of phase a.
            self.extra_members.setdefault("scale-tier0", []).extend(admins[10:])
            self.extra_members["scale-da-writers"] = [group_dn(group_name(2, 100))]
            self.extra_members["scale-helpdesk"] = [group_dn("scale-hd-d%02d" % (d + 1)) for d in range(DEPTS)]
            for d in range(DEPTS):
                self.extra_members["scale-hd-d%02d" % (d + 1)] = hd[d]
            self.extra_members["scale-allstaff"] = allstaff
            for name, ms in self.extra_members.items():
                self.modify_add(f, group_dn(name), ms)
            # Privileged nesting: chains from the tree into built-in privileged groups.
            self.modify_add(f, "CN=Domain Admins,CN=Users," + BASE,
                            [group_dn("scale-tier0"), group_dn(group_name(*da_root))] + admins[:10])
            self.modify_add(f, "CN=Administrators,CN=Builtin," + BASE, [group_dn(group_name(*adm_root))])
            self.modify_add(f, "CN=Backup Operators,CN=Builtin," + BASE, [group_dn(group_name(*bo_root))])
            self.modify_add(f, "CN=Account Operators,CN=Builtin," + BASE, [group_dn(group_name(4, 900))])
            self.modify_add(f, "CN=Server Operators,CN=Builtin," + BASE, [group_dn(group_name(4, 901))])
            self.modify_add(f, "CN=DnsAdmins,CN=Users," + BASE, [group_dn(group_name(4, 902))])
            self.modify_add(f, "CN=Group Policy Creator Owners,CN=Users," + BASE, [group_dn(group_name(4, 903))])
            # A cycle inside the Domain Admins subtree: a leaf contains the subtree's root.
            self.modify_add(f, group_dn(group_name(4, cycle_leaf)), [group_dn(group_name(*da_root))])

    def modify_add(self, f, dn, members):
        f.write("dn: %s\nchangetype: modify\nadd: member\n" % dn)
        for m in members:
            f.write("member: %s\n" % m)
        f.write("-\n\n")
        self.count("other memberships", len(members))

    # ---- raw: times Samba's modules refuse to set -----------------------------------
    def write_raw(self):
        r = random.Random(4242)
        with open(os.path.join(self.outdir, "raw.ldif"), "w") as f:
            for dn in self.users:
                created = self.now - r.uniform(400, 2500) * 86400
                pwd = self.now - r.uniform(0, 900) * 86400
                f.write("dn: %s\nchangetype: modify\nreplace: whenCreated\nwhenCreated: %s\n-\n"
                        "replace: pwdLastSet\npwdLastSet: %d\n-\n\n" % (dn, gentime(created), filetime(pwd)))

    def run(self):
        self.build_tree()
        self.write_a()
        self.write_c()
        self.write_raw()
        for k in sorted(self.counts):
            print("%s: %d" % (k, self.counts[k]))


# ---- phases with Samba's python bindings (offline, as the DC itself would) ------------

def samdb(conf, url, options=None):
    from samba.param import LoadParm
    from samba.samdb import SamDB
    from samba.auth import system_session
    lp = LoadParm()
    lp.load(conf)
    return SamDB(url=url, lp=lp, session_info=system_session(), options=options)


def sid_of(db, dn):
    import ldb
    from samba.ndr import ndr_unpack
    from samba.dcerpc import security
    res = db.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["objectSid"])
    return str(ndr_unpack(security.dom_sid, res[0]["objectSid"][0]))


def phase_acl(conf, url):
    from samba.sd_utils import SDUtils
    db = samdb(conf, url)
    sd = SDUtils(db)
    domain_sid = str(db.get_domain_sid())

    def sid(name):
        return sid_of(db, group_dn(name))

    grants = [
        (PEOPLE, "(OA;CIIO;CR;%s;%s;%s)" % (RESET_PASSWORD, USER_CLASS, sid("scale-helpdesk"))),
        (BASE, "(OA;;CR;%s;;%s)" % (GET_CHANGES_ALL, sid("scale-dcsync"))),
        ("CN=Domain Admins,CN=Users," + BASE, "(OA;;WP;%s;;%s)" % (MEMBER_ATTR, sid("scale-da-writers"))),
        # A deleted group's SID still holding full control of OU=Service (and the accounts in it).
        (SERVICE, "(A;CI;GA;;;%s-99999)" % domain_sid),
    ]
    for d in range(DEPTS):
        grants.append((dept_ou(d), "(OA;CIIO;CR;%s;%s;%s)" % (RESET_PASSWORD, USER_CLASS, sid("scale-hd-d%02d" % (d + 1)))))
    db.transaction_start()
    try:
        for dn, ace in grants:
            sd.dacl_add_ace(dn, ace)
    except Exception:
        db.transaction_cancel()
        raise
    db.transaction_commit()
    print("acl: %d delegations" % len(grants))


# Records per transaction of `add`. In batch mode the index lists live in memory during a
# transaction and are written out at its commit, so a commit costs about the size of the
# lists (every user is in objectClass=user's); 5,000 records make that a small share.
ADD_CHUNK = 5000


def phase_add(conf, url, path):
    import ldb
    # batch_mode (what `samba-tool domain join` uses to replicate a whole domain, see
    # samba.provision.setup_samdb): ldb_kv then runs no sub-transaction per request. Without
    # it, every add inside a transaction copies each index list it touches (those of
    # objectClass, objectCategory, sAMAccountType... hold every user) into and out of a nested
    # index cache, so an add costs time in proportion to the users already there; and with
    # one transaction per add, the commit rewrites those lists on disk instead. In batch mode
    # an add changes the lists in the transaction's index cache in place, and a commit writes
    # each list once: the cost per record stays flat. The price: a failing record aborts
    # its whole chunk (the seed then stops; the bench script starts from a fresh lab).
    # transaction_index_cache_size: the buckets of that cache, as provision sizes it for
    # 100,000 users.
    db = samdb(conf, url, ["batch_mode:1", "transaction_index_cache_size:202481"])
    t0 = t_chunk = time.time()
    c_chunk = time.process_time()  # CPU: on a shared machine, wall time says more about the others
    n = 0
    with open(path) as f:
        records = db.parse_ldif(f.read())
    db.transaction_start()
    try:
        for changetype, msg in records:
            if changetype == ldb.CHANGETYPE_MODIFY:
                db.modify(msg)
            else:
                db.add(msg)
            n += 1
            if n % ADD_CHUNK == 0:
                db.transaction_commit()
                now, cpu = time.time(), time.process_time()
                sys.stderr.write("add: %d records, %.0f s; these %d in %.1f s, CPU %.1f s\n" % (
                    n, now - t0, ADD_CHUNK, now - t_chunk, cpu - c_chunk))
                t_chunk, c_chunk = now, cpu
                db.transaction_start()
    except Exception:
        db.transaction_cancel()
        raise
    db.transaction_commit()
    print("add: %d records in %.1fs" % (n, time.time() - t0))


def phase_primary(conf, url):
    import ldb
    db = samdb(conf, url)
    rid = sid_of(db, group_dn("scale-tier0")).rsplit("-", 1)[1]
    n = 0
    db.transaction_start()
    try:
        for i in range(N_ADMINS - 5, N_ADMINS):
            m = ldb.Message()
            m.dn = ldb.Dn(db, "CN=adm-%03d,%s" % (i, ADMINS))
            m["primaryGroupID"] = ldb.MessageElement(rid, ldb.FLAG_MOD_REPLACE, "primaryGroupID")
            db.modify(m)
            n += 1
    except Exception:
        db.transaction_cancel()
        raise
    db.transaction_commit()
    print("primary: %d admins have scale-tier0 as primary group" % n)


def main(argv):
    if len(argv) in (3, 4) and argv[1] == "ldif":
        if len(argv) == 4:
            set_scale(int(argv[3]))
        Gen(argv[2]).run()
    elif len(argv) == 4 and argv[1] == "acl":
        phase_acl(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "add":
        phase_add(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "primary":
        phase_primary(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
