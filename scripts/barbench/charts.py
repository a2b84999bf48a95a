"""Charts of scripts/compare-report, drawn by gnuplot (Debian: gnuplot-nox) as PNG
(pngcairo, to look at) and SVG (to publish).

  medians-DEV        per register and op (width 4 B, or the widest there
                     is), per path and variant: the median cost with its
                     bootstrap 95% CI, log scale since a trap costs 10-30x
                     a direct access
  traps-vmm          per device and place, the share of the vmm path's
                     accesses that trapped, per variant (exact counts)
  distributions-DEV  box-and-whisker plots of the raw samples of one read
                     on the MSI-X table's page and one elsewhere, per path
                     and variant: the whole distribution, not only the
                     median, for the cases a kernel change moves

Why gnuplot and not matplotlib: the project takes no Python packages
beyond the standard library, and gnuplot is one Debian package.  Each
chart is one gnuplot script run once, writing both formats to temporary
names that are renamed when gnuplot succeeds.
"""
import math
import os
import subprocess
import tempfile

from barbench import load, matrix, runs
from barbench.render import page_label, unit

PAGE_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"]
PATH_COLOURS = {"mmap": "#1b9e77", "fd": "#d95f02", "vmm": "#7570b3",
                "vmm:qemu": "#7570b3", "vmm:qemu-relocation": "#e6ab02",
                "vmm:cloud-hypervisor": "#e7298a",
                "vmm:dpdk": "#66a61e", "vmm:crosvm": "#a6761d"}
FORMATS = [("png", "pngcairo noenhanced size 1280,640 font 'sans,10'"),
           ("svg", "svg noenhanced size 1280,640 dynamic font 'sans,10'")]


class ChartError(Exception):
    pass


def slug(address):
    return address.replace(":", "_").replace(".", "_")


def q(text):
    """A gnuplot string literal; double quotes, so that a newline in a tic
    label becomes \\n (gnuplot's single quotes take no escapes)."""
    esc = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + esc.replace("\n", "\\n") + '"'


def fill(variant_index):
    """Variant A solid, variant B hatched: tells them apart in grey too."""
    return "fs solid 0.85 border lc 'black'" if variant_index == 0 else \
        "fs pattern 2 border lc 'black'"


def device_cases(doc, d):
    return [c for c in doc["cases"] if c["device"]["address"] == d["address"]
            and c["device"]["id"] == d["id"]]


def categories(cases):
    """(place, offset, op) groups in report order, each with the width
    shown: 4 bytes where measured, else the widest."""
    groups = {}
    for c in cases:
        groups.setdefault((c["place"], c["offset"], c["op"]), []).append(c)
    out = []
    for key, cs in groups.items():
        widths = {c["width"] for c in cs}
        w = 4 if 4 in widths else max(widths)
        out.append((key, w, {c["path"]: c for c in cs if c["width"] == w}))
    return out


def log_tics(lo, hi):
    """Tics at 1, 2 and 5 times the powers of ten, labelled in plain ns:
    gnuplot's own log tics label only the powers of ten."""
    tics, decade = [], 10 ** math.floor(math.log10(max(lo, 1e-9)))
    while decade <= hi:
        tics += [m * decade for m in (1, 2, 5) if lo <= m * decade <= hi]
        decade *= 10
    return "set ytics (" + ", ".join(f"'{t:g}' {t:g}" for t in tics) + ")"


def per_access(doc):
    """The y unit of a compare.json's or matrix.json's charts."""
    return unit((doc.get("clock") or {}).get("kind", "wall")).per_access


def log_axes(title, lo, hi, what="ns per access"):
    """Title and a log y axis with headroom around [lo, hi]."""
    return [f"set title {q(title)} offset 0,1",
            "set logscale y", log_tics(lo / 1.6, hi * 1.6),
            f"set yrange [{lo / 1.6}:{hi * 1.6}]",
            f"set ylabel {q(what + ' (log scale)')}"]


