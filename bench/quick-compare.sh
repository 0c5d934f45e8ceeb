#!/usr/bin/env bash
# Quick check for a change to the hot path: the gateway's public route against nginx, same
# pinning and interleaving as the full run (it is bench/run.sh with fewer rows).
#   bench/quick-compare.sh [ROUNDS] [SECONDS]
set -euo pipefail
exec "$(cd "$(dirname "$0")" && pwd)/run.sh" --rounds "${1:-3}" --duration "${2:-10}" --warmup 1 \
    --only '^(direct|gw-public|gw-public-noaudit)$'
