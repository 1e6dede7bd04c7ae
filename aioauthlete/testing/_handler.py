"""The request handler behind every route: count, delay, inject faults, then answer.

Order matters and is part of the contract: latency and queued or per-ticket faults apply
before authentication; the rate limit applies per credential, after it; the body is judged
last, by the operation's own ``decide``. Answers for cases the spec leaves open follow
``_assumptions``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping

from aiohttp import web
from attrs import frozen

from .._local import compact_json
from ._auth import Caller, Credentials
from ._faults import Fault, Faults
from ._results import EmulatorResult, fault_result
from ._stats import EmulatorStats, RequestRecord, select_headers
from ._wire import Params, read_params, ticket_of


@frozen
class Endpoint:
    """One operation as the handler serves it: where, and who decides the answer.

    *decide* turns readable parameters into the 200 answer's body; *unreadable* is the
    400 result for a body that cannot be read; *names_ticket* says whether the body's
    ``ticket`` counts in ``stats.ticket_hits`` and selects per-ticket faults.
    """

    name: str
    path: str
    decide: Callable[[Params], Mapping[str, object]]
    unreadable: EmulatorResult
    names_ticket: bool = True


def _json(
    body: Mapping[str, object], status: int, headers: Mapping[str, str] | None = None
) -> web.Response:
    try:
        return web.json_response(body, status=status, headers=headers, dumps=compact_json)
    except UnicodeEncodeError:  # a lone surrogate the caller sent, echoed: send it escaped
        return web.json_response(body, status=status, headers=headers, dumps=_ascii_json)


def _ascii_json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _drop(request: web.Request) -> web.Response:
    """Close the connection; aiohttp then fails quietly to write the returned response."""
    transport = request.transport
    if transport is not None:
        transport.close()
    return web.Response(status=500)


class ApiHandler:
    """Handles ``POST`` to one operation's two routes for one emulator."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        credentials: Credentials,
        faults: Faults,
        stats: EmulatorStats,
    ) -> None:
        self._endpoint = endpoint
        self._credentials = credentials
        self._faults = faults
        self._stats = stats

    async def handle_v3(self, request: web.Request) -> web.StreamResponse:
        """The Authlete 3.x route: Bearer token, service id in the path."""
        return await self._handle(request, request.match_info["serviceId"])

    async def handle_v2(self, request: web.Request) -> web.StreamResponse:
        """The Authlete 2.x route: HTTP Basic with the service id as the user name."""
        return await self._handle(request, None)

    async def _handle(self, request: web.Request, path_service_id: str | None) -> web.Response:
        headers = request.headers
        self._stats.enter(
            RequestRecord(
                request.method,
                request.raw_path,
                headers.get("Content-Type", ""),
                select_headers(headers),
            ),
            self._endpoint.name,
        )
        response: web.Response | None = None
        try:
            response = await self._respond(request, path_service_id)
        except web.HTTPException as exc:  # e.g. 413 from aiohttp's body size cap
            self._stats.leave(exc.status)
            raise
        except BaseException:
            self._stats.leave(None)
            raise
        if response is None:
            self._stats.leave(None, dropped=True)
            return _drop(request)
        self._stats.leave(response.status)
        return response

    async def _respond(
        self, request: web.Request, path_service_id: str | None
    ) -> web.Response | None:
        """The answer to send, or None to close the connection without one."""
        params = read_params(request.headers.get("Content-Type"), await request.read())
        ticket = ticket_of(params) if self._endpoint.names_ticket else None
        if ticket is not None:
            self._stats.hit(ticket)
        faults = self._faults
        latency = faults.latency + faults.take_delay(ticket)
        if latency > 0:
            await asyncio.sleep(latency)
        fault = faults.take_next() or faults.take_for_ticket(ticket)
        if fault is not None and fault.status is not None:
            return self._fault_response(fault)
        if fault is not None and not fault.after_processing:
            return None
        response = self._answer(request, path_service_id, params)
        return None if fault is not None else response

    def _result(
        self, result: EmulatorResult, headers: Mapping[str, str] | None = None, status: int = 0
    ) -> web.Response:
        body = result.body(self._endpoint.path)
        return _json(body, status or result.status, headers)

    def _fault_response(self, fault: Fault) -> web.Response:
        assert fault.status is not None
        headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        return self._result(fault_result(fault.status), headers, fault.status)

    def _authenticate(
        self, request: web.Request, path_service_id: str | None
    ) -> Caller | EmulatorResult:
        header = request.headers.get("Authorization")
        if path_service_id is None:
            return self._credentials.check_basic(header)
        return self._credentials.check_bearer(header, path_service_id)

    def _answer(
        self,
        request: web.Request,
        path_service_id: str | None,
        params: Params | None,
    ) -> web.Response:
        caller = self._authenticate(request, path_service_id)
        if isinstance(caller, EmulatorResult):
            return self._result(caller)
        headers: dict[str, str] = {}
        decision = self._faults.check_rate(caller.bucket)
        if decision is not None:
            headers = decision.headers()
            if not decision.allowed:
                return self._result(EmulatorResult.RATE_LIMITED, headers)
        if params is None:
            return self._result(self._endpoint.unreadable, headers)
        return _json(self._endpoint.decide(params), 200, headers)
