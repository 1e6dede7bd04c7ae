"""Delivering ping and push notifications to a client's notification endpoint.

CIBA Core 1.0 sections 10.2 and 10.3. Retried by delivery mode (``worth_retrying``): a
ping after any transient failure, a push only when nothing was sent. Each push goes over
a fresh connection, so that a pooled connection the client closed meanwhile cannot
swallow it after it was written; pings share a pool. Every attempt and wait fits
``NotificationPolicy.total``.
"""

from __future__ import annotations

import asyncio
import random as _random
import ssl as _ssl
import time
from collections.abc import Awaitable, Callable, Mapping

import aiohttp
import attrs

from .._config import check_ssl_context
from .._errors import AuthleteTransportError
from .._operations._answers import JSON_NO_STORE
from .._operations._complete import BackchannelAuthenticationCompleteResponse
from .._operations._shared import DeliveryMode
from .._redact import forget_locals
from .._transport import map_exception, map_refusal
from .._version import user_agent
from ._delivery import (
    SUCCESS,
    Delivery,
    DeliveryProblem,
    deadline_passed,
    endpoint_problem,
    outcome_of,
    shown,
    token_problem,
    worth_retrying,
)
from ._log import logger, ref
from ._policy import NotificationPolicy

Attempt = tuple[int | None, AuthleteTransportError | None]


