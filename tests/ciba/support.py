"""Canaries and Authlete's answers for the handler tests.

Every secret of the flow is a canary (a fresh random value per run): the leak check of
``conftest.py`` fails a test in which one shows in a log record or in anything the test
handed to ``watch.add``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import urllib.parse
import uuid
from typing import Any

from aioresponses import aioresponses

from aioauthlete import AuthleteClient, Operation
from aioauthlete.ciba import ClientRequest
from aioauthlete.operations import AUTHENTICATION, COMPLETE, FAIL, ISSUE, TOKEN
from tests.helpers import SERVICE_ID, FakeTime
from tests.unit.calls import sent_json


def _canary(prefix: str) -> str:
    return f"{prefix}-canary-{uuid.uuid4().hex}"


TOKEN_ = _canary("TOK")  # the Authlete access token
CLIENT_SECRET = _canary("CS")
TICKET = _canary("TKT")
NOTIFICATION_TOKEN = _canary("CNT")
USER_CODE = _canary("UC")
HINT_TOKEN = _canary("LHT")
ACCESS_TOKEN = _canary("AT")
AUTH_REQ_ID = _canary("ARI")
#: Every value that must never show in a log record, a repr or an error.
CANARIES = {
    "Authlete token": TOKEN_,
    "client secret": CLIENT_SECRET,
    "ticket": TICKET,
    "notification token": NOTIFICATION_TOKEN,
    "user code": USER_CODE,
    "login hint token": HINT_TOKEN,
    "access token": ACCESS_TOKEN,
    "auth_req_id": AUTH_REQ_ID,
}

CLIENT_ID = "1234"
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
BODY = urllib.parse.urlencode(
    {"scope": "openid", "login_hint": "john", "client_notification_token": NOTIFICATION_TOKEN}
)


def url_of(operation: Operation[Any, Any]) -> str:
    """Where aioresponses answers *operation* for the test client."""
    return f"https://us.authlete.com/api/{SERVICE_ID}{operation.path}"


AUTHENTICATION_URL = url_of(AUTHENTICATION)
ISSUE_URL = url_of(ISSUE)
FAIL_URL = url_of(FAIL)
COMPLETE_URL = url_of(COMPLETE)
TOKEN_URL = url_of(TOKEN)


def identification(**fields: Any) -> dict[str, Any]:
    """A ``USER_IDENTIFICATION`` answer of the authentication call for the canary ticket."""
    answer: dict[str, Any] = {
        "resultCode": "A179001",
        "action": "USER_IDENTIFICATION",
        "clientId": 1234,
        "clientName": "CIBA client",
        "deliveryMode": "PING",
        "hintType": "LOGIN_HINT",
        "hint": "john",
        "scopes": [{"name": "openid"}, {"name": "email"}],
        "claimNames": ["email"],
        "acrs": ["loa2"],
        "bindingMessage": "W4SCT",
        "requestedExpiry": 120,
        "clientNotificationToken": NOTIFICATION_TOKEN,
        "ticket": TICKET,
    }
    answer.update(fields)
    return answer


ISSUED_CONTENT = json.dumps({"auth_req_id": AUTH_REQ_ID, "expires_in": 120, "interval": 5})
ISSUED = {
    "resultCode": "A183001",
    "action": "OK",
    "authReqId": AUTH_REQ_ID,
    "expiresIn": 120,
    "interval": 5,
    "responseContent": ISSUED_CONTENT,
}


def failed(reason: str, action: str = "BAD_REQUEST") -> dict[str, Any]:
    """The fail call's answer for *reason*."""
    return {
        "resultCode": "A185001",
        "action": action,
        "responseContent": json.dumps({"error": reason.lower()}),
    }


def completed(action: str = "NO_ACTION", **fields: Any) -> dict[str, Any]:
    """The complete call's answer."""
    return {"resultCode": "A198001", "action": action, **fields}


def test_client(**options: Any) -> AuthleteClient:
    """A client aimed at aioresponses' Authlete with the canary token, whose retries
    wait on a fake clock."""
    fake = FakeTime()
    kwargs: dict[str, Any] = {
        "service_id": SERVICE_ID,
        "access_token": TOKEN_,
        "sleep": fake.sleep,
        "clock": fake.clock,
    }
    return AuthleteClient(**{**kwargs, **options})


test_client.__test__ = False  # type: ignore[attr-defined]  # not a test, whatever its name


class SkippedWaits:
    """Backoff sleeps that take no real time but are recorded; the clock is the real one
    plus every skipped wait, so deadlines see both."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return time.monotonic() + self.offset

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds
        await asyncio.sleep(0)


#: A backchannel request of the canary client, with Basic credentials.
REQUEST = ClientRequest(body=BODY, authorization=BASIC)


def answers_identification(mocked: aioresponses, **fields: Any) -> None:
    """Have the mocked Authlete answer the authentication call with USER_IDENTIFICATION."""
    mocked.post(AUTHENTICATION_URL, payload=identification(**fields))


def fail_reason(mocked: aioresponses) -> str:
    """The reason of the one fail call sent."""

    reason: str = sent_json(mocked, FAIL_URL)["reason"]
    return reason
