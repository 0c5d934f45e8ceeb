#!/usr/bin/env bash
# HTTP2FieldBlockCheck against NIOHTTP2's own header block validation
# (GatewayProxyTests' HTTP2FieldBlockDifferentialTests), for many more generated blocks than
# `swift test` runs (12,000 request blocks and 4,000 trailer blocks), and their counts.
#
#   bench/http2-field-differential.sh [BLOCKS]     default 300000 request blocks (and a third as
#                                                  many trailer blocks); about 5 minutes here
#
# Runs in the debug build `swift test` uses (the tests need NIOHTTP2 and the gateway's proxy
# module, which a release test build would take most of an hour to build on 2 cores). The output:
# each test's counts (blocks judged, refused by NIOHTTP2, disagreements) and the pass or fail line.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
blocks=${1:-300000}
case $blocks in
    '' | *[!0-9]*) echo "usage: $0 [BLOCKS]" >&2; exit 2 ;;
esac
command -v swift >/dev/null || { echo "error: swift is not installed" >&2; exit 1; }
cd "$repo_root"
swift build --build-tests >&2
HTTP2_FIELD_DIFFERENTIAL_BLOCKS=$blocks swift test --skip-build --filter 'GatewayProxyTests\.HTTP2FieldBlockDifferentialTests' 2>&1 \
    | grep -E 'HTTP/2 (request|trailer) blocks|Test run with|✘'
