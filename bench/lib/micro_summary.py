#!/usr/bin/env python3
"""Condenses ordo-one/benchmark's markdown output into one line per benchmark.

    micro_summary.py RAW_MARKDOWN

Per benchmark: the median wall-clock time per operation, the interquartile range, the median
throughput in operations per second, mallocs per operation and the number of samples. Figures the
tool scaled (1,000 operations per sample, marked `*`) are already per operation.

Then, for the whole-request rows (`Proxied request allocations: …`, ProxyAllocations.swift), the
gateway's own allocations per proxied request: each gateway row's median mallocs per request
minus the `direct to upstream (baseline)` row's (the upstream's share, the client making none).
"""
import re
import sys

rows, name, metrics = [], None, {}


def flush():
    if name and "wall" in metrics:
        rows.append((name, metrics))


for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("### "):
        flush()
        name, metrics = line[4:].strip(), {}
        continue
    cells = [c.strip() for c in line.strip("|").split("|")]
    if len(cells) < 9 or not name:
        continue
    label, values = cells[0], cells[1:]
    if label.startswith("Time (wall clock)"):
        metrics["wall"] = values  # p0 p25 p50 p75 p90 p99 p100 samples
        metrics["unit"] = re.search(r"\((\w+)\)", label[len("Time (wall clock)"):]).group(1)
    elif label.startswith("Malloc (total)"):
        metrics["malloc"] = values
flush()


def us(value, unit):
    v = float(value)
    return {"ns": v / 1000, "us": v, "μs": v, "ms": v * 1000, "s": v * 1e6}[unit]


def ops(p50_us):
    """Operations per second at the median time (the tool's own throughput row is the same figure,
    rounded to thousands)."""
    per_second = 1e6 / p50_us
    if per_second >= 1e6:
        return "%.2f M" % (per_second / 1e6)
    if per_second >= 1e5:
        return "%.0f k" % (per_second / 1e3)
    if per_second >= 1e3:
        return "%.1f k" % (per_second / 1e3)
    return "%.0f" % per_second


print("| benchmark | p50 µs | p25–p75 µs | ops/s (p50) | mallocs | samples |")
print("|---|---:|---:|---:|---:|---:|")
for name, m in rows:
    wall, unit = m["wall"], m["unit"]
    p25, p50, p75 = (us(wall[i], unit) for i in (1, 2, 3))
    fmt = (lambda v: "%.3f" % v) if p50 < 1 else (lambda v: "%.2f" % v) if p50 < 10 else (lambda v: "%.1f" % v)
    malloc = m.get("malloc", ["-"] * 8)[2]
    print("| %s | %s | %s–%s | %s | %s | %s |" % (name, fmt(p50), fmt(p25), fmt(p75), ops(p50), malloc, wall[7]))

proxied = {name[len("Proxied request allocations: "):]: m for name, m in rows
           if name.startswith("Proxied request allocations: ") and "malloc" in m}
direct = proxied.pop("direct to upstream (baseline)", None)
if direct and proxied:
    base = float(direct["malloc"][2])
    print()
    print("Allocations per proxied request, the gateway's own (row p50 minus the direct row's p50 = %g:" % base)
    print("the upstream's; the client makes none):")
    print()
    print("| row | mallocs per request, gateway only | p50 / p90 with the upstream's |")
    print("|---|---:|---:|")
    for label, m in proxied.items():
        print("| %s | %g | %s / %s |" % (label, float(m["malloc"][2]) - base, m["malloc"][2], m["malloc"][4]))
