"""A working day's mixed load with think time (issue 16, target 3), against a running portal:
200 officers open their queue every ~5 s, 40 clerks file a dossier every ~10 s, 10 provincial
staff open the dashboard every ~10 s. Each person waits a random part of their think time before
their first click (people do not all click at the same instant), then clicks, reads the answer,
and thinks for half to one and a half times their think time. The first WARMUP seconds are not
counted: freshly started workers import, compile templates and open connections on their first
requests. Prints, per kind of request, the requests, errors and latency percentiles over the
measured period, and what the machine's CPU did: how busy it was in the 5 s before the load
began (nothing else should run: this is how a run says so), and over the measured period how much
of the two cores everything used (the portal, PostgreSQL, nginx, Redis and this generator) and how
much this generator used itself. OFFICERS=n changes the number of officers (how many 2 cores hold).

Usage (bench/run.sh sets the environment): python bench/mixed.py BASE_URL SECONDS [WARMUP]
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import aiohttp

BODY = json.loads((Path(__file__).parent / "filing.json").read_text())
# kind: (people, think seconds, how they sign in, method, path)
OFFICERS = int(os.environ.get("OFFICERS", 200))
PEOPLE = {
    "officer queue page /queue/": (OFFICERS, 5.0, "bench.officer.session", "GET", "/queue/"),
    "clerk filing POST /api/v1/bundles/": (40, 10.0, "bench.integration", "POST", "/api/v1/bundles/"),
    "provincial dashboard /reports/": (10, 10.0, "bench.province.session", "GET", "/reports/"),
}


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot (/proc/stat)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def busy_share(start: tuple[int, int], end: tuple[int, int]) -> float:
    """The share of the machine's cores that were busy between two cpu_ticks()."""
    return (end[0] - start[0]) / max(1, end[1] - start[1])


async def person(session, base, kind, think, credential, method, path, since, until, results, serial):
    await asyncio.sleep(random.uniform(0, think))
    headers = {"Cookie": f"sessionid={credential}"} if method == "GET" else {"Authorization": f"Token {credential}"}
    while time.monotonic() < until:
        body = None
        if method == "POST":
            body = copy.deepcopy(BODY)
            body["child"]["date_of_birth"] = (datetime.date.today() - datetime.timedelta(days=10)).isoformat()
            body["child"]["birth_certificate_number"] = f"MIXED-{os.getpid()}-{next(serial)}"
        started = time.monotonic()
        try:
            async with session.request(method, base + path, json=body, headers=headers) as response:
                await response.read()
                ok = response.status in (200, 201)
        except (TimeoutError, aiohttp.ClientError):
            ok = False
        if started >= since:
            results[kind].append((time.monotonic() - started, ok))
        await asyncio.sleep(think * random.uniform(0.5, 1.5))


async def main(base: str, seconds: float, warmup: float) -> None:
    tokens = json.loads(os.environ["BENCH_TOKENS"])
    quiet = cpu_ticks()
    time.sleep(5)
    before = busy_share(quiet, cpu_ticks())
    results: dict[str, list[tuple[float, bool]]] = {kind: [] for kind in PEOPLE}
    serial = iter(range(10**9))
    since = time.monotonic() + warmup
    until = since + seconds
    timeout = aiohttp.ClientTimeout(total=30)
    measured: dict[str, tuple[int, int] | float] = {}

    async def meter() -> None:
        await asyncio.sleep(max(0.0, since - time.monotonic()))
        measured["start"], measured["own"] = cpu_ticks(), time.process_time()
        await asyncio.sleep(max(0.0, until - time.monotonic()))
        measured["end"], measured["own"] = cpu_ticks(), time.process_time() - measured["own"]  # type: ignore[operator]

    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.gather(meter(), *(
            person(session, base, kind, think, tokens[credential], method, path, since, until, results, serial)
            for kind, (count, think, credential, method, path) in PEOPLE.items()
            for _ in range(count)
        ))  # fmt: skip
    cores = os.cpu_count() or 1
    load = busy_share(measured["start"], measured["end"])  # type: ignore[arg-type]
    own = measured["own"] / seconds  # type: ignore[operator]
    print(f"machine busy in the 5 s before the load: {before:.0%} of {cores} cores")
    print(f"machine busy while measured: {load:.0%} of {cores} cores ({load * cores:.2f} cores), "
          f"of which this generator {own:.2f} cores")  # fmt: skip
    print(f"RESULT mixed before={before:.3f} load_cores={load * cores:.2f} generator_cores={own:.2f}")
    print("| request | people | think | requests | per second | errors | p50 ms | p95 ms | p99 ms | target |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for kind, samples in results.items():
        count, think = PEOPLE[kind][:2]
        latencies = sorted(latency * 1000 for latency, _ in samples)
        errors = sum(not ok for _, ok in samples)
        p50, p95, p99 = (statistics.quantiles(latencies, n=100)[q - 1] for q in (50, 95, 99))
        verdict = "met" if p95 <= 150 and errors == 0 else "missed"
        print(
            f"| {kind} | {count} | ~{think:g} s | {len(samples)} | {len(samples) / seconds:.1f} | {errors} "
            f"| {p50:.0f} | {p95:.0f} | {p99:.0f} | p95 <= 150 ms, no errors: {verdict} |"
        )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 20))
