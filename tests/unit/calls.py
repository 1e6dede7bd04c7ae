"""What a test of one operation asks of the mocked Authlete: where it lives, what was sent."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from aioresponses import aioresponses
from yarl import URL

from aioauthlete import Operation
from tests.helpers import SERVICE_ID


def url_of(operation: Operation[Any, Any], service_id: str = SERVICE_ID) -> str:
    """The 3.x URL of *operation* on *service_id*."""
    return f"https://us.authlete.com/api/{service_id}{operation.path}"


def sent(mocked: aioresponses, url: str) -> list[dict[str, Any]]:
    """The keyword arguments of each request sent to *url*."""
    assert mocked.requests is not None
    return [call.kwargs for call in mocked.requests.get(("POST", URL(url)), [])]


def sent_json(mocked: aioresponses, url: str) -> dict[str, Any]:
    """The JSON body of the one request sent to *url*."""
    [call] = sent(mocked, url)
    assert call["headers"]["Content-Type"] == "application/json"
    body: dict[str, Any] = json.loads(call["data"])
    return body


def sent_form(mocked: aioresponses, url: str) -> dict[str, list[str]]:
    """The form body of the one request sent to *url*, every value of each key."""
    [call] = sent(mocked, url)
    assert call["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    return urllib.parse.parse_qs(call["data"].decode("ascii"), keep_blank_values=True)
