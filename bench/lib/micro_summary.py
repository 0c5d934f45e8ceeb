#!/usr/bin/env python3
"""Condenses ordo-one/benchmark's markdown output into one line per benchmark.

    micro_summary.py RAW_MARKDOWN

Per benchmark: the median wall-clock time per operation, the interquartile range, mallocs per
operation and the number of samples. Figures the tool scaled (1,000 operations per sample,
marked `*`) are already per operation.
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


print("| benchmark | p50 µs | p25–p75 µs | mallocs | samples |")
print("|---|---:|---:|---:|---:|")
for name, m in rows:
    wall, unit = m["wall"], m["unit"]
    p25, p50, p75 = (us(wall[i], unit) for i in (1, 2, 3))
    fmt = (lambda v: "%.3f" % v) if p50 < 1 else (lambda v: "%.2f" % v) if p50 < 10 else (lambda v: "%.1f" % v)
    malloc = m.get("malloc", ["-"] * 8)[2]
    print("| %s | %s | %s–%s | %s | %s |" % (name, fmt(p50), fmt(p25), fmt(p75), malloc, wall[7]))
