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
# (an improvement: run --update and commit). Allocation counts do not depend on the machine's
# load, so this check is meaningful on the shared machine, unlike timings.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

operation=check
case ${1:-} in
    "") ;;
    --update) operation=update ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
esac
command -v swift >/dev/null || die "swift is not installed"
thresholds=$bench_dir/Benchmarks/Thresholds
filter='Proxied request allocations.*'
log "machine: $(nproc) CPUs, $(cpu_model), load average $(load_average)"
status=0
(cd "$repo_root" && swift package --package-path bench/Benchmarks --scratch-path bench/Benchmarks/.build \
    --allow-writing-to-package-directory benchmark thresholds $operation --filter "$filter" \
    --path "$thresholds" --no-progress) || status=$?
if [ "$operation" = update ]; then
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
    exit "$status"
fi
case $status in
    0) log "allocation guards: every row within its tolerance" ;;
    2) log "allocation guards: REGRESSION: a row allocates more than recorded in $thresholds" ;;
    4) log "allocation guards: a row allocates less than recorded: run bench/alloc-guard.sh --update and commit" ;;
    *) log "allocation guards: the benchmark failed (status $status)" ;;
esac
exit "$status"
