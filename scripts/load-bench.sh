#!/usr/bin/env bash
# Load and fault bench of `rigsize serve` on loopback (issue 12):
#   - peak RSS of one plan request alone (home-office, and the heaviest
#     plan within the caps: 32 "best-that-fits" roles);
#   - POST /api/fit and POST /api/plan (examples/home-office-coding.toml)
#     at 64 connections: req/s, p50, p99;
#   - a hostile flood: oversized (800-role) and heaviest-within-cap plans,
#     plus six 800-role requests at once, while /api/health and /api/fit are
#     measured: their p99, the server's peak RSS, and its RSS 10 s after.
#
#   scripts/load-bench.sh                  # release build
#   CONNS=64 N_FIT=20000 N_PLAN=1500 DURATION=15 FLOOD=20 scripts/load-bench.sh
#   PROFILE=dev scripts/load-bench.sh      # debug build (slower to serve)
#
# Bounded: at most N requests and DURATION seconds per throughput phase,
# FLOOD seconds of flood; the server is stopped on exit. Loopback only.
# Load generator: scripts/load_bench.py (Python 3 standard library).
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS="${CONNS:-64}"
N_FIT="${N_FIT:-20000}"
N_PLAN="${N_PLAN:-1500}"
DURATION="${DURATION:-15}"
FLOOD="${FLOOD:-20}"
PROFILE="${PROFILE:-release}"

if [ "$PROFILE" = release ]; then flag=--release; dir=release; else flag=; dir=debug; fi

echo "== building ($PROFILE)" >&2
cargo build $flag -q -p rigsize-cli

log=$(mktemp)
target/$dir/rigsize serve --bind 127.0.0.1 --port 0 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$log" | head -1)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "${url:-}" ] || { echo "server did not start:" >&2; cat "$log" >&2; exit 1; }
echo "== server $url (pid $pid); $(nproc) CPU cores; $PROFILE build; $CONNS connections" >&2

timeout $((DURATION * 2 + FLOOD + 120)) python3 scripts/load_bench.py --url "$url" --pid "$pid" \
  --conns "$CONNS" --n-fit "$N_FIT" --n-plan "$N_PLAN" --duration "$DURATION" --flood "$FLOOD" ${BENCH_ARGS:-}