def error_boxes(data, offset, col, width, colour, variant_index, title):
    """One series of boxes with error bars: the median in column `col`,
    its CI in the next two, each box shifted by `offset` from its x."""
    return (f"{q(data)} using ($1+{offset:.3f}):{col}:{col + 1}:{col + 2}:"
            f"({width}) with boxerrorbars lc '{colour}' "
            f"{fill(variant_index)} title {q(title)}")


def place_separators(cats):
    """Dashed lines between places and the place names above them."""
    lines, start = [], 0
    for i in range(1, len(cats) + 1):
        if i == len(cats) or cats[i][0][0] != cats[start][0][0]:
            if i < len(cats):
                lines.append(f"set arrow from {i - 0.5}, graph 0 to "
                             f"{i - 0.5}, graph 1 nohead dt 2 lc 'grey40'")
            lines.append(f"set label {q(cats[start][0][0])} at "
                         f"{(start + i - 1) / 2}, graph 1.03 center "
                         f"font ',10'")
            start = i
    return lines


def medians_chart(doc, d, tmp):
    a, b = doc["baseline"], doc["candidate"]
    cats = categories(device_cases(doc, d))
    paths_seen = load.present_paths(device_cases(doc, d))
    series = [(p, vi, v) for p in paths_seen for vi, v in enumerate((a, b))]
    data, labels, values = [], [], []
    for i, ((place, off, op), w, paths) in enumerate(cats):
        row = [str(i)]
        for p, vi, v in series:
            s = (paths.get(p) or {}).get("AB"[vi])
            if s and s["median_ns"] is not None and s["ci95_ns"]:
                row += [f"{s['median_ns']:.3f}", f"{s['ci95_ns'][0]:.3f}",
                        f"{s['ci95_ns'][1]:.3f}"]
                values += [s["ci95_ns"][0], s["ci95_ns"][1]]
            else:
                row += ["NaN"] * 3
                if s and s["skipped"]:
                    labels.append((i, p, vi))
        data.append(" ".join(row))
    if not values:
        return None
    path = os.path.join(tmp, f"medians-{slug(d['address'])}.dat")
    with open(path, "w") as f:
        f.write("\n".join(data) + "\n")
    step = 0.13
    off = lambda k: (k - (len(series) - 1) / 2) * step
    reg = lambda c: next(iter(c.values()))["register"]
    xtics = ", ".join(
        f"{q((reg(paths) or hex(o)) + chr(10) + op + ' ' + str(w) + ' B')} "
        f"{i}" for i, ((pl, o, op), w, paths) in enumerate(cats))
    lo, hi = min(values), max(values)
    title = (f"{d['address']} {d['id']}: median cost per access with "
             f"its 95% CI ({a} solid, {b} hatched)")
    body = log_axes(title, lo, hi, per_access(doc)) + [
        "set xlabel 'register (or offset), op and width, grouped by place' "
        "offset 0,-0.8",
        f"set xrange [-0.6:{len(cats) - 0.4}]",
        f"set xtics ({xtics}) nomirror font ',9'",
        "set grid ytics lc 'grey85'",
        "set key below horizontal maxrows 1 width 2",
        "set datafile missing 'NaN'",
        f"set boxwidth {step * 0.9}", "set errorbars 0.5",
        "set tmargin 4", "set bmargin 7",
    ] + place_separators(cats)
    for i, p, vi in labels:
        k = series.index((p, vi, (a, b)[vi]))
        body.append(f"set label 'not mappable' at {i + off(k)}, graph 0.02 "
                    f"rotate by 90 left font ',8' tc '{PATH_COLOURS[p]}'")
    plots = []
    for k, (p, vi, v) in enumerate(series):
        col = 2 + 3 * k
        plots.append(error_boxes(path, off(k), col, step * 0.9,
                                 PATH_COLOURS[p], vi, p + ' ' + v))
    body.append("plot " + ", \\\n     ".join(plots))
    return body


