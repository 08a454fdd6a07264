#!/usr/bin/python3
"""Writes the results of scripts/bench-audit.sh into DOC, between the markers
<!-- bench:audit:start --> and <!-- bench:audit:end --> (appended at the end of DOC when they
are missing; DOC is created with a title line when it does not exist). Nothing else in DOC is
changed: the file is re-read just before it is written.

    audit-report.py WORKDIR DOC [NOTES.md]

WORKDIR holds what bench-audit.sh collected: facts.env, seed.env, hyperfine.json, report.json,
verbose.txt, crosscheck.txt, time-{adkit,ref}-N.txt (GNU time -v), dccpu-{adkit,ref}-N.txt.
NOTES.md (scripts/bench/audit-notes.md), when it exists, is appended to the section as it is:
the analysis behind the figures (profiles, findings), which a script cannot regenerate.
"""

import glob
import json
import os
import re
import statistics
import sys

# Issue 15's targets per scale (users: ratio to the bare dumps, peak RSS in MiB).
TARGETS = {20000: (1.2, 150), 100000: (1.3, 250)}
SUMMARY_START = "<!-- bench:audit:summary:start -->"
SUMMARY_END = "<!-- bench:audit:summary:end -->"


def markers(users):
    """The markers of a scale's section: 20,000 users keep the original ones."""
    if users == 20000:
        return "<!-- bench:audit:start -->", "<!-- bench:audit:end -->"
    return "<!-- bench:audit:%d:start -->" % users, "<!-- bench:audit:%d:end -->" % users


def replace_between(text, start, end, section, after=None):
    """text with the part from start to end (markers included) replaced by section; when the
    markers are missing, section goes right after the marker after (or at the end)."""
    if start in text and end in text and text.index(start) < text.index(end):
        a = text.index(start)
        b = text.index(end) + len(end)
        if text[b:b + 1] == "\n":
            b += 1
        return text[:a] + section + text[b:]
    if after and after in text:
        b = text.index(after) + len(after)
        if text[b:b + 1] == "\n":
            b += 1
        return text[:b] + "\n" + section + text[b:]
    return text.rstrip("\n") + "\n\n" + section


def summary_table(old, users, row):
    """The summary table of every scale measured: old's rows (one per scale, keyed by the
    users in the first cell) with this scale's row replaced or added."""
    rows = {}
    if SUMMARY_START in old and SUMMARY_END in old:
        for ln in old[old.index(SUMMARY_START):old.index(SUMMARY_END)].splitlines():
            m = re.match(r"\| ([0-9,]+) users", ln)
            if m:
                rows[int(m.group(1).replace(",", ""))] = ln
    rows[users] = row
    L = [SUMMARY_START,
         "| domain | adkit (median) | ldapsearch dumps (median) | ratio | target | peak RSS | target | run | load average before → after |",
         "|---|---|---|---|---|---|---|---|---|"]
    L += [rows[k] for k in sorted(rows)]
    L.append(SUMMARY_END)
    return "\n".join(L) + "\n"


def env(path):
    out = {}
    if os.path.exists(path):
        for line in open(path):
            k, sep, v = line.rstrip("\n").partition("=")
            if sep:
                out[k] = v
    return out


