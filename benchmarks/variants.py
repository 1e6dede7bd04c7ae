"""The clients compared, each able to run one timed block of calls at its concurrency.

(a) raw aiohttp and (b) aioauthlete's single call go through the very same closed loop
(``run_calls``/``run_load`` of ``aioauthlete._cli._load._engine``), so their ratio measures
the library, not the loop. (c) is the batch stream fed by a generator. (d) is Authlete's
official SDK as shipped: ``requests.request`` per call, so a new TCP connection per call.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp

from aioauthlete import (
    AuthleteClient,
    BackchannelAuthenticationFailRequest,
    BackchannelAuthenticationIssueRequest,
)
from aioauthlete._cli._histogram import LatencyHistogram
from aioauthlete._cli._load._engine import default_request, run_calls, run_load
from aioauthlete.operations import ISSUE

from .servers import Server
from .stats import Measure

#: Threads for the SDK's threaded variant never exceed this (a sensible pool size).
MAX_SDK_THREADS = 64


class Variant(abc.ABC):
    """One client at one concurrency; ``open`` once, ``block`` per round, ``close`` once."""

    name: str

    def __init__(self, server: Server, concurrency: int) -> None:
        self.server = server
        self.concurrency = concurrency

    def open(self, runner: asyncio.Runner) -> None:  # noqa: B027 - optional hook
        """Create the client (in the runner's loop for asyncio clients)."""

    @abc.abstractmethod
    def block(self, runner: asyncio.Runner, seconds: float) -> Measure:
        """Call the server for *seconds* and measure it."""

    def close(self, runner: asyncio.Runner) -> None:  # noqa: B027 - optional hook
        """Release the client."""


class RawStatusError(Exception):
    """A non-200 answer to the raw client: counted, never expected."""


class RawAiohttp(Variant):
    """The floor: a shared session, a JSON body built with an f-string, one json.loads."""

    name = "raw-aiohttp"
    session: aiohttp.ClientSession

    def open(self, runner: asyncio.Runner) -> None:
        async def start() -> aiohttp.ClientSession:
            return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self.concurrency))

        self.session = runner.run(start())

    def block(self, runner: asyncio.Runner, seconds: float) -> Measure:
        body = '{{"ticket":"{}","reason":"ACCESS_DENIED"}}'
        return self._calls(runner, seconds, self.server.fail_url, body)

    def _calls(self, runner: asyncio.Runner, seconds: float, url: str, body: str) -> Measure:
        """Post *body* (a format string for the ticket) to *url* for *seconds*."""
        session, template = self.session, body.format
        headers = {
            "Authorization": f"Bearer {self.server.access_token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

        async def call(index: int) -> str:
            data = template(f"aioauthlete-load-{index}").encode()
            async with session.post(url, data=data, headers=headers) as response:
                data = await response.read()
                if response.status != 200:
                    raise RawStatusError(response.status)
            action: str = json.loads(data)["action"]
            return action

        errors = (aiohttp.ClientError, OSError, TimeoutError, RawStatusError)
        report = runner.run(
            run_calls(call, concurrency=self.concurrency, duration=seconds, counted=errors)
        )
        return Measure.of_report(report)

    def close(self, runner: asyncio.Runner) -> None:
        runner.run(self.session.close())


class RawAiohttpIssue(RawAiohttp):
    """The floor for the issue call: the same loop, its body and URL."""

    name = "raw-aiohttp-issue"

    def block(self, runner: asyncio.Runner, seconds: float) -> Measure:
        return self._calls(runner, seconds, self.server.issue_url, '{{"ticket":"{}"}}')


class _Aioauthlete(Variant):
    client: AuthleteClient

    def open(self, runner: asyncio.Runner) -> None:
        server = self.server
        self.client = AuthleteClient(
            base_url=server.base_url,
            service_id=server.service_id,
            access_token=server.access_token,
            max_connections=self.concurrency,
        )

    def close(self, runner: asyncio.Runner) -> None:
        runner.run(self.client.aclose())


class AioauthleteSingle(_Aioauthlete):
    """One fail call per request, defaults as shipped, via ``run_load`` (``client.call``
    with the fail operation: the method's own path)."""

    name = "aioauthlete-single"

    def block(self, runner: asyncio.Runner, seconds: float) -> Measure:
        report = runner.run(run_load(self.client, concurrency=self.concurrency, duration=seconds))
        return Measure.of_report(report)


class AioauthleteIssue(_Aioauthlete):
    """One issue call per request (``client.call`` with the issue operation)."""

    name = "aioauthlete-issue"

    def block(self, runner: asyncio.Runner, seconds: float) -> Measure:
        report = runner.run(
            run_load(
                self.client,
                concurrency=self.concurrency,
                duration=seconds,
                operation=ISSUE,
                make_request=_issue_request,
            )
        )
        return Measure.of_report(report)


def _issue_request(index: int) -> BackchannelAuthenticationIssueRequest:
    return BackchannelAuthenticationIssueRequest(ticket=f"aioauthlete-load-{index}")


class AioauthleteStream(_Aioauthlete):
    """``backchannel_authentication_fail_stream`` over a generator that stops on time."""

    name = "aioauthlete-stream"

    def block(self, runner: asyncio.Runner, seconds: float) -> Measure:
        return runner.run(self._block(seconds))

    async def _block(self, seconds: float) -> Measure:
        clock = time.perf_counter
        end = clock() + seconds

        def requests() -> Iterator[BackchannelAuthenticationFailRequest]:
            index = 0
            while clock() < end:
                yield default_request(index)
                index += 1

        histogram, errors = LatencyHistogram(), 0
        cpu, start = time.process_time(), clock()
        stream = self.client.backchannel_authentication_fail_stream(
            requests(), concurrency=self.concurrency
        )
        async with contextlib.aclosing(stream):
            async for outcome in stream:
                histogram.record(outcome.elapsed)
                errors += not outcome.ok
        return Measure.of_histogram(histogram, clock() - start, time.process_time() - cpu, errors)


def sdk_available() -> bool:
    """Whether Authlete's official SDK (the ``bench`` extra) is installed."""
    try:
        import authlete.api.authlete_api_impl  # noqa: F401
    except ImportError:
        return False
    return True


def _sdk_caller(server: Server) -> Callable[[int], None]:
    """One fail call through the official SDK in V3 mode, as its README shows."""
    from authlete.api.authlete_api_impl import AuthleteApiImpl
    from authlete.conf.authlete_configuration import AuthleteConfiguration
    from authlete.dto.backchannel_authentication_fail_reason import (
        BackchannelAuthenticationFailReason,
    )
    from authlete.dto.backchannel_authentication_fail_request import (
        BackchannelAuthenticationFailRequest as SdkRequest,
    )

    configuration = AuthleteConfiguration(
        {
            "apiVersion": "V3",
            "baseUrl": server.base_url,
            "serviceApiKey": server.service_id,
            "serviceAccessToken": server.access_token,
        }
    )
    api: Any = AuthleteApiImpl(configuration)

    def call(index: int) -> None:
        request = SdkRequest()
        request.ticket = f"aioauthlete-load-{index}"
        request.reason = BackchannelAuthenticationFailReason.ACCESS_DENIED
        response = api.backchannelAuthenticationFail(request)
        if response.action is None:
            raise RuntimeError("the SDK returned no action")

    return call


def _sdk_loop(
    call: Callable[[int], None], end: float, first: int, step: int
) -> tuple[LatencyHistogram, int]:
    """Call back to back until *end*; indexes *first*, *first* + *step*, ..."""
    clock = time.perf_counter
    histogram, errors, index = LatencyHistogram(), 0, first
    while clock() < end:
        began = clock()
        try:
            call(index)
        except Exception:  # the SDK's AuthleteApiException and whatever requests raises
            errors += 1
        histogram.record(clock() - began)
        index += step
    return histogram, errors


class SdkSequential(Variant):
    """The official SDK called in a plain loop (concurrency 1)."""

    name = "sdk-sequential"

    def open(self, runner: asyncio.Runner) -> None:
        self.call = _sdk_caller(self.server)

    def block(self, runner: asyncio.Runner, seconds: float) -> Measure:
        cpu, start = time.process_time(), time.perf_counter()
        histogram, errors = _sdk_loop(self.call, start + seconds, 0, 1)
        wall = time.perf_counter() - start
        return Measure.of_histogram(histogram, wall, time.process_time() - cpu, errors)


class SdkThreaded(Variant):
    """The official SDK from a pool of min(concurrency, 64) threads, each calling in a loop."""

    def __init__(self, server: Server, concurrency: int) -> None:
        super().__init__(server, concurrency)
        self.threads = min(concurrency, MAX_SDK_THREADS)
        self.name = f"sdk-threads({self.threads})"

    def open(self, runner: asyncio.Runner) -> None:
        self.call = _sdk_caller(self.server)
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="sdk")

    def block(self, runner: asyncio.Runner, seconds: float) -> Measure:
        cpu, start = time.process_time(), time.perf_counter()
        end = start + seconds
        futures = [
            self.pool.submit(_sdk_loop, self.call, end, first, self.threads)
            for first in range(self.threads)
        ]
        histogram, errors = LatencyHistogram(), 0
        for future in futures:
            part, failed = future.result()
            histogram.merge(part)
            errors += failed
        wall = time.perf_counter() - start
        return Measure.of_histogram(histogram, wall, time.process_time() - cpu, errors)

    def close(self, runner: asyncio.Runner) -> None:
        self.pool.shutdown()


def variants_for(
    server: Server, concurrency: int, *, sdk: bool, issue: bool = True
) -> list[Variant]:
    """Every variant at *concurrency*; the SDK runs sequentially at 1, threaded above.
    The issue call's pair (its raw floor and the library) comes after the fail call's."""
    chosen: list[Variant] = [
        RawAiohttp(server, concurrency),
        AioauthleteSingle(server, concurrency),
        AioauthleteStream(server, concurrency),
    ]
    if issue:
        chosen += [RawAiohttpIssue(server, concurrency), AioauthleteIssue(server, concurrency)]
    if sdk:
        chosen.append(
            SdkSequential(server, concurrency)
            if concurrency == 1
            else SdkThreaded(server, concurrency)
        )
    return chosen