def traps_chart(doc, tmp):
    """Per device and place, vmm path, trapped/all summed over the place's
    cases and the rounds."""
    a, b = doc["baseline"], doc["candidate"]
    groups = {}
    vmm = load.headline_vmm(load.present_paths(doc["cases"]))
    for c in doc["cases"]:
        if c["path"] != vmm:
            continue
        g = groups.setdefault((c["device"]["address"], c["place"]),
                              [[0, 0], [0, 0]])
        for vi, k in enumerate("AB"):
            t = (c[k] or {}).get("traps")
            if t:
                g[vi][0] += t["bar"]
                g[vi][1] += t["accesses"]
    keys = [k for k in groups if groups[k][0][1] or groups[k][1][1]]
    if not keys:
        return None
    order = {p: i for i, p in enumerate(runs.PLACE_ORDER)}
    keys.sort(key=lambda k: (k[0], order.get(k[1], 9)))
    path = os.path.join(tmp, "traps.dat")
    rows = []
    for i, k in enumerate(keys):
        row = [str(i)]
        for n, total in groups[k]:
            row += [f"{100 * n / total:.4f}" if total else "NaN",
                    f"{n}/{total}" if total else "-"]
        rows.append(" ".join(row))
    with open(path, "w") as f:
        f.write("\n".join(rows) + "\n")
    xtics = ", ".join(f"{q(p + chr(10) + addr)} {i}"
                      for i, (addr, p) in enumerate(keys))
    between = [f"set arrow from {i - 0.5}, graph 0 to {i - 0.5}, graph 1 "
               "nohead dt 2 lc 'grey40'"
               for i in range(1, len(keys)) if keys[i][0] != keys[i - 1][0]]
    body = between + [
        "set title 'vmm path: accesses that trapped into the kernel (exact "
        "counts of the counting pass, summed over a place''s cases and the "
        "rounds)'",
        "set ylabel '% of the vmm path''s accesses that trapped'",
        "set xlabel 'place and device' offset 0,-0.8", "set bmargin 5",
        "set yrange [0:115]", "set ytics 0,20,100",
        f"set xrange [-0.6:{len(keys) - 0.4}]",
        f"set xtics ({xtics}) nomirror",
        "set grid ytics lc 'grey85'", "set key top left",
        "set datafile missing 'NaN'", "set boxwidth 0.35",
        "plot " + ", \\\n     ".join([
            f"{q(path)} using ($1-0.18):2 with boxes lc '#1f78b4' {fill(0)} "
            f"title {q(a)}",
            f"{q(path)} using ($1+0.18):4 with boxes lc '#e31a1c' {fill(1)} "
            f"title {q(b)}",
            f"{q(path)} using ($1-0.18):($2+3):3 with labels font ',8' "
            "notitle",
            f"{q(path)} using ($1+0.18):($4+3):5 with labels font ',8' "
            "notitle"]),
    ]
    return body


def representative(pooled, place):
    """The read of the lowest offset in `place`, 4 bytes if measured."""
    cands = [p for p in pooled.values() if p.place == place and
             p.key[5] == "read"]
    if not cands:
        return None
    off = min(p.key[3] for p in cands)
    widths = {p.key[6] for p in cands if p.key[3] == off}
    w = 4 if 4 in widths else max(widths)
    return off, w


