"""Shared values and fakes for the test suite."""

from __future__ import annotations

import uuid
from typing import NamedTuple

from aioauthlete import AuthleteError, BackchannelAuthenticationFailRequest, FailReason

SERVICE_ID = "715948317"
#: A canary: tests assert it never shows up in any message, repr or log record.
TOKEN = f"TOK-canary-{uuid.uuid4().hex}"
SECRET = f"SEC-canary-{uuid.uuid4().hex}"
TICKET = f"TKT-canary-{uuid.uuid4().hex}"


class CallSubject(NamedTuple):
    """What the retry loop logs a call as (the client passes its PreparedRequest)."""

    service_id: str
    ticket: str
    status: int = 200
    label: str = "fail"

    @property
    def named(self) -> tuple[str, str]:
        return ("ticket", self.ticket)

    def scrub(self, error: AuthleteError) -> AuthleteError:
        """No secrets to mask here: the error as it is."""
        return error


FAIL_URL = f"https://us.authlete.com/api/{SERVICE_ID}/backchannel/authentication/fail"

OK_BODY = {
    "resultCode": "A185001",
    "resultMessage": "[A185001] Successfully generated an error response.",
    "action": "FORBIDDEN",
    "responseContent": '{"error":"access_denied"}',
}


def fail_request(
    ticket: str = TICKET, reason: FailReason = FailReason.ACCESS_DENIED
) -> BackchannelAuthenticationFailRequest:
    return BackchannelAuthenticationFailRequest(ticket=ticket, reason=reason)


class FakeTime:
    """A clock that only moves when the code under test sleeps: retries run in microseconds."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
