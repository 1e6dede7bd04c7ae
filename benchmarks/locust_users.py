"""The Locust users the Locust benchmark compares, and its paired rounds (Environment API).

    python -m benchmarks.locust_users paired BASE_URL USERS ROUNDS BLOCK_SECONDS
    python -m benchmarks.locust_users flow BASE_URL USERS SECONDS SERVER_PID
    python -m benchmarks.locust_users count BASE_URL VARIANT USERS REQUESTS

Imports Locust, which patches the process for gevent: ``benchmarks.locust_bench`` runs
this in a process of its own (pinned to the client's CPU), and ``locust -f`` loads it
for the command-line runs (``AioauthleteFail`` or ``BareFail`` as the user class).

- ``BareFail``: a plain ``FastHttpUser`` posting the fail call's prepared bytes (one
  body and header set, built once) and reading nothing: the floor.
- ``AioauthleteFail``: ``AuthleteUser``'s ``client.backchannel_authentication_fail`` with
  a request model built per call, as a locustfile writes it: model, body, the answer
  decoded into the typed response, the outcome classified.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import gevent
import locust
from gevent.event import Event
from locust import FastHttpUser, constant, task
from locust.env import Environment
from locust.stats import StatsEntry

from aioauthlete._cli._load._engine import default_request
from aioauthlete.locust import AuthleteUser
from aioauthlete.operations import FAIL
from aioauthlete.protocol import Service

ROOT = Path(__file__).resolve().parents[1]
ROW = "backchannel_authentication_fail"
_numbers = itertools.count()


def _prepared(base_url: str) -> tuple[str, bytes, dict[str, str]]:
    """The URL, body and headers the bare user posts: the library's own, built once."""
    prepared = Service.from_env(base_url=base_url).prepare(FAIL, default_request(0))
    return prepared.url, prepared.body, dict(prepared.headers)


def _open_gate() -> Event:
    gate = Event()
    gate.set()  # open unless the paired rounds close it
    return gate


class BareFail(FastHttpUser):
    """The floor: the same bytes, posted as a locustfile would post any request."""

    wait_time = constant(0)
    gate = _open_gate()
    # Set by configure() before any user starts.
    url, body = "", b""
    headers: dict[str, str] = {}  # noqa: RUF012 - one set of headers for every user

    @task
    def fail(self) -> None:
        self.gate.wait()
        self.client.post(self.url, data=self.body, headers=self.headers, name=ROW)  # type: ignore[arg-type]


class AioauthleteFail(AuthleteUser):
    """The library: a request model per call, a typed response back."""

    wait_time = constant(0)
    gate = _open_gate()

    @task
    def fail(self) -> None:
        self.gate.wait()
        self.client.backchannel_authentication_fail(default_request(next(_numbers)))


def configure(environment: Environment, **_: object) -> None:
    """Give the bare user its bytes once the environment (and its host) is known."""
    base_url = environment.host or os.environ.get("AUTHLETE_BASE_URL")
    if base_url and os.environ.get("AUTHLETE_SERVICE_APIKEY"):
        BareFail.url, BareFail.body, BareFail.headers = _prepared(base_url)


locust.events.init.add_listener(configure)  # type: ignore[no-untyped-call]

#: After a switch, the calls the other variant had in flight finish before measuring.
SETTLE = 0.02
#: ``count``: the calls each user makes before those counted.
COUNT_WARM_UP = 10


def _block(stats: StatsEntry, seconds: float) -> dict[str, float]:
    """What the process did over *seconds*: CPU and requests."""
    requests, failures, cpu = stats.num_requests, stats.num_failures, time.process_time()
    started = time.perf_counter()
    gevent.sleep(seconds)
    return {
        "requests": stats.num_requests - requests,
        "failures": stats.num_failures - failures,
        "cpu": time.process_time() - cpu,
        "wall": time.perf_counter() - started,
    }