def distributions_chart(doc, pooled_a, pooled_b, d, tmp):
    a, b = doc["baseline"], doc["candidate"]
    mine = lambda pooled: {k: p for k, p in pooled.items()
                           if k[:2] == (d["id"], d["address"])}
    pooled_a, pooled_b = mine(pooled_a), mine(pooled_b)
    panels = []
    for place in ("table-page", "other"):
        rep = representative({**pooled_b, **pooled_a}, place)
        if rep:
            panels.append((place, rep))
    if not panels:
        return None
    title = (f"{d['address']} {d['id']}: raw samples, {per_access(doc)} "
             f"(box: quartiles and median, whiskers: 1.5 IQR, dots: "
             f"outliers; {a} solid, {b} hatched)")
    body = [f"set multiplot layout 1,{len(panels)} title {q(title)}",
            "set logscale y", "set bmargin 4",
            f"set ylabel {q(per_access(doc) + ' (log scale)')}",
            "set grid ytics lc 'grey85'",
            "set style boxplot outliers pointtype 7",
            "set pointsize 0.25", "set boxwidth 0.7", "set key off",
            "set bars 0.5"]
    for pi, (place, (off, w)) in enumerate(panels):
        plots, tics, labels, values = [], [], [], []
        x = 0
        for p in load.PATHS:
            if not any(k[3:] == (off, p, "read", w)
                       for k in list(pooled_a) + list(pooled_b)):
                continue
            for vi, (v, pooled) in enumerate(((a, pooled_a), (b, pooled_b))):
                x += 1
                key = next((k for k in pooled
                            if k[3:] == (off, p, "read", w)), None)
                s = pooled.get(key) if key else None
                tics.append(f"{q(p + chr(10) + v)} {x}")
                if s is None or not s.usable:
                    labels.append(f"set label 'not mappable' at {x}, graph "
                                  f"0.03 rotate by 90 left font ',8' tc "
                                  f"'{PATH_COLOURS[p]}'")
                    continue
                f = os.path.join(tmp, f"raw-{slug(d['address'])}-{pi}-{x}")
                with open(f, "w") as fh:
                    fh.write("\n".join(f"{v_:.3f}" for v_ in s.raw) + "\n")
                values += [min(s.raw), max(s.raw)]
                plots.append(f"{q(f)} using ({x}):1 with boxplot lc "
                             f"'{PATH_COLOURS[p]}' {fill(vi)}")
            x += 0.5
        if not plots:
            continue
        reg = next((p.register for p in {**pooled_b, **pooled_a}.values()
                    if p.key[3] == off and p.register), None)
        what = f"{place}: {reg or f'0x{off:04x}'} read {w} B"
        body += [f"set title {q(what)}",
                 f"set xrange [0.3:{x + 0.2}]",
                 f"set yrange [{min(values) / 1.5}:{max(values) * 1.5}]",
                 log_tics(min(values) / 1.5, max(values) * 1.5),
                 f"set xtics ({', '.join(tics)}) nomirror",
                 "unset label"] + labels
        body.append("plot " + ", \\\n     ".join(plots))
    body.append("unset multiplot")
    return body


def render(name, body, outdir, tmp):
    """Run gnuplot once for both formats; rename the outputs into place."""
    script = []
    outs = []
    for ext, term in FORMATS:
        out = os.path.join(outdir, f"{name}.{ext}")
        part = f"{out}.tmp.{os.getpid()}"
        outs.append((part, out))
        script += ["reset", f"set terminal {term}", f"set output {q(part)}"]
        script += body + ["unset output"]
    path = os.path.join(tmp, f"{name}.gp")
    with open(path, "w") as f:
        f.write("\n".join(script) + "\n")
    try:
        p = subprocess.run(["gnuplot", path], capture_output=True, text=True,
                           timeout=120)
    except FileNotFoundError:
        raise ChartError("gnuplot not found on PATH; install it (Debian: "
                         "apt-get install gnuplot-nox) or pass --no-charts")
    except subprocess.TimeoutExpired:
        raise ChartError(f"gnuplot took over 120 s on {name}")
    try:
        if p.returncode != 0 or not all(os.path.getsize(t) for t, _ in outs):
            raise ChartError(f"gnuplot failed on {name} (status "
                             f"{p.returncode}): {p.stderr.strip()[-800:]}")
        for part, out in outs:
            os.replace(part, out)
    except OSError as e:
        raise ChartError(f"gnuplot wrote no {name}: {e}")
    finally:
        for part, _ in outs:
            if os.path.exists(part):
                os.unlink(part)


