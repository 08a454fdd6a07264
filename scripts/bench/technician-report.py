#!/usr/bin/env python3
"""Turns the hyperfine JSON files of one scripts/bench.sh run into a Markdown report.

    technician-report.py WORKDIR DOC

WORKDIR holds show.N.json, unlock.N.json and version.N.json (hyperfine --export-json, one file
per round), rss.tsv (label<TAB>kB) and meta.env (KEY=VALUE lines), written by scripts/bench.sh.
The report is printed and written into DOC between the markers <!-- bench:technician:start -->
and <!-- bench:technician:end -->; the rest of DOC is left as it is (a missing DOC or missing
markers get a minimal section). Exits 0 whether or not the
targets are met: the figures are the result, not a test.
"""

import glob
import json
import os
import statistics
import sys

START = "<!-- bench:technician:start -->"
END = "<!-- bench:technician:end -->"


def load(workdir, name):
    """Merges the rounds NAME.1.json, NAME.2.json, ...: command name -> all timed runs."""
    files = sorted(glob.glob(os.path.join(workdir, f"{name}.*.json")))
    if not files:
        raise SystemExit(f"report: no {name}.*.json in {workdir}")
    merged = {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            for r in json.load(f)["results"]:
                merged.setdefault(r["command"], []).extend(r["times"])
    return merged


def meta(workdir):
    out = {}
    with open(os.path.join(workdir, "meta.env"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line:
                k, v = line.split("=", 1)
                out[k] = v
    return out


def ms(seconds):
    v = seconds * 1000
    return f"{v:.2f} ms" if v < 10 else f"{v:.1f} ms"


def spread(times):
    """Median with the interquartile range of the timed runs."""
    q1, _, q3 = statistics.quantiles(times, n=4, method="inclusive")
    return f"{ms(statistics.median(times))} ({ms(q1)}–{ms(q3)})"


def get(results, name):
    if name not in results:
        raise SystemExit(f"report: no hyperfine result named {name!r}")
    return results[name]


def verdict(ratio, target):
    if ratio <= target:
        return "**met**"
    return f"**missed** (by {(ratio / target - 1) * 100:.0f}%)"


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    workdir, doc = sys.argv[1], sys.argv[2]
    m = meta(workdir)
    show, unlock, version = load(workdir, "show"), load(workdir, "unlock"), load(workdir, "version")
    med = statistics.median

    pairs = [
        # (task, results, adkit name, adkit shown as, reference name, reference shown as, target)
        ("Show a user", show, "adkit user show", "`adkit user show jdoe -o json`", "ldapsearch",
         f"`ldapsearch`: simple bind, the same {m['ATTRS']} attributes of jdoe", 1.3),
        ("Unlock a locked-out user", unlock, "adkit user unlock", "`adkit user unlock ACCOUNT`",
         "ldapsearch, then ldapmodify",
         "`ldapsearch` for the DN by sAMAccountName, then `ldapmodify` (replace lockoutTime: 0)", 1.3),
        ("Start-up", version, "adkit version", "`adkit version`", "hello",
         "hello-world Go binary, same toolchain", 3.0),
    ]
    rows, summary = [], []
    for task, res, a_name, a_desc, r_name, r_desc, target in pairs:
        a, r = get(res, a_name), get(res, r_name)
        ratio = med(a) / med(r)
        rows.append(f"| {task} | {a_desc} | {spread(a)} | {r_desc} | {spread(r)} | "
                    f"**{ratio:.2f}×** | ≤ {target:g}× | {verdict(ratio, target)} |")
        summary.append((task, med(a), med(r), ratio, target))

    ldapsearch, hello = get(show, "ldapsearch"), get(version, "hello")
    noroots = get(show, "adkit user show, system trust store not loaded")
    anon = get(show, "ldapsearch, anonymous rootDSE read")
    pipe = get(unlock, "ldapsearch | awk | ldapmodify")
    cgo = get(version, "adkit version, go build defaults")
    written = get(version, "adkit version, a copy just written")
    probe = get(version, "hello + x509.SystemCertPool()")
    adkit_show, adkit_version = get(show, "adkit user show"), get(version, "adkit version")
    vv = get(version, "ldapsearch -VV")
    ctx = [
        f"| `ldapsearch -VV`: start-up of the OpenLDAP tools (loads libldap, GnuTLS, SASL; prints its "
        f"version, no connection) | {spread(vv)} | `adkit version` is {med(adkit_version) / med(vv):.2f}× this |",
        f"| `ldapsearch` reading the rootDSE anonymously over LDAPS, no bind: process start, TCP, TLS, "
        f"one request | {spread(anon)} | {med(anon) / med(ldapsearch):.2f}× `ldapsearch` (show) |",
        f"| `adkit user show jdoe -o json` with Go's system trust store pointed at the lab CA alone "
        f"(`env SSL_CERT_FILE=<lab CA> SSL_CERT_DIR=<empty dir>`, the `env` exec included): the same as "
        f"`adkit user show` while adkit trusts exactly `--ca-file`; faster would mean the system store "
        f"is being loaded again | {spread(noroots)} | {med(noroots) / med(adkit_show):.2f}× "
        f"`adkit user show` |",
        f"| hello world that also calls `x509.SystemCertPool()`: what loading the system trust store "
        f"costs a Go program here | {spread(probe)} | +{ms(med(probe) - med(hello))} over hello world |",
        f"| `ldapsearch … \\| awk … \\| ldapmodify`: the unlock as one pipeline, so `ldapmodify` connects "
        f"and binds while `ldapsearch` searches | {spread(pipe)} | adkit unlock is "
        f"{med(get(unlock, 'adkit user unlock')) / med(pipe):.2f}× this |",
        f"| `adkit version` built with plain `go build` (cgo on, dynamically linked) instead of "
        f"`scripts/build.sh` | {spread(cgo)} | {med(cgo) / med(hello):.2f}× hello world |",
        f"| `adkit version` from a copy just written by `install` (its pages put in the page cache by "
        f"`write(2)`), where adkit and hello above are timed as read back from disk, as after a reboot "
        f"| {spread(written)} | {med(written) / med(hello):.2f}× hello world, "
        f"{ms(med(written) - med(adkit_version))} against the read-back binary |",
    ]

    rss = []
    with open(os.path.join(workdir, "rss.tsv"), encoding="utf-8") as f:
        for line in f:
            label, kb = line.rstrip("\n").split("\t")
            rss.append(f"| {label} | {int(kb) / 1024:.1f} MiB |")

    out = [
        START,
        f"_Generated by `scripts/bench.sh` on {m['DATE']}: {m['RUNS']} timed runs per command in "
        f"{m['ROUNDS']} interleaved rounds, {m['WARMUP']} warm-up runs per command and round. Times are "
        f"medians with the interquartile range in brackets; a ratio is adkit's median over the "
        f"reference's._",
        "",
        "| | |",
        "|---|---|",
        f"| Machine | {m['CPU']}, {m['NPROC']} CPUs (`nproc`), {m['MEM']} RAM |",
        f"| System | {m['OS']}, Linux {m['KERNEL']} |",
        f"| Load average (1 min) | {m['LOAD_START']} at the start, {m['LOAD_END']} at the end |",
        f"| Domain controller | Samba {m['SAMBA']} (the lab, `scripts/lab.sh`), on loopback |",
        f"| OpenLDAP tools | {m['OPENLDAP']} |",
        f"| Go | {m['GO']} |",
        f"| adkit | {m['ADKIT']}, built by `scripts/build.sh` (static, `-trimpath`, stripped), {m['ADKIT_SIZE']} |",
        f"| hyperfine | {m['HYPERFINE']} |",
        "",
        "| Task | adkit | median | Reference | median | ratio | target | |",
        "|---|---|---:|---|---:|---:|---|---|",
        *rows,
        "",
        "Diagnostics, timed in the same hyperfine runs as the pairs above (not targets):",
        "",
        "| Measurement | median | compared with |",
        "|---|---:|---|",
        *ctx,
        "",
        "Peak resident set size, one run each (`/usr/bin/time -v`):",
        "",
        "| Command | max RSS |",
        "|---|---:|",
        *rss,
        END,
    ]
    block = "\n".join(out)
    print(block)

    if os.path.exists(doc):
        with open(doc, encoding="utf-8") as f:
            text = f.read()
    else:
        text = "# Benchmarks\n"
    if START in text and END in text and text.index(START) < text.index(END):
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n## Help-desk commands: adkit vs the OpenLDAP tools\n\n" + block + "\n"
    tmp = doc + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, doc)

    print(file=sys.stderr)
    for task, a, r, ratio, target in summary:
        print(f"bench: {task}: adkit {ms(a)} / reference {ms(r)} = {ratio:.2f}× "
              f"(target ≤ {target:g}×: {'met' if ratio <= target else 'missed'})", file=sys.stderr)
    print(f"bench: results written to {doc}", file=sys.stderr)


if __name__ == "__main__":
    main()
