"""report.md and report.txt of scripts/compare-report, from its compare.json
document: the same numbers twice, once for a web page or a pull request
(every column, charts, drift, hyperfine and perf stat), once for a
mailing-list reply (fixed-width, under 80 columns, the change and its
significance mark per case, then the trap counts that changed).

Why apart from scripts/compare-report: the analysis decides, this only shows; a
change of layout never touches a verdict.
"""
import os

from barbench import qemu_client
from barbench.extras import fmt_count, fmt_seconds
from barbench.render import fraction, md_table, med_ci, num, short_cost, \
    txt_table, unit, wrap as wrap_text


def slug(d):
    return d["address"].replace(":", "_").replace(".", "_")


# ---- formatting helpers --------------------------------------------------

def traps_text(s):
    if not s or not s["traps"]:
        return "-"
    return fraction(s["traps"]["bar"], s["traps"]["accesses"])


def wrap(line, indent="  "):
    return wrap_text(line, indent, "  ")


def pct(c):
    """The change B/A - 1; as a factor once it is 2x or more either way,
    where "+1714.8%" reads worse than "18.1x"."""
    if c["change_pct"] is None:
        return "-"
    r = c["ratio"]
    if r >= 2 or r <= 0.5:
        return f"{r:.1f}x" if r >= 2 else f"{r:.2f}x"
    return f"{c['change_pct']:+.1f}%"


def ratio_ci(c):
    if c["ratio_ci95"] is None:
        return "-"
    lo, hi = c["ratio_ci95"]
    return f"[{lo:.3f}, {hi:.3f}]"


def pval(c):
    if c["p"] is None:
        return "-"
    return f"{c['p']:.2g}" if c["p"] >= 1e-4 else "<1e-4"


def verdict(c):
    v = c["verdict"]
    if c["traps_change"] in ("up", "down"):
        v += f", traps {c['traps_change']}"
    return v


def unit_of(doc):
    """The unit of the comparison's clock; wall for a compare.json from
    before clocks were recorded."""
    return unit((doc.get("clock") or {}).get("kind", "wall"))


def icount_note(doc):
    """What the numbers of an icount comparison are, and what hyperfine
    and perf stat's times mean on that clock."""
    note = ("Clock: QEMU icount, shift 0: every value is a count of guest "
            "instructions (exact across boots; blind to MMIO latency, "
            "caches and the cost of QEMU's device emulation).")
    if any((doc.get("hyperfine") or {}).values()) or \
            any((doc.get("perf") or {}).values()):
        note += (" hyperfine and perf stat ran in the guest too: their "
                 "seconds are guest time, so 1 ns is one guest instruction; "
                 "perf's cycle and instruction counters are QEMU's.")
    return note


def by_device(doc):
    for d in doc["devices"]:
        yield d, [c for c in doc["cases"]
                  if c["device"]["address"] == d["address"] and
                  c["device"]["id"] == d["id"]]


def env_lines(doc, a, b):
    """The differences first: they are what can invalidate a comparison."""
    diffs = [e for e in doc["environment"] if e["differs"]]
    lines = []
    for e in diffs:
        lines.append(f"{e['name']}: {a} {' | '.join(e['A'])}; "
                     f"{b} {' | '.join(e['B'])}")
    for v in (a, b):
        for e in doc["environment_within"][v]:
            lines.append(f"{e['name']} differs between {v}'s rounds: "
                         f"{' | '.join(e['values'])}")
    return lines


def same_env(doc):
    """What both variants share, as "kernel 6.12..., x86_64, ...": what a
    reader needs to know about the machine before the numbers."""
    env = {e["name"]: e["A"][0] for e in doc["environment"]
           if not e["differs"] and len(e["A"]) == 1}
    parts = [f"kernel {env['kernel_release']}" if "kernel_release" in env
             else None, env.get("arch"),
             f"page size {env['page_size']}" if "page_size" in env else None,
             f"barbench {env['tool version']}" if "tool version" in env
             else None]
    return ", ".join(p for p in parts if p)


def summary_lines(doc):
    a, b = doc["baseline"], doc["candidate"]
    s = doc["summary"]
    order = ["worse", "better", "no significant change"]
    parts = [f"{s['verdicts'][v]} {v}" for v in order if v in s["verdicts"]]
    parts += [f"{n} {v}" for v, n in sorted(s["verdicts"].items())
              if v not in order]
    lines = [f"{len(doc['cases'])} cases: " + ", ".join(parts)]
    if s["traps"]:
        lines.append("trap fractions: " + ", ".join(
            f"{n} {d}" for d, n in sorted(s["traps"].items(),
                                          reverse=True)) +
            f" under {b}; every other case traps as under {a}")
    else:
        lines.append("trap fractions: the same in every case")
    for v in (a, b):
        d = s["drift"][v]
        if d:
            lines.append(f"drift under {v}: a case's round medians differ "
                         f"by {100 * (d['median'] - 1):.1f}% (median over "
                         f"{d['cases']} cases), at most "
                         f"{100 * (d['max'] - 1):.0f}%")
    return lines


