#!/usr/bin/env python3
"""Load and fault bench of a running `rigsize serve` (loopback only).

Called by scripts/load-bench.sh, which builds and starts the server. Every
phase is bounded in requests and in seconds; the script stops by itself.

Phases:
  1. rss      one heaviest plan within the caps alone: peak RSS per request
  2. fit      POST /api/fit at CONNS connections: req/s, p50, p99
  3. plan     POST /api/plan (examples/home-office-coding.toml) at CONNS
  4. flood    a hostile client floods oversized plans (800 roles) and
              heaviest-within-cap plans (32 ranked roles) while six 800-role
              requests are sent at once and /api/health and /api/fit are
              measured; server peak RSS during, RSS 10 s after.

Python 3 standard library only (asyncio, keep-alive HTTP/1.1).
"""

import argparse
import asyncio
import json
import os
import sys
import time
from urllib.parse import urlsplit


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    """The server's user + system CPU seconds so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def roles_toml(n):
    t = "[budget]\nmax_chf = 15000\n"
    for i in range(n):
        t += f'[[role]]\nname = "r{i}"\nmodels = "best-that-fits"\ncontext = 32768\n'
    return t


class Conn:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, url):
        u = urlsplit(url)
        self.host, self.port, self.netloc = u.hostname, u.port, u.netloc
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self):
        if self.writer:
            self.writer.close()
        self.writer = None

    async def request(self, method, path, body=b""):
        if self.writer is None:
            await self.open()
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.netloc}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode().partition(":")
            k = k.lower()
            if k == "content-length":
                length = int(v)
            elif k == "connection" and "close" in v.lower():
                close = True
        await self.reader.readexactly(length)
        if close:
            self.close()
        return status


def pct(lat, p):
    if not lat:
        return float("nan")
    s = sorted(lat)
    return s[min(len(s) - 1, int(p * len(s)))]


def line(name, lat, elapsed, codes):
    ok = codes.get(200, 0)
    return (f"{name:24s} requests={len(lat):6d} rps={ok / elapsed:8.1f} "
            f"p50={pct(lat, .5) * 1e3:8.2f}ms p99={pct(lat, .99) * 1e3:8.2f}ms "
            f"codes={dict(sorted(codes.items()))}")


async def load(url, path, body, conns, n, duration, stop=None):
    """CONNS workers send BODY to PATH until N requests, DURATION s or STOP."""
    lat, codes, sent = [], {}, [0]
    deadline = time.perf_counter() + duration

    async def worker():
        c = Conn(url)
        while sent[0] < n and time.perf_counter() < deadline and not (stop and stop.is_set()):
            sent[0] += 1
            t0 = time.perf_counter()
            try:
                st = await c.request("POST" if body is not None else "GET", path, body or b"")
            except (ConnectionError, OSError, asyncio.IncompleteReadError):
                st = "conn-error"
                c.close()
            lat.append(time.perf_counter() - t0)
            codes[st] = codes.get(st, 0) + 1
        c.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conns)))
    return lat, codes, time.perf_counter() - t0


async def sample_rss(pid, stop, out):
    while not stop.is_set():
        out.append(rss_kib(pid))
        await asyncio.sleep(0.05)


async def six_at_once(url, body):
    """Six 800-role plans sent at once; each one's status and seconds."""
    async def one():
        c = Conn(url)
        t0 = time.perf_counter()
        try:
            st = await asyncio.wait_for(c.request("POST", "/api/plan", body), 60)
        except Exception as e:  # noqa: BLE001 - reported, not hidden
            st = f"error: {e!r}"
        c.close()
        return st, time.perf_counter() - t0
    return await asyncio.gather(*(one() for _ in range(6)))


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--conns", type=int, default=64)
    ap.add_argument("--n-fit", type=int, default=20000)
    ap.add_argument("--n-plan", type=int, default=1500)
    ap.add_argument("--duration", type=float, default=15)
    ap.add_argument("--flood", type=float, default=20, help="flood seconds")
    ap.add_argument("--plan-file", default="examples/home-office-coding.toml")
    ap.add_argument("--no-flood", action="store_true", help="throughput phases only")
    a = ap.parse_args()
    url, pid = a.url.rstrip("/"), a.pid

    fit = json.dumps({"model": "qwen3-coder-30b-a3b", "quant": "q4_k_m", "ctx": 200000,
                      "kv_type": "q8_0", "streams": 3, "hw": "rtx-5090"}).encode()
    plan = json.dumps({"toml": open(a.plan_file).read()}).encode()
    heavy = json.dumps({"toml": roles_toml(32)}).encode()
    huge = json.dumps({"toml": roles_toml(800)}).encode()
    failed = False

    # 1. Peak RSS of one request, alone, on the fresh server, growing
    # requests (the peak is monotonic, so smallest first).
    base = rss_kib(pid)
    sized = [(f"{n}-role plan", json.dumps({"toml": roles_toml(n)}).encode()) for n in (1, 8, 16)]
    for name, body in [("home-office plan", plan)] + sized + [("32-role plan (max)", heavy)]:
        c = Conn(url)
        t0 = time.perf_counter()
        st = await c.request("POST", "/api/plan", body)
        c.close()
        print(f"rss      {name:20s} status={st} {time.perf_counter() - t0:6.2f}s "
              f"baseline={base / 1024:.1f}MiB peak={rss_kib(pid, 'VmHWM') / 1024:.1f}MiB "
              f"(peak - baseline = {(rss_kib(pid, 'VmHWM') - base) / 1024:.1f}MiB)")
        failed |= st != 200

    # 2, 3. Throughput at CONNS connections.
    for name, path, body, n in (("/api/fit", "/api/fit", fit, a.n_fit),
                                ("/api/plan (home-office)", "/api/plan", plan, a.n_plan)):
        cpu0 = cpu_s(pid)
        lat, codes, el = await load(url, path, body, a.conns, n, a.duration)
        cpu = cpu_s(pid) - cpu0
        print(line(name, lat, el, codes) +
              f" server_cpu={cpu / max(1, len(lat)) * 1e3:.2f}ms/req"
              f" (cores' worth used: {cpu / el:.2f})")
        failed |= set(codes) != {200}

    if a.no_flood:
        sys.exit(1 if failed else 0)

    # 4. Flood: hostile oversized and heaviest-within-cap plans, measured
    # cheap endpoints, six 800-role requests at once, RSS sampled.
    stop, rss = asyncio.Event(), []
    sampler = asyncio.create_task(sample_rss(pid, stop, rss))
    hostile = [asyncio.create_task(load(url, "/api/plan", huge, 16, 10**9, a.flood, stop)),
               asyncio.create_task(load(url, "/api/plan", heavy, 16, 10**9, a.flood, stop))]
    health = asyncio.create_task(load(url, "/api/health", None, 4, 10**9, a.flood, stop))
    fit_during = asyncio.create_task(load(url, "/api/fit", fit, 4, 10**9, a.flood, stop))
    await asyncio.sleep(1)
    six = await six_at_once(url, huge)
    for i, (st, s) in enumerate(six):
        print(f"flood    800-role request {i + 1}: status={st} answered in {s:.2f}s")
        failed |= not (isinstance(st, int) and st < 500 and s <= 40)
    results = [await t for t in hostile]
    h_lat, h_codes, h_el = await health
    f_lat, f_codes, f_el = await fit_during
    stop.set()
    await sampler
    for name, (lat, codes, el) in zip(("hostile 800-role plans", "hostile 32-role plans"), results):
        print(line(name, lat, el, codes))
    print(line("/api/health during flood", h_lat, h_el, h_codes))
    print(line("/api/fit during flood", f_lat, f_el, f_codes))
    peak = max(rss) / 1024 if rss else float("nan")
    print(f"flood    server RSS peak during flood = {peak:.1f}MiB (VmHWM since start "
          f"{rss_kib(pid, 'VmHWM') / 1024:.1f}MiB)")
    await asyncio.sleep(10)
    after = rss_kib(pid) / 1024
    print(f"flood    server RSS 10 s after the flood = {after:.1f}MiB")
    failed |= set(h_codes) != {200}
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    asyncio.run(main())