def gnu_time(path):
    t = open(path).read()

    def num(label):
        m = re.search(re.escape(label) + r": ([0-9.:]+)", t)
        return m.group(1) if m else "0"

    wall = num("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    parts = [float(p) for p in wall.split(":")]
    secs = 0.0
    for p in parts:
        secs = secs * 60 + p
    return {"rss_kib": int(num("Maximum resident set size (kbytes)")),
            "cpu": float(num("User time (seconds)")) + float(num("System time (seconds)")),
            "wall": secs}


def fmt_s(x):
    return "%.2f s" % x


def main(work, doc, notes=None):
    facts = env(os.path.join(work, "facts.env"))
    users = int(facts.get("USERS", "20000"))
    TARGET_RATIO, TARGET_RSS_MIB = TARGETS.get(users, TARGETS[100000])
    START, END = markers(users)
    seed = env(os.path.join(work, "seed.env"))
    # All rounds of hyperfine together (the order of the commands alternates between rounds).
    rounds = []
    for path in sorted(glob.glob(os.path.join(work, "hyperfine-*.json")), key=lambda p: int(re.findall(r"(\d+)\.json$", p)[0])):
        res = json.load(open(path))["results"]
        rounds.append({("adkit" if r["command"].startswith("adkit") else "ref"): r for r in res})
    adk_times = [t for r in rounds for t in r["adkit"]["times"]]
    ref_times = [t for r in rounds for t in r["ref"]["times"]]
    adk = {"median": statistics.median(adk_times), "min": min(adk_times), "max": max(adk_times)}
    ref = {"median": statistics.median(ref_times), "min": min(ref_times), "max": max(ref_times)}
    ratio = adk["median"] / ref["median"]
    round_ratios = [r["adkit"]["median"] / r["ref"]["median"] for r in rounds]
    times = {n: [gnu_time(p) for p in sorted(glob.glob(os.path.join(work, "time-%s-*.txt" % n)))] for n in ("adkit", "ref")}
    dccpu = {n: [int(open(p).read()) / 1000 for p in sorted(glob.glob(os.path.join(work, "dccpu-%s-*.txt" % n)))]
             for n in ("adkit", "ref")}
    rss = [t["rss_kib"] / 1024 for t in times["adkit"]]
    pair_ratios = [a["wall"] / r["wall"] for a, r in zip(times["adkit"], times["ref"]) if r["wall"] > 0]
    peak = max(rss)
    report = json.load(open(os.path.join(work, "report.json")))
    cross = open(os.path.join(work, "crosscheck.txt")).read().strip().splitlines()
    cross_last = cross[-1] if cross else "crosscheck: not run"
    cross_bad = [ln for ln in cross[:-1] if "DIFFERS" in ln]
    load = facts.get("LOAD_LINE", "")
    m = re.search(r"(\d+) LDAP searches read (\d+) accounts, (\d+) groups, (\d+) foreign principals, (\d+) security descriptors", load)
    searches, accounts, groups, foreign, sds = (int(x) for x in m.groups()) if m else (0, 0, 0, 0, 0)

    def med(xs):
        return statistics.median(xs) if xs else 0.0

    adk_cpu, ref_cpu = med([t["cpu"] for t in times["adkit"]]), med([t["cpu"] for t in times["ref"]])
    adk_dc, ref_dc = med(dccpu["adkit"]), med(dccpu["ref"])
    ratio_ok = ratio <= TARGET_RATIO
    rss_ok = peak < TARGET_RSS_MIB

    per_check = {}
    for f in report["findings"]:
        c = per_check.setdefault(f["check"], [f["severity"], 0, 0])
        c[1] += 1
        c[2] += len(f["objects"])

    L = []
    w = L.append
    w(START)
    if users == 20000:
        w("## Permission audit at scale (`scripts/bench-audit.sh`)")
        w("")
        w("Every scale measured (each from its own run of the script; the sections below have the details):")
        w("")
        w(SUMMARY_START)
        w(SUMMARY_END)
        w("")
        w("### 20,000 users")
    else:
        w("### %s users (`BENCH_AUDIT_USERS=%d`)" % (format(users, ","), users))
    w("")
    w("`adkit audit run -o json` against the same LDAP work done by the standard tool: one paged")
    w("`ldapsearch` per search adkit makes, same base, filter, attributes and controls (SD flags")
    w("owner+group+DACL where adkit sends them), output to /dev/null, i.e. the directory reads")
    w("without the analysis. Both on one scale DC in one run: a second Samba DC built by")
    w("`scripts/lab.sh` in its own network namespace (the shared lab is not touched), seeded")
    w("offline with %s users and %s groups nested in five levels with chains into the" % (format(users, ","), format(users // 10, ",")))
    w("privileged groups. hyperfine, %s rounds (command order reversed every other round) of %s timed" % (facts.get("ROUNDS"), facts.get("RUNS")))
    w("runs each after %s warm-up; ratio of the medians over all rounds." % facts.get("WARMUP"))
    w("")
    w("| | adkit | ldapsearch dumps | ratio | target | |")
    w("|---|---|---|---|---|---|")
    w("| median wall time | %s | %s | **%.2f×** | ≤ %.1f× | %s |" % (
        fmt_s(adk["median"]), fmt_s(ref["median"]), ratio, TARGET_RATIO,
        "met" if ratio_ok else "**missed** by %.0f%%" % ((ratio / TARGET_RATIO - 1) * 100)))
    w("| min – max (%d runs each) | %s – %s | %s – %s | per round: %s | | |" % (
        len(adk_times), fmt_s(adk["min"]), fmt_s(adk["max"]), fmt_s(ref["min"]), fmt_s(ref["max"]),
        ", ".join("%.2f×" % x for x in round_ratios)))
    w("| interleaved pairs (GNU time, adkit/ldapsearch walls) | | | %s | | |" % ", ".join("%.2f×" % x for x in pair_ratios))
    w("| peak RSS (GNU time, the %d runs above) | **%.0f MiB** (%s) | | | < %d MiB | %s |" % (len(rss),
        peak, ", ".join("%.0f" % x for x in rss), TARGET_RSS_MIB,
        "met" if rss_ok else "**missed** by %.0f MiB" % (peak - TARGET_RSS_MIB)))
    w("| client CPU (user+sys, median) | %s | %s (all ldapsearch processes) | | | |" % (fmt_s(adk_cpu), fmt_s(ref_cpu)))
    w("| DC CPU during one run (median) | %s | %s | | | |" % (fmt_s(adk_dc), fmt_s(ref_dc)))
    w("")
    w("- **Run**: %s; %s CPUs (%s), %s GiB RAM; %s; %s; adkit %s. Load average %s before the" % (
        facts.get("DATE"), facts.get("NPROC"), facts.get("CPU"), facts.get("MEM_GIB"), "Samba " + facts.get("SAMBA", "?").replace("Version ", ""), facts.get("GO"),
        facts.get("GIT_REV"), facts.get("LOAD_BEFORE")))
    w("  timed runs, %s after (other work shared the machine: absolute times are only indicative)." % facts.get("LOAD_AFTER"))
    w("- **Domain**: %s accounts, %s groups, %s foreign principals (adkit's count). Seeded on top of the lab: %s users (%s disabled), %s groups, %s OUs, %s tree and %s other memberships; SPNs, risky UAC flags, adminCount orphans, a cycle, primary-group members, and 24 delegations (help-desk resets per OU, DCSync, write-member on Domain Admins, a deleted SID with full control)." % (
        accounts, groups, foreign, seed.get("SEEDED_users", "?"), seed.get("SEEDED_users_disabled", "?"), seed.get("SEEDED_groups", "?"),
        seed.get("SEEDED_ous", "?"), seed.get("SEEDED_tree_memberships", "?"), seed.get("SEEDED_other_memberships", "?")))
    w("- **Seeding** (offline into the stopped DC's sam.ldb, `scripts/bench/audit-seed.py`): %s s on %s (%s). Cached as `%s` (%s MiB); a re-run restores it and has the DC answering in **%s s** (unpacking %s s)." % (
        seed.get("SEED_SECS", "?"), facts.get("SEEDED_AT"), seed.get("SEED_DETAIL", "?"), facts.get("CACHE"), facts.get("CACHE_SIZE"),
        facts.get("RESTORE_SECS"), facts.get("RESTORE_UNPACK")))
    w("- **LDAP work**: adkit -v: %d searches (%s by-SID descriptor batches of 100, %s trustee look-ups), %s page requests of 500; %d security descriptors. The reference: %s ldapsearch runs reading %s entries (%s KiB of LDIF)." % (
        searches, facts.get("SD_BATCHES"), facts.get("TRUSTEE_BATCHES"), facts.get("PAGES"), sds,
        facts.get("REF_SEARCHES"), facts.get("REF_ENTRIES"), int(facts.get("REF_BYTES", "0")) // 1024))
    w("- **Findings**: %s critical, %s high, %s medium, %s low. Per check (findings / objects): %s." % (
        report["summary"]["critical"], report["summary"]["high"], report["summary"]["medium"], report["summary"]["low"],
        ", ".join("`%s` %d/%d" % (k, v[1], v[2]) for k, v in sorted(per_check.items(), key=lambda kv: -kv[1][2]))))
    w("- **Cross-check** (`scripts/bench/audit-crosscheck.py`: privileged membership recomputed from the groups' `member` attribute, UAC, Kerberos and staleness checks from raw attributes): %s." % cross_last.replace("crosscheck: ", ""))
    for ln in cross_bad:
        w("  - `%s`" % ln.strip())
    w("")
    w("**Reading.**")
    reading = []
    if ratio_ok:
        reading.append("adkit took %.2f× the time of the bare ldapsearch dumps: the ≤ %.1f× target is met." % (ratio, TARGET_RATIO))
    else:
        reading.append("adkit took %.2f× the time of the bare ldapsearch dumps, missing the ≤ %.1f× target by %.0f%%." % (
            ratio, TARGET_RATIO, (ratio / TARGET_RATIO - 1) * 100))
    over = [x for x in round_ratios if (x > TARGET_RATIO) != (not ratio_ok)]
    if over and len(round_ratios) > 1:
        reading.append("Not in every round, though (%s): on this machine the ratio depends on the load "
                       "(see below)." % ", ".join("%.2f×" % x for x in round_ratios))
    gap = adk["median"] - ref["median"]
    reading.append("The median gap is %.1f s. adkit's client CPU per run was %s, against %s for all the "
                   "ldapsearch processes together; the DC's CPU per run was %s for adkit and %s for the reference." % (
                       gap, fmt_s(adk_cpu), fmt_s(ref_cpu), fmt_s(adk_dc), fmt_s(ref_dc)))
    busy = adk["median"] / max(adk_cpu + adk_dc, 0.001)
    if busy > 2:
        reading.append("A run's wall time was %.1f× the CPU it used (client and DC together): most of it was "
                       "waiting for a CPU on the loaded machine, not work." % busy)
    else:
        reading.append("The DC's CPU is most of the wall time of either.")
    if rss_ok:
        reading.append("Peak RSS %.0f MiB stays under the %d MiB target." % (peak, TARGET_RSS_MIB))
    else:
        reading.append("Peak RSS %.0f MiB is over the %d MiB target by %.0f MiB." % (peak, TARGET_RSS_MIB, peak - TARGET_RSS_MIB))
    w(" ".join(reading))
    if notes and os.path.exists(notes) and users == 20000:
        w("")
        w(open(notes).read().strip())
    w("")
    w("Re-run: `sudo %sscripts/bench-audit.sh` (`BENCH_AUDIT_RUNS=N`, default 5; `BENCH_AUDIT_ROUNDS=N`, default 2; "
      "`BENCH_AUDIT_RESEED=1` rebuilds the cached seed)." % ("" if users == 20000 else "BENCH_AUDIT_USERS=%d " % users))
    w(END)
    section = "\n".join(L) + "\n"
    row = "| %s users, %s groups | %s | %s | **%.2f×** | ≤ %.1f× %s | **%.0f MiB** | < %d MiB %s | %s, %s | %s → %s |" % (
        format(users, ","), format(users // 10, ","), fmt_s(adk["median"]), fmt_s(ref["median"]), ratio, TARGET_RATIO,
        "met" if ratio_ok else "missed", peak, TARGET_RSS_MIB, "met" if rss_ok else "missed",
        facts.get("DATE"), facts.get("GIT_REV"), facts.get("LOAD_BEFORE"), facts.get("LOAD_AFTER"))

    # Re-read right before writing: other sections of DOC are edited concurrently.
    if os.path.exists(doc):
        text = open(doc).read()
    else:
        text = "# Benchmarks\n"
    old_summary = text
    text = replace_between(text, START, END, section, after=markers(20000)[1])
    s0 = text.find(SUMMARY_START)
    if s0 >= 0:
        text = replace_between(text, SUMMARY_START, SUMMARY_END, summary_table(old_summary, users, row))
    tmp = doc + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, doc)
    print(section)
    print("bench-audit: results written to %s" % doc, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