# ---- report.md -----------------------------------------------------------

def report_md(doc, extras, warnings, charts):
    a, b = doc["baseline"], doc["candidate"]
    cfg = doc["config"]
    env = same_env(doc)
    L = [f"# vfio-barbench: {b} against {a}", ""]
    if env:
        L += [f"{env[0].upper()}{env[1:]}.", ""]
    L += [f"Folder `{doc['rundir']}`; rounds: {a} "
          f"{', '.join(doc['rounds'][a])}, {b} "
          f"{', '.join(doc['rounds'][b])}. "
          f"A = {a}, B = {b}; ratios and changes are B/A.", ""]
    L += ["## Summary", ""] + [f"- {l}" for l in summary_lines(doc)] + [""]
    worst = sorted((c for c in doc["cases"] if c["verdict"] == "worse"),
                   key=lambda c: -c["ratio"])
    if worst:
        L += [f"Largest slowdowns under {b}:", ""]
        L += md_table(["device", "place", "register", "offset", "op", "w",
                       "path", "ratio", "traps A", "traps B"],
                      [[c["device"]["address"], c["place"],
                        c["register"] or "-", f"0x{c['offset']:04x}",
                        c["op"], c["width"], c["path"],
                        f"{c['ratio']:.2f}x", traps_text(c["A"]),
                        traps_text(c["B"])] for c in worst[:10]],
                      right={7, 8, 9})
        L.append("")
    L += ["## Environment", ""]
    diffs = env_lines(doc, a, b)
    if diffs:
        L += ["**Differences:**", ""] + [f"- {d}" for d in diffs] + [""]
    else:
        L += ["No differences between the variants' runs in kernel "
              "release, cmdline, page size, arch, CPU model, device ids or "
              "barbench version.", ""]
    name = lambda e: f"**{e['name']}**" if e["differs"] else \
        f"{e['name']} (differs by design)" if e["expected"] and \
        e["A"] != e["B"] else e["name"]
    L += md_table(["", a, b],
                  [[name(e),
                    "<br>".join(e["A"]), "<br>".join(e["B"])]
                   for e in doc["environment"]])
    L.append("")
    if warnings:
        L += ["## Warnings", ""] + [f"- {w}" for w in warnings] + [""]
    if unit_of(doc).clock == "icount":
        L += [icount_note(doc), ""]
    L += ["## Method", "",
          f"Medians in {unit_of(doc).per_access}, each variant's raw samples "
          f"pooled over "
          f"its rounds, with bootstrap 95% CIs ({cfg['resamples']} "
          f"resamples, seed {cfg['seed']}); the ratio CI resamples both "
          f"sides. p: two-sided Mann-Whitney U (normal approximation, tie "
          f"and continuity corrected); mark `*` p < 0.05, `**` p < 0.01. "
          f"Verdict better/worse when p < {cfg['alpha']:g}, the ratio CI "
          f"excludes 1 and the change is at least "
          f"{100 * cfg['min_effect']:g}%"
          + ("; with two or more rounds a side, also in every round (else "
             "\"rounds disagree\": drift, not the variant)"
             if cfg["rounds_must_agree"] else "") +
          ". Traps: accesses of the counting pass that trapped into the "
          "kernel through the device fd, trapped/all, summed over rounds "
          "(exact counts).", ""]
    head = ["place", "register", "offset", "op", "w", "path",
            f"{a} (A) [CI]", f"{b} (B) [CI]", "change", "ratio CI", "p",
            "", "traps A", "traps B", "verdict"]
    for d, cases in by_device(doc):
        L += [f"## {d['address']} {d['id']}", ""]
        if f"medians-{slug(d)}" in charts:
            L += [f"![medians {d['address']}](charts/medians-{slug(d)}.png)",
                  ""]
        L += md_table(head, [[c["place"], c["register"] or "-",
                              f"0x{c['offset']:04x}", c["op"], c["width"],
                              c["path"], med_ci(c["A"]), med_ci(c["B"]),
                              pct(c), ratio_ci(c), pval(c), c["mark"],
                              traps_text(c["A"]), traps_text(c["B"]),
                              verdict(c)] for c in cases],
                      right={6, 7, 8, 10, 12, 13})
        L.append("")
        if f"distributions-{slug(d)}" in charts:
            L += [f"![distributions {d['address']}](charts/distributions-"
                  f"{slug(d)}.png)", ""]
        L += drift_md(doc, cases)
    if "traps-vmm" in charts:
        L += ["## Traps on the vmm path", "",
              "![trap fractions](charts/traps-vmm.png)", ""]
    L += vmm_md(doc)
    L += extras_md(extras, a, b)
    if charts:
        L += ["Charts: " + ", ".join(f"[{n}](charts/{n}.svg)"
                                     for n in charts) + " (SVG).", ""]
    return "\n".join(L)