def draw(doc, variants, outdir):
    """Every chart of a comparison into outdir; their names."""
    os.makedirs(outdir, exist_ok=True)
    a, b = doc["baseline"], doc["candidate"]
    pooled_a, pooled_b = runs.pool(variants[a]), runs.pool(variants[b])
    drawn = []
    with tempfile.TemporaryDirectory(prefix="compare-charts.") as tmp:
        for d in doc["devices"]:
            for name, body in (
                    (f"medians-{slug(d['address'])}",
                     medians_chart(doc, d, tmp)),
                    (f"distributions-{slug(d['address'])}",
                     distributions_chart(doc, pooled_a, pooled_b, d, tmp))):
                if body:
                    render(name, body, outdir, tmp)
                    drawn.append(name)
        body = traps_chart(doc, tmp)
        if body:
            render("traps-vmm", body, outdir, tmp)
            drawn.append("traps-vmm")
    return drawn


# ---- scripts/matrix ------------------------------------------------------

def vmm_chart(doc, inputs, tmp):
    """Per register of the headline device (the 4-byte read, or the
    widest), the vmm path's median with its CI: A solid, B hatched, one
    colour per page size."""
    dev = doc["headline"]["device"]
    a, b = doc["variants"]["A"], doc["variants"]["B"]
    keys = [k for k in matrix.shown_keys(inputs, False)
            if k[0] == dev and k[3] == doc["headline"]["path"]]
    rows = [r for r in matrix.rows_of(inputs, keys)]
    if not rows:
        return None
    series = [(pi, vi) for pi in range(len(inputs)) for vi in range(2)]
    data, values = [], []
    for i, r in enumerate(rows):
        line = [str(i)]
        for pi, vi in series:
            s = r["cells"][pi]["AB"[vi]]
            m = s["median_ns"]
            if m is None:
                line += ["NaN"] * 3
                continue
            lo, hi = s["ci95_ns"] or (m, m)
            line += [f"{m:.3f}", f"{lo:.3f}", f"{hi:.3f}"]
            values += [lo, hi]
        data.append(" ".join(line))
    if not values:
        return None
    path = os.path.join(tmp, "vmm.dat")
    with open(path, "w") as f:
        f.write("\n".join(data) + "\n")
    step = 0.8 / len(series)
    off = lambda k: (k - (len(series) - 1) / 2) * step
    tics = ", ".join(
        q(f"{r['register'] or '-'}\n0x{r['offset']:04x} "
                    f"{r['op']} {r['width']} B\n" +
                    " / ".join(c["place"] for c in r["cells"])) + f" {i}"
        for i, r in enumerate(rows))
    lo, hi = min(values), max(values)
    name = matrix.DEVICE_NAMES.get(dev, dev)
    sizes = " vs ".join(f"{page_label(p.page_size)} ({p.env['arch'] or '-'})"
                        for p in inputs)
    title = (f"{name} {dev}, vmm path: median {per_access(doc)} with its 95% "
             "CI "
             f"at {sizes}; {a} solid, {b} hatched\nCompare within a page "
             "size only: each page size is its own boot, machine and arch")
    body = log_axes(title, lo, hi, per_access(doc)) + [
        "set xlabel 'register, offset, op and width; place at "
        f"{' / '.join(page_label(p.page_size) for p in inputs)}' "
        "offset 0,-1.5",
        f"set xrange [-0.6:{len(rows) - 0.4}]",
        f"set xtics ({tics}) nomirror font ',9'",
        "set grid ytics lc 'grey85'",
        "set key below horizontal maxrows 1 width 2",
        "set datafile missing 'NaN'",
        f"set boxwidth {step * 0.9}", "set errorbars 0.5",
        "set tmargin 5", "set bmargin 9",
    ]
    plots = []
    for k, (pi, vi) in enumerate(series):
        col = 2 + 3 * k
        colour = PAGE_COLOURS[pi % len(PAGE_COLOURS)]
        label = f"{page_label(inputs[pi].page_size)} {(a, b)[vi]}"
        plots.append(error_boxes(path, off(k), col, step * 0.9, colour, vi,
                                 label))
    body.append("plot " + ", \\\n     ".join(plots))
    return body
