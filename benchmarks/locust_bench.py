"""The Locust integration's costs: client CPU per request, workers, and the emulator.

    .venv/bin/python -m benchmarks.locust_bench            # about 4 minutes
    .venv/bin/python -m benchmarks.locust_bench --quick    # a smoke run
    .venv/bin/python -m benchmarks.locust_bench --instructions   # part 1 under callgrind

1. CPU per request: ``AuthleteUser``'s fail call against a bare ``FastHttpUser`` posting
   the same prepared bytes, in alternating blocks in one Locust process pinned to CPU 0,
   against nginx pinned to CPU 1 (``benchmarks.servers``); the ratio is the median of
   the per-round ratios (``benchmarks.locust_users``). ``--instructions`` counts the
   same two users' instructions per request under callgrind instead (repeatable where
   CPU time drifts; about 4 minutes), and skips the other parts.
2. Workers: ``locust --headless --processes 1`` and ``--processes 2`` with the same user,
   rounds alternating; req/s from each run's CSV. Not pinned: two workers need both CPUs,
   which nginx shares.
3. The emulator: the example's whole CIBA flow (``examples/locustfile.py``), one Locust
   process on CPU 0 against one emulator process on CPU 1: the CPU each spends per
   request says which one limits the run, and how many requests per second one core of
   each can carry.

Results are printed and written to ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from attrs import asdict, frozen

from aioauthlete.testing import DEFAULT_ACCESS_TOKEN, DEFAULT_SERVICE_ID

from .instructions import collected
from .servers import CLIENT_CPU, SERVER_CPU, Server, _free_port, _pinned, describe, start_server

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"


@frozen
class Preset:
    """How long each part runs: paired rounds of blocks, then runs of the CLI."""

    rounds: int
    block_seconds: float
    runs: int
    run_seconds: int


FULL = Preset(rounds=101, block_seconds=0.2, runs=4, run_seconds=10)
QUICK = Preset(rounds=5, block_seconds=0.2, runs=1, run_seconds=3)


def environment(server: Server) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTHLETE_", "LOCUST_"))}
    env.update(
        AUTHLETE_SERVICE_APIKEY=server.service_id,
        AUTHLETE_SERVICE_ACCESSTOKEN=server.access_token,
        PYTHONPATH=str(ROOT),
    )
    return env


def paired(server: Server, users: int, rounds: int, seconds: float) -> dict[str, Any]:
    """Part 1, in a Locust process of its own pinned to the client's CPU."""
    command = [sys.executable, "-m", "benchmarks.locust_users", "paired", server.base_url]
    command += [str(users), str(rounds), str(seconds)]
    done = subprocess.run(
        _pinned(command, CLIENT_CPU),
        env=environment(server),
        capture_output=True,
        text=True,
        check=True,
        timeout=60 + rounds * seconds * 6,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def instructions(server: Server, users: int, requests: int) -> dict[str, float]:
    """Part 1 under callgrind: each user's instructions per request, from two runs (a
    warm-up alone, then *requests* more calls), start-up cancelled out."""
    costs = {}
    with tempfile.TemporaryDirectory(prefix="aioauthlete-callgrind-") as tmp:
        for variant in ("bare", "aioauthlete"):
            totals = []
            for number in (0, requests):
                command = [sys.executable, "-m", "benchmarks.locust_users", "count"]
                command += [server.base_url, variant, str(users), str(number)]
                out = Path(tmp) / f"{variant}.{number}"
                totals.append(collected(command, out, environment(server)))
            costs[variant] = (totals[1] - totals[0]) / requests
    return {**costs, "ratio": costs["aioauthlete"] / costs["bare"]}


def locust_run(
    locustfile: str,
    host: str,
    env: dict[str, str],
    users: int,
    seconds: int,
    extra: Sequence[str] = (),
    *,
    pin: bool = False,
) -> tuple[dict[str, str], float]:
    """One headless run (on the client's CPU if *pin*): its CSV's Aggregated row, and the
    CPU seconds it used, every process of it."""
    with tempfile.TemporaryDirectory(prefix="aioauthlete-locust-") as tmp:
        command = [sys.executable, "-m", "locust", "-f", locustfile, "--host", host]
        command += ["--headless", "-u", str(users), "-r", "100", "-t", f"{seconds}s"]
        command += ["--csv", f"{tmp}/out", "--only-summary", "--loglevel", "WARNING", *extra]
        if pin:
            command = _pinned(command, CLIENT_CPU)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, check=True, timeout=seconds + 60
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        with open(f"{tmp}/out_stats.csv", newline="") as stats:
            row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    return row, cpu


def workers(server: Server, users: int, runs: int, seconds: int) -> dict[str, Any]:
    """Part 2: throughput with one and with two worker processes, alternating."""
    rates: dict[int, list[float]] = {1: [], 2: []}
    for number in range(runs):
        for processes in (1, 2) if number % 2 == 0 else (2, 1):
            port = str(_free_port())
            extra = ["--processes", str(processes), "--master-bind-host", "127.0.0.1"]
            extra += ["--master-bind-port", port, "--master-port", port, "AioauthleteFail"]
            row, _ = locust_run(
                "benchmarks/locust_users.py", server.base_url, environment(server), users,
                seconds, extra,
            )  # fmt: skip
            assert row["Failure Count"] == "0", row
            rates[processes].append(float(row["Requests/s"]))
    ratios = [two / one for one, two in zip(rates[1], rates[2], strict=True)]
    return {
        "rps_1": statistics.median(rates[1]),
        "rps_2": statistics.median(rates[2]),
        "ratio": statistics.median(ratios),
        "runs": rates,
    }


def emulator_flow(users: int, seconds: float) -> dict[str, Any]:
    """Part 3: the example's flow, one Locust process against one emulator process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTHLETE_", "LOCUST_"))}
    command = [sys.executable, "-m", "aioauthlete.testing", "--port", "0", "--tickets", "0"]
    process = subprocess.Popen(
        _pinned(command, SERVER_CPU), env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().decode().split()[1]
        env.update(
            AUTHLETE_SERVICE_APIKEY=DEFAULT_SERVICE_ID,
            AUTHLETE_SERVICE_ACCESSTOKEN=DEFAULT_ACCESS_TOKEN,
            PYTHONPATH=str(ROOT),
        )
        command = [sys.executable, "-m", "benchmarks.locust_users", "flow", base_url]
        command += [str(users), str(seconds), str(process.pid)]
        done = subprocess.run(
            _pinned(command, CLIENT_CPU),
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        )
    finally:
        process.terminate()
        process.wait(10)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def report(results: dict[str, Any]) -> str:
    a, w, e = results["cpu"]["summary"], results["workers"], results["emulator"]
    return "\n".join(
        [
            f"1. CPU per request, {results['users']} users, median of {results['rounds']} "
            "paired rounds:",
            f"   bare FastHttpUser  {a['bare_cpu_us']:7.1f} µs/req  {a['bare_rps']:8,.0f} req/s",
            f"   AuthleteUser       {a['aioauthlete_cpu_us']:7.1f} µs/req  "
            f"{a['aioauthlete_rps']:8,.0f} req/s",
            f"   CPU ratio {a['cpu_us_ratio']:.3f}x, throughput ratio {a['rps_ratio']:.3f}x, "
            f"failures {a['failures']}",
            f"2. workers: --processes 1 {w['rps_1']:,.0f} req/s, --processes 2 "
            f"{w['rps_2']:,.0f} req/s: {w['ratio']:.2f}x (median of per-run-pair ratios)",
            f"3. example flow against one emulator process: {e['rps']:,.0f} req/s, "
            f"{e['failures']} failures; per request the emulator spent "
            f"{e['server_cpu_us']:.0f} µs of CPU, Locust {e['locust_cpu_us']:.0f} µs; "
            f"emulator busy {e['server_busy']:.0%} of its core",
            f"   one core carries about {1e6 / e['server_cpu_us']:,.0f} req/s of emulator "
            f"and {1e6 / e['locust_cpu_us']:,.0f} req/s of Locust worker",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.locust_bench")
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--server", choices=["auto", "nginx", "emulator"], default="auto")
    parser.add_argument(
        "--instructions", action="store_true", help="part 1 under callgrind, nothing else"
    )
    parser.add_argument("--requests", type=int, default=2000, help="with --instructions")
    args = parser.parse_args(argv)
    if args.instructions:
        if shutil.which("valgrind") is None:
            parser.error("valgrind is not installed (apt-get install -y valgrind)")
        with start_server(args.server) as server:
            print(describe(server), flush=True)
            costs = instructions(server, args.users, args.requests)
        print(
            f"instructions per request, {args.users} users: bare FastHttpUser "
            f"{costs['bare']:,.0f}, AuthleteUser {costs['aioauthlete']:,.0f}: "
            f"{costs['ratio']:.3f}x"
        )
        return 0
    preset = QUICK if args.quick else FULL
    results: dict[str, Any] = {"users": args.users, **asdict(preset)}
    with start_server(args.server) as server:
        print(describe(server), flush=True)
        results["server"] = describe(server)
        results["cpu"] = paired(server, args.users, preset.rounds, preset.block_seconds)
        print("  part 1 done", flush=True)
        results["workers"] = workers(server, args.users, preset.runs, preset.run_seconds)
        print("  part 2 done", flush=True)
    results["emulator"] = emulator_flow(args.users, preset.run_seconds)
    print(report(results))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"locust-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