def vmm_md(doc):
    """QEMU as the VFIO client (scripts/compare-report --qemu-runs), beside
    barbench."""
    v = doc.get("vmm")
    if not v or not v["rows"]:
        return []
    a, b = doc["baseline"], doc["candidate"]
    head, body = qemu_client.table(v["rows"], a, b)
    differ = sum(1 for r in v["rows"] if not r["agree"])
    return ["## QEMU as the VFIO client (make vmm)", "",
            f"Debian's QEMU, measured by its trace events and trapcount "
            f"({qemu_client.provenance_line(v)}): trapped/all accesses per "
            f"register under {a} and {b}, beside barbench's vmm:qemu path "
            f"(its counting pass). "
            + ("They agree on every register."
               if not differ else f"**{differ} registers differ.**"), ""] \
        + md_table(head, body, right={6, 7, 8, 9}) + [""]


def vmm_txt(doc):
    v = doc.get("vmm")
    if not v or not v["rows"]:
        return []
    a, b = doc["baseline"], doc["candidate"]
    differ = sum(1 for r in v["rows"] if not r["agree"])
    L = wrap(f"QEMU as the VFIO client (make vmm, "
             f"{qemu_client.provenance_line(v)}): trapped/all accesses, A = {a}, "
             f"B = {b}; " + ("barbench's vmm:qemu agrees on every register"
                             if not differ else
                             f"{differ} registers DIFFER"), indent="")
    return L + qemu_client.txt_tables(v["rows"], a, b)


def drift_md(doc, cases):
    """Per-round medians: drift inside the boot, per case, in a fold."""
    a, b = doc["baseline"], doc["candidate"]
    la, lb = doc["rounds"][a], doc["rounds"][b]
    if max(len(la), len(lb)) < 2:
        return []

    # Columns in the order the harness ran them: A r1, B r1, A r2, ...
    order = [(k, v, r) for r in sorted(set(la) | set(lb),
                                       key=lambda t: (len(t), t))
             for k, v, labels in (("A", a, la), ("B", b, lb))
             if r in labels]

    def median_of(s, label):
        meds = {r["round"]: r["median_ns"] for r in s["rounds"]} if s else {}
        return num(meds.get(label))

    head = ["place", "register", "offset", "op", "w", "path"] + \
        [f"{v} {r}" for _, v, r in order]
    rows = [[c["place"], c["register"] or "-", f"0x{c['offset']:04x}",
             c["op"], c["width"], c["path"]] +
            [median_of(c[k], r) for k, _, r in order] for c in cases]
    return [f"<details><summary>Per-round medians ({unit_of(doc).short}), "
            "in the order the "
            "rounds ran: drift inside the boot</summary>", ""] + \
        md_table(head, rows, right=set(range(6, len(head)))) + \
        ["", "</details>", ""]


def file_label(name, prefix):
    """"perf-round-2.txt" -> "round-2": the harness writes one file per
    round."""
    stem = os.path.splitext(name)[0]
    return stem[len(prefix):].lstrip("-_") or stem


def extras_md(extras, a, b):
    """hyperfine and perf stat, one table per variant and tool; perf's
    rounds side by side, since the same counters repeat in each."""
    L = []
    sec = fmt_seconds
    for v in (a, b):
        hf, perf = extras[v]["hyperfine"], extras[v]["perf"]
        if hf:
            L += [f"## hyperfine: {v}", ""]
            L += md_table(["file", "command", "mean ± σ", "median",
                           "min … max", "runs"],
                          [[file_label(r["file"], "hyperfine"),
                            f"`{r['command']}`",
                            f"{sec(r['mean_s'])} ± "
                            f"{sec(r['stddev_s'], r['mean_s'])}",
                            sec(r["median_s"]),
                            f"{sec(r['min_s'])} … {sec(r['max_s'])}",
                            r["runs"]] for r in hf], right={2, 3, 4, 5})
            L.append("")
        if perf:
            files = list(perf)
            events = []
            for rows in perf.values():
                for r in rows:
                    if (r["event"], r["unit"]) not in events:
                        events.append((r["event"], r["unit"]))

            def value(f, ev):
                r = next((r for r in perf[f]
                          if (r["event"], r["unit"]) == ev), None)
                if r is None:
                    return "-"
                text = fmt_count(r["value"], r.get("text"))
                if r["variance_pct"] is not None:
                    text += f" ±{r['variance_pct']:g}%"
                return text

            L += [f"## perf stat: {v}", ""]
            L += md_table(["event", "unit"] +
                          [file_label(f, "perf") for f in files],
                          [[ev, unit or "-"] + [value(f, (ev, unit))
                                               for f in files]
                           for ev, unit in events],
                          right=set(range(2, 2 + len(files))))
            L.append("")
    return L


