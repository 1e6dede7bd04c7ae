"""The auth_req_ids ``issue`` handed out, and what the token endpoint answers for each.

A grant waits for ``complete``'s decision; the client's polls meanwhile get
``authorization_pending``, or ``slow_down`` when they come sooner than the interval after
the previous poll, which also makes the interval 5 seconds longer for that auth_req_id
(CIBA Core section 11). A granted one is used once; a denied or failed one keeps its
answer until it expires. Expired ones answer ``expired_token`` for ``KEEP_EXPIRED``
seconds, then are forgotten. Every step runs under one lock, for tests on other threads.
"""

from __future__ import annotations

import enum
import math
import threading
import time
from collections.abc import Callable, Mapping

from attrs import define, frozen

from ._store import BackchannelRequest
from ._tokens import random_value

#: How much longer the interval gets for each poll that came too soon.
SLOW_DOWN_STEP = 5
#: Seconds an expired auth_req_id still answers expired_token (then invalid_grant).
KEEP_EXPIRED = 600.0
_SWEEP_EVERY = 60.0


class CompleteResult(enum.StrEnum):
    """``result`` of ``/backchannel/authentication/complete``."""

    AUTHORIZED = "AUTHORIZED"
    ACCESS_DENIED = "ACCESS_DENIED"
    TRANSACTION_FAILED = "TRANSACTION_FAILED"


@frozen(kw_only=True)
class Decision:
    """What ``complete`` said, kept for the token endpoint (poll and ping modes)."""

    result: CompleteResult
    subject: str | None = None
    sub: str | None = None
    auth_time: int | None = None
    acr: str | None = None
    claims: Mapping[str, object] | None = None
    scopes: tuple[str, ...] | None = None
    access_token: str | None = None
    access_duration: int | None = None
    refresh_duration: int | None = None
    error_description: str | None = None
    error_uri: str | None = None


@define
class Grant:
    """One auth_req_id: its request, expiry, current interval and decision."""

    auth_req_id: str
    request: BackchannelRequest
    expires_at: float
    interval: int
    last_poll: float | None = None
    decision: Decision | None = None


class Poll(enum.Enum):
    """What one token request for an auth_req_id finds."""

    UNKNOWN = "invalid_grant"
    EXPIRED = "expired_token"
    PENDING = "authorization_pending"
    SLOW_DOWN = "slow_down"
    DENIED = "access_denied"
    FAILED = "expired_token (transaction failed)"
    AUTHORIZED = "authorized"


class GrantStore:
    """auth_req_ids by value, read and written from any thread."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()
        self._next_sweep = clock() + _SWEEP_EVERY

    def __repr__(self) -> str:  # never the auth_req_ids themselves
        return f"<GrantStore {len(self._grants)} auth_req_ids>"

    def __len__(self) -> int:
        """auth_req_ids still known (unexpired, or expired less than KEEP_EXPIRED ago)."""
        with self._lock:
            self._purge(self._clock())
            return len(self._grants)

    def __contains__(self, auth_req_id: object) -> bool:
        return isinstance(auth_req_id, str) and auth_req_id in self._grants

    def create(self, request: BackchannelRequest, lifetime: int, interval: int) -> Grant:
        """A new auth_req_id for *request*, living *lifetime* seconds."""
        with self._lock:
            now = self._clock()
            grant = Grant(random_value(), request, now + lifetime, interval)
            self._grants[grant.auth_req_id] = grant
            if now >= self._next_sweep:
                self._next_sweep = now + _SWEEP_EVERY
                self._purge(now)
            return grant

    def get(self, auth_req_id: str) -> Grant | None:
        """The grant of *auth_req_id*, expired or not."""
        return self._grants.get(auth_req_id)

    def expired(self, grant: Grant) -> bool:
        """Whether *grant*'s auth_req_id has expired on the store's clock."""
        return self._clock() >= grant.expires_at

    def remaining(self, grant: Grant) -> int:
        """Whole seconds (rounded up) until *grant* expires, at least 1."""
        return max(1, math.ceil(grant.expires_at - self._clock()))

    def decide(self, auth_req_id: str, decision: Decision) -> None:
        """Record ``complete``'s decision for a poll or ping client's auth_req_id."""
        with self._lock:
            grant = self._grants.get(auth_req_id)
            if grant is not None:
                grant.decision = decision

    def remove(self, auth_req_id: str) -> None:
        """Forget *auth_req_id* (a push client's, once its notification is built)."""
        with self._lock:
            self._grants.pop(auth_req_id, None)

    def poll(self, auth_req_id: str, client_id: int) -> tuple[Poll, Grant | None]:
        """One token request of client *client_id* for *auth_req_id*, and its grant."""
        with self._lock:
            grant = self._grants.get(auth_req_id)
            if grant is None or grant.request.client.client_id != client_id:
                return Poll.UNKNOWN, None
            now = self._clock()
            if now >= grant.expires_at:
                return Poll.EXPIRED, grant
            decision = grant.decision
            if decision is None:
                too_soon = grant.last_poll is not None and now - grant.last_poll < grant.interval
                grant.last_poll = now
                if too_soon:
                    grant.interval += SLOW_DOWN_STEP
                    return Poll.SLOW_DOWN, grant
                return Poll.PENDING, grant
            if decision.result is CompleteResult.ACCESS_DENIED:
                return Poll.DENIED, grant
            if decision.result is CompleteResult.TRANSACTION_FAILED:
                return Poll.FAILED, grant
            del self._grants[auth_req_id]  # single use
            return Poll.AUTHORIZED, grant

    def clear(self) -> None:
        """Forget every auth_req_id."""
        with self._lock:
            self._grants.clear()

    def _purge(self, now: float) -> None:
        gone = [key for key, g in self._grants.items() if g.expires_at + KEEP_EXPIRED <= now]
        for key in gone:
            del self._grants[key]
