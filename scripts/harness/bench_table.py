#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""gupguard's cost as ratios to the module absent, from one boot's samples.

    bench_table.py [--markdown] [--check] BENCH.TXT...

Each BENCH.TXT line (tests/guest/suite-bench.sh) is one sample:
    ROUND CONFIG MEM PAGES CASE USEC
Within a round every configuration ran once, interleaved, so each sample is
divided by the "absent" sample of its own round; a cell shows the median of
those ratios and their spread (max - min, in percent of the median). Prints
one row per (memory, case, pages per call). With several files (several runs
of the same build), prints each run's table and then how far the runs' medians
are apart, cell by cell. --check exits 1 if any sample is missing.
"""
import argparse
import statistics
import sys
from collections import defaultdict

CONFIG_ORDER = ["off", "enforce.longterm", "enforce.pin", "enforce.get", "audit", "enforce"]
MEM_ORDER = ["anon", "ext4", "odirect"]
CASE_ORDER = ["get_user_pages_fast", "pin_user_pages_fast", "pin_user_pages_fast_longterm",
              "pin_user_pages_longterm", "odirect_read"]


def order(seq, known):
    return sorted(seq, key=lambda x: (known.index(x) if x in known else len(known), x))


def load(path):
    """{(mem, case, pages): {config: {round: usec}}}"""
    cells = defaultdict(lambda: defaultdict(dict))
    with open(path) as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if len(parts) != 6:
                sys.exit(f"{path}:{n}: not 'ROUND CONFIG MEM PAGES CASE USEC': {line!r}")
            rnd, config, mem, pages, case, usec = parts
            cells[(mem, case, int(pages))][config][int(rnd)] = int(usec)
    return cells


def ratios(cells):
    """{(mem, case, pages): {config: (median, spread%, n)}}, and missing samples."""
    out, missing = {}, []
    for key, by_config in cells.items():
        absent = by_config.get("absent", {})
        row = {}
        for config, by_round in by_config.items():
            if config == "absent":
                continue
            rs = [by_round[r] / absent[r] for r in by_round if absent.get(r)]
            if len(rs) != len(by_round) or not rs:
                missing.append(f"{key} {config}")
            if rs:
                med = statistics.median(rs)
                row[config] = (med, 100 * (max(rs) - min(rs)) / med, len(rs))
        out[key] = (statistics.median(absent.values()) if absent else 0, row)
    return out, missing


def table(path, markdown):
    cells = load(path)
    res, missing = ratios(cells)
    configs = order({c for _, row in res.values() for c in row}, CONFIG_ORDER)
    missing += [f"{key} {c}" for key, (_, row) in res.items() for c in configs if c not in row]
    rounds = max((len(v) for by_c in cells.values() for v in by_c.values()), default=0)
    lines = []
    head = ["memory", "case", "pages", "absent (us)"] + configs
    if markdown:
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|")
    else:
        lines.append(" ".join(f"{h:>16}" if i > 2 else f"{h:<{(8, 29, 5)[i]}}" for i, h in enumerate(head)))
    def rank(k):
        return (MEM_ORDER.index(k[0]) if k[0] in MEM_ORDER else 9,
                CASE_ORDER.index(k[1]) if k[1] in CASE_ORDER else 9, k[2])

    for key in sorted(res, key=rank):
        absent, row = res[key]
        vals = [f"{row[c][0]:.3f} ±{row[c][1]:.1f}%" if c in row else "-" for c in configs]
        mem, case, pages = key
        if markdown:
            lines.append("| " + " | ".join([mem, case, str(pages), f"{absent:.0f}"] + vals) + " |")
        else:
            lines.append(f"{mem:<8} {case:<29} {pages:<5} {absent:>16.0f} " +
                         " ".join(f"{v:>16}" for v in vals))
    return lines, res, missing, rounds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    runs, bad = [], False
    for path in a.files:
        lines, res, missing, rounds = table(path, a.markdown)
        print(f"{path}: ratio to gupguard absent, median of {rounds} interleaved rounds "
              "±spread (max-min, % of the median)")
        print("\n".join(lines))
        for m in missing:
            print(f"missing samples: {m}")
        bad |= bool(missing) or not res
        runs.append(res)
    if len(runs) > 1:
        worst = []
        for key, (_, row) in runs[0].items():
            for config, (med, _, _) in row.items():
                other = [r[key][1][config][0] for r in runs[1:] if key in r and config in r[key][1]]
                for o in other:
                    worst.append((100 * abs(o - med) / med, key, config))
        worst.sort(reverse=True)
        if worst:
            diffs = [w[0] for w in worst]
            print(f"between runs: medians differ by {statistics.median(diffs):.2f}% (median cell), "
                  f"{diffs[0]:.2f}% at most ({worst[0][1]}, {worst[0][2]})")
    sys.exit(1 if a.check and bad else 0)


if __name__ == "__main__":
    main()