# ---- report.txt ----------------------------------------------------------

# report.txt's short names of the longer vmm:* paths, to stay under 80
# columns; a legend line says what they stand for.
SHORT_PATHS = {"vmm:cloud-hypervisor": "vmm:ch",
               "vmm:qemu-relocation": "vmm:qemu-r"}


def short_path(p):
    return SHORT_PATHS.get(p, p)


def path_legend(cases):
    used = sorted({c["path"] for c in cases} & set(SHORT_PATHS))
    if not used:
        return []
    return wrap("paths: " + ", ".join(f"{SHORT_PATHS[p]} = {p}"
                                      for p in used))


def narrow(head, rows):
    """The per-device table under 80 columns if it can be: ops shortened
    to r/w, then variant names to A/B, then registers to 10 characters."""
    def shorten_ops():
        head[3] = "o"
        for r in rows:
            r[3] = r[3][0]

    def shorten_names():
        head[6], head[7] = "A", "B"

    def shorten_registers():
        for r in rows:
            r[1] = r[1][:10]

    table = txt_table(head, rows, right={6, 7, 8})
    for step in (shorten_ops, shorten_names, shorten_registers):
        if max(len(line) for line in table) <= 79:
            break
        step()
        table = txt_table(head, rows, right={6, 7, 8})
    return table


def report_txt(doc):
    a, b = doc["baseline"], doc["candidate"]
    env = same_env(doc)
    L = wrap(f"vfio-barbench: {b} (B) against {a} (A); rounds: "
             f"{len(doc['rounds'][a])} of {a}, {len(doc['rounds'][b])} of "
             f"{b}", indent="")
    if env:
        L += wrap(env)
    for line in env_lines(doc, a, b):
        L += wrap(f"DIFFERS: {line}")
    cfg = doc["config"]
    rounds = ", or the rounds disagree" if cfg["rounds_must_agree"] else ""
    if unit_of(doc).clock == "icount":
        L += wrap(icount_note(doc))
    L += wrap(f"median {unit_of(doc).per_access}, rounds pooled; change = "
              "B/A - 1, in "
              f"(parentheses) when not significant (p >= {cfg['alpha']:g}, "
              f"the 95% CI of B/A includes 1, under "
              f"{100 * cfg['min_effect']:g}%{rounds}); * p<0.05, ** p<0.01 "
              "(Mann-Whitney U); refused: the kernel refused the mmap")
    L.append("")
    for line in summary_lines(doc):
        L += wrap(line)
    L += path_legend(doc["cases"])
    L.append("")
    for d, cases in by_device(doc):
        rows = []
        for c in cases:
            change = ""
            if c["status"] == "compared":
                change = pct(c) if c["significant"] else f"({pct(c)})"
            rows.append([c["place"], c["register"] or "-",
                         f"0x{c['offset']:04x}", c["op"], c["width"],
                         short_path(c["path"]), short_cost(c["A"]),
                         short_cost(c["B"]),
                         change, c["mark"]])
        head = ["place", "register", "offset", "op", "w", "path",
                a, b, "change", ""]
        L += [f"{d['address']} {d['id']}"] + narrow(head, rows) + [""]
    changed = [c for c in doc["cases"]
               if c["traps_change"] in ("up", "down")]
    if changed:
        L.append("trapped/all accesses, counting pass (exact), where they "
                 "changed:")
        L += txt_table(["device", "place", "offset", "op", "w", "path", a,
                        b],
                       [[c["device"]["address"], c["place"],
                         f"0x{c['offset']:04x}", c["op"], c["width"],
                         short_path(c["path"]), traps_text(c["A"]),
                         traps_text(c["B"])]
                        for c in changed], right={6, 7})
        L.append("")
    else:
        L += ["trapped/all accesses: the same in every case under both "
              "variants.", ""]
    L += vmm_txt(doc)
    return "\n".join(L)
