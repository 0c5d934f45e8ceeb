#!/usr/bin/env bash
# The microbenchmarks (bench/Benchmarks, ordo-one/benchmark), and a one-line-per-benchmark summary.
#
#   bench/micro.sh [--filter REGEX]        e.g. --filter 'JWT verify.*'
#
# Builds the benchmark package in release into bench/Benchmarks/.build (the first build takes
# ~15 minutes on 2 cores), runs it, writes the tool's full markdown to
# bench/results/micro-latest.md and the summary to bench/results/micro-latest.txt.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

filter=()
while [ $# -gt 0 ]; do
    case $1 in
        --filter) filter=(--filter "$2"); shift 2 ;;
        -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done
command -v swift >/dev/null || die "swift is not installed"
mkdir -p "$bench_dir/results"
raw=$bench_dir/results/micro-latest.md
log "machine: $(nproc) CPUs, $(cpu_model), load average $(load_average)"
(cd "$repo_root" && swift package --package-path bench/Benchmarks --scratch-path bench/Benchmarks/.build \
    --allow-writing-to-package-directory benchmark --format markdown --no-progress "${filter[@]}") >"$raw.tmp"
# The plugin prints two notes into its output on Linux with Swift 6.3 (the runtime interposer,
# used only for ARC metrics, is not built: see bench/Benchmarks/Package.swift); they go to stderr,
# the markdown to $raw.
notes='Warning: running with the Swift runtime interposer|^Note: skipping LD_PRELOAD'
grep -E "$notes" "$raw.tmp" | sed 's/\x1b\[[0-9;]*m//g' >&2 || true
grep -vE "$notes" "$raw.tmp" >"$raw"
rm -f "$raw.tmp"
{
    echo "microbenchmarks $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(cpu_model), load average $(load_average), gateway $(git -C "$repo_root" rev-parse --short HEAD)$(git -C "$repo_root" diff --quiet HEAD -- Sources Package.swift || echo ' with uncommitted changes under Sources/')"
    echo
    python3 "$bench_dir/lib/micro_summary.py" "$raw"
} | tee "$bench_dir/results/micro-latest.txt"