def paired(base_url: str, users: int, rounds: int, seconds: float) -> dict[str, Any]:
    """*users* users of each kind, all started once and connected; in each block one
    kind works and the other waits at its gate (a waiting greenlet costs nothing), order
    swapped every round: CPU per request and its ratio, round by round."""
    BareFail.url, BareFail.body, BareFail.headers = _prepared(base_url)
    variants: dict[str, type[BareFail | AioauthleteFail]] = {
        "bare": BareFail,
        "aioauthlete": AioauthleteFail,
    }
    environment = Environment(user_classes=list(variants.values()), host=base_url)
    runner = environment.create_local_runner()
    runner.start(users * 2, spawn_rate=100)  # 100: above it Locust warns
    while runner.user_count < users * 2:
        gevent.sleep(0.01)
    gevent.sleep(1.0)  # connections open, caches warm
    stats = environment.stats.total
    blocks: list[dict[str, Any]] = []
    for number in range(rounds):
        order = list(variants) if number % 2 == 0 else list(reversed(variants))
        for name in order:
            for other, user in variants.items():
                (user.gate.set if other == name else user.gate.clear)()
            gevent.sleep(SETTLE)
            blocks.append({"variant": name, "round": number, **_block(stats, seconds)})
    runner.quit()
    return {"blocks": blocks, "summary": summarize(blocks)}


def flow(base_url: str, users: int, seconds: float, server_pid: int) -> dict[str, Any]:
    """The example's whole CIBA flow for *seconds*: this process's CPU per request, and
    the server's (process *server_pid*, read from /proc), over the same window."""
    spec = importlib.util.spec_from_file_location("locustfile", ROOT / "examples/locustfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.CibaFlowUser.host = base_url
    environment = Environment(user_classes=[module.CibaFlowUser])
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=100)
    while runner.user_count < users:
        gevent.sleep(0.01)
    gevent.sleep(1.0)  # connections open, caches warm
    server = cpu_seconds(server_pid)
    measured = _block(environment.stats.total, seconds)
    server = cpu_seconds(server_pid) - server
    runner.quit()
    requests = measured["requests"]
    return {
        **measured,
        "rps": requests / measured["wall"],
        "locust_cpu_us": measured["cpu"] * 1e6 / requests,
        "server_cpu_us": server * 1e6 / requests,
        "server_busy": server / measured["wall"],
    }


def count(base_url: str, variant: str, users: int, requests: int) -> None:
    """A warm-up, then *requests* calls of *variant* (``bare`` or ``aioauthlete``) by
    *users* users: run under callgrind twice, with and without the calls."""
    BareFail.url, BareFail.body, BareFail.headers = _prepared(base_url)
    user_class: type[BareFail | AioauthleteFail] = (
        BareFail if variant == "bare" else AioauthleteFail
    )
    user_class.host = base_url
    environment = Environment(user_classes=[user_class])
    environment.create_local_runner()
    made = [user_class(environment) for _ in range(users)]

    def calls(user: BareFail | AioauthleteFail, number: int) -> None:
        for _ in range(number):
            user.fail()

    for each in (COUNT_WARM_UP, requests // users):
        gevent.joinall([gevent.spawn(calls, user, each) for user in made])


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a running process (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summarize(blocks: list[dict[str, Any]]) -> dict[str, float]:
    """Medians: µs of client CPU per request, requests per second, and per-round ratios."""

    def per(name: str, key: str) -> dict[int, float]:
        mine = [b for b in blocks if b["variant"] == name and b["requests"]]
        if key == "cpu_us":
            return {b["round"]: b["cpu"] * 1e6 / b["requests"] for b in mine}
        return {b["round"]: b["requests"] / b["wall"] for b in mine}

    out: dict[str, float] = {}
    for key in ("cpu_us", "rps"):
        ours, bare = per("aioauthlete", key), per("bare", key)
        out[f"aioauthlete_{key}"] = statistics.median(ours.values())
        out[f"bare_{key}"] = statistics.median(bare.values())
        out[f"{key}_ratio"] = statistics.median(ours[r] / bare[r] for r in ours if r in bare)
    out["failures"] = sum(b["failures"] for b in blocks)
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["paired"] and len(argv) == 5:
        print(json.dumps(paired(argv[1], int(argv[2]), int(argv[3]), float(argv[4]))))
    elif argv[:1] == ["flow"] and len(argv) == 5:
        print(json.dumps(flow(argv[1], int(argv[2]), float(argv[3]), int(argv[4]))))
    elif argv[:1] == ["count"] and len(argv) == 5 and argv[2] in ("bare", "aioauthlete"):
        count(argv[1], argv[2], int(argv[3]), int(argv[4]))
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
