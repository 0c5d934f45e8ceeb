#!/usr/bin/env bash
# Allocation guards (issue 11): the mallocs of a whole proxied request through an in-process
# gateway, checked against the figures recorded in bench/Benchmarks/Thresholds/.
#
#   bench/alloc-guard.sh            run the 'Proxied request allocations' benchmarks and check them
#   bench/alloc-guard.sh --update   record today's figures as the new thresholds (after a change
#                                   that lowered them on purpose; commit the files it rewrites)
#
# Exit status: 0 every row within its tolerance; 2 a row allocates more than recorded (a
# regression: it fails loudly); 4 rows allocate fewer than recorded by more than the tolerance
# (an improvement: run --update and commit); 1 the benchmark or the check itself failed.
# Allocation counts do not depend on the machine's load, so this check is meaningful on the
# shared machine, unlike timings.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

operation=check
case ${1:-} in
    "") ;;
    --update) operation=update ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
esac
command -v swift >/dev/null || die "swift is not installed"
thresholds=$bench_dir/Benchmarks/Thresholds
filter='Proxied request allocations.*'
log "machine: $(nproc) CPUs, $(cpu_model), load average $(load_average)"
tmp_dir=$(mktemp -d /tmp/gateway-alloc-guard.XXXXXX)
trap 'rm -rf "$tmp_dir"' EXIT

if [ "$operation" = check ]; then
    # ordo-one/benchmark 1.38.1 writes a threshold file under the benchmark's name with every
    # space and "/" made "_" (`thresholds update`), but `thresholds check` looks the file up under
    # the name as it is, spaces and all, finds none and fails ("Could not find any matching
    # absolute thresholds"). So the committed files keep the names the tool writes, and are
    # copied for the check under the names it reads ("_" back to " ": these rows' names have no
    # "_" or "/" of their own).
    path=$tmp_dir/thresholds
    mkdir -p "$path"
    count=0
    for file in "$thresholds"/*.p90.json; do
        [ -e "$file" ] || continue
        name=$(basename "$file")
        cp "$file" "$path/${name//_/ }"
        count=$((count + 1))
    done
    [ "$count" -gt 0 ] || die "no thresholds in $thresholds: record them with bench/alloc-guard.sh --update"
    log "checking against the $count figures recorded in $thresholds"
else
    path=$thresholds
fi

output=$tmp_dir/output.txt
status=0
(cd "$repo_root" && swift package --package-path bench/Benchmarks --scratch-path bench/Benchmarks/.build \
    --allow-writing-to-package-directory benchmark thresholds $operation --filter "$filter" \
    --path "$path" --no-progress) >"$output" 2>&1 || status=$?
sed 's/\x1b\[[0-9;]*m//g' "$output"

if [ "$operation" = update ]; then
    [ "$status" = 0 ] || die "the benchmark failed (status $status)"
    # The tool records every metric's p90; only the allocation count is a guard (a wall-clock
    # figure on a shared machine is not).
    for file in "$thresholds"/*.p90.json; do
        python3 - "$file" <<'EOF'
import json, sys
path = sys.argv[1]
values = json.load(open(path))
json.dump({k: v for k, v in values.items() if k == "mallocCountTotal"}, open(path, "w"), indent=2, sort_keys=True)
open(path, "a").write("\n")
EOF
    done
    log "thresholds recorded in $thresholds (mallocs per sample of 1,000 requests, p90); commit them"
    exit 0
fi

# The plugin ends with status 1 whatever went wrong (it rethrows its tool's exit code as an
# error), so the outcome is read from what it printed.
if grep -q 'Could not find any matching absolute thresholds' "$output"; then
    log "allocation guards: the check found no threshold file for these rows in $thresholds"
    exit 1
elif grep -qE 'benchmarkThresholdRegression|is WORSE than the defined thresholds' "$output"; then
    log "allocation guards: REGRESSION: a proxied request allocates more than recorded in $thresholds" \
        "(see 'Deviations worse than threshold' above)"
    exit 2
elif grep -qE 'benchmarkThresholdImprovement|is BETTER than the defined thresholds' "$output"; then
    log "allocation guards: a row allocates less than recorded: run bench/alloc-guard.sh --update and commit"
    exit 4
elif [ "$status" = 0 ]; then
    log "allocation guards: every row within its tolerance (2 allocations per request)"
    exit 0
else
    log "allocation guards: the benchmark failed (status $status): see above"
    exit 1
fi