class _Bearer(str):
    """The ``Authorization`` value, whose ``repr`` (in a traceback's locals) hides it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'Bearer <redacted>'"


class NotificationSender:
    """Sends CIBA notifications through pooled aiohttp sessions, bounded in time.

    ``deliver(response)`` sends what ``/backchannel/authentication/complete`` asked for
    (its ``NOTIFICATION`` action); ``notify`` takes the parts. The outcome is a
    ``Delivery``, delivered or not: an ordinary failure is never raised. 200 and 204 are
    success; HTTPS only (plain HTTP towards loopback hosts); certificates verified (*ssl*
    may add trust, never remove it); redirects never followed (a 3xx is a failure); no
    proxy or ``.netrc`` from the environment, no cookies; the answer's body is read up to
    ``policy.max_body`` bytes and ignored. The token never appears in a log record, a
    ``Delivery`` or a ``repr``. At most *max_connections* notifications are in flight;
    waiting for a slot counts towards the deadline and sends nothing.

    Use it as ``async with NotificationSender() as sender:`` or ``await sender.aclose()``.
    *sleep*, *clock* and *random* are for tests, as on ``AuthleteClient``.
    """

    def __init__(
        self,
        *,
        policy: NotificationPolicy | None = None,
        ssl: _ssl.SSLContext | None = None,
        max_connections: int = 16,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _random.random,
    ) -> None:
        if ssl is not None:
            check_ssl_context(ssl)
        if max_connections < 1:
            raise ValueError("max_connections must be 1 or more")
        self.policy = policy if policy is not None else NotificationPolicy()
        self._ssl: _ssl.SSLContext | bool = True if ssl is None else ssl
        self._max_connections = max_connections
        self._sleep, self._clock, self._random = sleep, clock, random
        self._sessions: dict[bool, aiohttp.ClientSession] = {}
        self._gate: asyncio.Semaphore | None = None
        self._closed = False

    async def __aenter__(self) -> NotificationSender:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    @property
    def closed(self) -> bool:
        return self._closed

    async def aclose(self) -> None:
        """Close the sessions; a delivery still running ends as ``CLOSED``. Idempotent."""
        self._closed = True
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()

    async def deliver(self, response: BackchannelAuthenticationCompleteResponse) -> Delivery:
        """Send the notification *response* asks for, by its delivery mode's rule."""
        try:
            return await self.notify(
                response.client_notification_endpoint,
                response.client_notification_token,
                response.response_content or "",
                mode=response.delivery_mode,
                auth_req_id=response.auth_req_id,
            )
        except BaseException as exc:  # a cancellation: notify's frame holds token and tokens
            forget_locals(exc)
            raise

    async def notify(
        self,
        endpoint: str | None,
        token: str | None,
        content: str,
        *,
        mode: DeliveryMode | None,
        auth_req_id: str | None = None,
    ) -> Delivery:
        """POST *content* (JSON) to *endpoint* with ``Authorization: Bearer`` *token*.

        *mode* chooses the retry rule (``None`` gets the push rule, the careful one);
        *auth_req_id* only names the delivery in log records, as a hash.
        """
        refused = self._refusal(endpoint, token)
        if refused is not None or endpoint is None or token is None:
            assert refused is not None
            return self._told(refused, mode, None, auth_req_id)
        headers = {**JSON_NO_STORE, "Authorization": _Bearer(f"Bearer {token}")}
        del token
        try:
            outcome = await self._attempts(endpoint, headers, content.encode(), mode)
        except BaseException as exc:  # a cancellation: the frames below hold the content
            forget_locals(exc)
            raise
        return self._told(outcome, mode, endpoint, auth_req_id)

    def _refusal(self, endpoint: str | None, token: str | None) -> Delivery | None:
        """A ``Delivery`` for a notification that must not be sent at all, or ``None``."""
        for problem, why in (
            (DeliveryProblem.INVALID_ENDPOINT, endpoint_problem(endpoint)),
            (DeliveryProblem.INVALID_TOKEN, token_problem(token)),
            (DeliveryProblem.CLOSED, "the notification sender is closed" if self._closed else None),
        ):
            if why is not None:
                return Delivery(delivered=False, attempts=0, problem=problem, detail=why)
        return None

    async def _attempts(
        self, endpoint: str, headers: Mapping[str, str], body: bytes, mode: DeliveryMode | None
    ) -> Delivery:
        policy = self.policy
        deadline = self._clock() + policy.total
        session = self._session(pooled=mode is DeliveryMode.PING)
        gate = self._gate = self._gate or asyncio.Semaphore(self._max_connections)
        attempts, reached = 0, False
        while True:
            left = deadline - self._clock()
            if left <= 0:
                return deadline_passed(attempts, reached)
            try:
                async with asyncio.timeout(left):  # a wait for a free slot sends nothing
                    await gate.acquire()
            except TimeoutError:
                return deadline_passed(attempts, reached)
            attempts += 1
            try:
                status, error = await self._post(session, endpoint, headers, body, deadline)
            finally:
                gate.release()
            outcome = outcome_of(status, error, attempts)
            reached = reached or outcome.may_have_reached
            outcome = attrs.evolve(outcome, may_have_reached=reached)
            if error is not None and self._closed:
                return attrs.evolve(outcome, problem=DeliveryProblem.CLOSED)
            retryable = error is None or error.retryable
            if outcome.delivered or attempts >= policy.attempts:
                return outcome
            if not worth_retrying(mode, outcome, retryable):
                return outcome
            ceiling = min(policy.wait_max, policy.wait_initial * 2 ** (attempts - 1))
            delay = self._random() * ceiling
            if self._clock() + delay >= deadline:
                return outcome
            await self._sleep(delay)

    def _session(self, pooled: bool) -> aiohttp.ClientSession:
        session = self._sessions.get(pooled)
        if session is None:
            connector = aiohttp.TCPConnector(limit=0, ssl=self._ssl, force_close=not pooled)
            session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.policy.connect),
                headers={"User-Agent": user_agent()},
            )
            self._sessions[pooled] = session
        return session

    async def _post(
        self,
        session: aiohttp.ClientSession,
        endpoint: str,
        headers: Mapping[str, str],
        body: bytes,
        deadline: float,
    ) -> Attempt:
        """One attempt: the status, or the failure. Once a status has arrived it is the
        answer, even if its body then breaks or trickles past the attempt's bound."""
        seconds = min(self.policy.attempt, max(deadline - self._clock(), 0.0))
        status: int | None = None
        response: aiohttp.ClientResponse | None = None
        error: AuthleteTransportError | None = None
        try:
            async with asyncio.timeout(seconds):
                response = await session.post(
                    endpoint, data=body, headers=headers, allow_redirects=False
                )
                status = response.status
                if status in SUCCESS and await _drain(response, self.policy.max_body):
                    response.release()  # read whole: the connection may serve again
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            if status is None:
                error = map_exception(exc)
        except (ValueError, TypeError, RuntimeError) as exc:  # aiohttp refused the request
            error = map_refusal(exc, sent=response is not None, trust_env=False)
        except BaseException as exc:  # the caller's cancellation, above all
            forget_locals(exc)
            raise
        finally:
            if response is not None:
                response.close()  # after release() a no-op; else the connection is dropped
        return status, error

    def _told(
        self,
        outcome: Delivery,
        mode: DeliveryMode | None,
        endpoint: str | None,
        auth_req_id: str | None,
    ) -> Delivery:
        """Log *outcome* (DEBUG when delivered, WARNING when not) and return it."""
        where = "-" if endpoint is None else shown(endpoint)
        if outcome.delivered:
            logger.debug(
                "notification delivered mode=%s endpoint=%s auth_req_id=%s status=%s attempts=%d",
                mode,
                where,
                ref(auth_req_id),
                outcome.status,
                outcome.attempts,
            )
        else:
            logger.warning(
                "notification not delivered mode=%s endpoint=%s auth_req_id=%s problem=%s "
                "attempts=%d may_have_reached=%s: %s",
                mode,
                where,
                ref(auth_req_id),
                outcome.problem,
                outcome.attempts,
                outcome.may_have_reached,
                outcome.detail,
            )
        return outcome


async def _drain(response: aiohttp.ClientResponse, cap: int) -> bool:
    """Read and drop the answer's body, at most *cap* bytes; True if it was read whole."""
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > cap:
            return False
    return True
