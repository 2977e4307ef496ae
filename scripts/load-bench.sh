#!/usr/bin/env bash
# Load benchmark of `rigsize serve` on loopback: requests/s and p99 latency
# at 64 connections for POST /api/fit and POST /api/plan; fails on any error.
#
#   scripts/load-bench.sh              # release build, oha if installed, else a Python generator
#   N_FIT=20000 N_PLAN=1000 DURATION=20 CONNS=64 scripts/load-bench.sh
#   PROFILE=dev scripts/load-bench.sh  # debug build (faster to build, slower to serve)
#
# Bounded: at most N requests per endpoint and at most DURATION seconds each.
# Load generator: `oha` (cargo install oha) when on PATH or $OHA, else a
# small asyncio generator (Python 3 standard library, keep-alive HTTP/1.1).
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS="${CONNS:-64}"
N_FIT="${N_FIT:-20000}"
N_PLAN="${N_PLAN:-1500}"
DURATION="${DURATION:-20}"
PROFILE="${PROFILE:-release}"

if [ "$PROFILE" = release ]; then flag=--release; dir=release; else flag=; dir=debug; fi

# The server: the rigsize binary if it has `serve`, else the crate's example.
echo "== building ($PROFILE)" >&2
cargo build $flag -q -p rigsize-cli
server=(target/$dir/rigsize serve --port 0)
if ! target/$dir/rigsize serve --help >/dev/null 2>&1; then
  cargo build $flag -q -p rigsize-serve --example serve
  server=(target/$dir/examples/serve 0)
fi

log=$(mktemp)
"${server[@]}" 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$log" | head -1)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "${url:-}" ] || { echo "server did not start:" >&2; cat "$log" >&2; exit 1; }
url="${url%/}"
echo "== server $url (pid $pid)" >&2

FIT_BODY='{"model": "qwen3-coder-30b-a3b", "quant": "q4_k_m", "ctx": 200000, "kv_type": "q8_0", "streams": 3, "hw": "rtx-5090"}'
PLAN_BODY=$(python3 -c 'import json,sys; print(json.dumps({"toml": open("examples/home-office-coding.toml").read()}))')

OHA="${OHA:-$(command -v oha || true)}"

run_oha() { # name path body n
  local out
  out=$("$OHA" -c "$CONNS" -n "$4" -z "${DURATION}s" --no-tui --output-format json \
    -m POST -H 'content-type: application/json' -d "$3" "$url$2")
  python3 - "$1" "$out" <<'EOF'
import json, sys
name, raw = sys.argv[1], sys.argv[2]
r = json.loads(raw)
s = r["summary"]
codes = r.get("statusCodeDistribution", {})
ok = int(codes.get("200", 0))
total = sum(int(v) for v in codes.values())
errors = (total - ok) + sum(int(v) for v in r.get("errorDistribution", {}).values())
p99 = r["latencyPercentiles"]["p99"]
print(f"{name:10s} requests={total:6d} rps={s['requestsPerSec']:9.1f} p50={r['latencyPercentiles']['p50']*1e3:7.2f}ms p99={p99*1e3:7.2f}ms errors={errors}")
sys.exit(1 if errors or ok == 0 else 0)
EOF
}

run_python() { # name path body n
  python3 - "$1" "$url$2" "$3" "$4" "$CONNS" "$DURATION" <<'EOF'
import asyncio, sys, time
from urllib.parse import urlsplit

name, url, body, n, conns, duration = sys.argv[1], sys.argv[2], sys.argv[3].encode(), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
u = urlsplit(url)
req = (f"POST {u.path} HTTP/1.1\r\nHost: {u.netloc}\r\nContent-Type: application/json\r\n"
       f"Content-Length: {len(body)}\r\n\r\n").encode() + body
lat, errors, sent = [], [0], [0]
deadline = time.perf_counter() + duration

async def worker():
    reader, writer = await asyncio.open_connection(u.hostname, u.port)
    while sent[0] < n and time.perf_counter() < deadline:
        sent[0] += 1
        t0 = time.perf_counter()
        try:
            writer.write(req)
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                k, _, v = line.decode().partition(":")
                if k.lower() == "content-length":
                    length = int(v)
            await reader.readexactly(length)
            lat.append(time.perf_counter() - t0)
            if status != 200:
                errors[0] += 1
        except Exception:
            errors[0] += 1
            writer.close()
            reader, writer = await asyncio.open_connection(u.hostname, u.port)
    writer.close()

async def main():
    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conns)))
    return time.perf_counter() - t0

elapsed = asyncio.run(main())
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")
print(f"{name:10s} requests={len(lat) + errors[0]:6d} rps={len(lat) / elapsed:9.1f} p50={pct(0.50)*1e3:7.2f}ms p99={pct(0.99)*1e3:7.2f}ms errors={errors[0]}")
sys.exit(1 if errors[0] or not lat else 0)
EOF
}

if [ -n "$OHA" ]; then gen=run_oha; echo "== load generator: oha ($OHA), $CONNS connections" >&2
else gen=run_python; echo "== load generator: python asyncio (no oha on PATH), $CONNS connections" >&2; fi

# Warm up, and check both answers are 200 before measuring.
curl -fsS -o /dev/null -X POST -H 'content-type: application/json' -d "$FIT_BODY" "$url/api/fit"
curl -fsS -o /dev/null -X POST -H 'content-type: application/json' -d "$PLAN_BODY" "$url/api/plan"

status=0
$gen "/api/fit" "/api/fit" "$FIT_BODY" "$N_FIT" || status=1
$gen "/api/plan" "/api/plan" "$PLAN_BODY" "$N_PLAN" || status=1
echo "== $(nproc) CPU cores; $PROFILE build; plan body: examples/home-office-coding.toml" >&2
exit $status
