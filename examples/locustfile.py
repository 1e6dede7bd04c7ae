"""The whole CIBA backchannel flow under load, against the emulator or a real Authlete.

    locust -f examples/locustfile.py --host URL --headless -u 50 -r 50 -t 10s --csv out

Each virtual user runs flows back to back (no think time unless ``--think-time``):
``/backchannel/authentication`` with a login hint, then either ``fail`` (the endpoint
rejects the request: ``--fail-share`` of the flows, 0.2 by default) or ``issue``,
``complete`` (the user authorized it) and the client's ``token`` poll. ``fail`` comes
where a real endpoint calls it, instead of ``issue``: once the client holds an
``auth_req_id``, the user's refusal goes through ``complete``.

Configuration, read by every worker from its environment:

- the service: ``AUTHLETE_SERVICE_APIKEY``, ``AUTHLETE_SERVICE_ACCESSTOKEN`` (or
  ``AUTHLETE_API_VERSION=V2`` and ``AUTHLETE_SERVICE_APISECRET``); the URL is ``--host``,
  else ``AUTHLETE_BASE_URL``;
- the CIBA client (poll or ping mode; its token calls poll): ``AUTHLETE_CIBA_CLIENT_ID``
  and ``AUTHLETE_CIBA_CLIENT_SECRET``, by default the emulator's poll client;
- the end-users: ``AUTHLETE_CIBA_USERS``, comma-separated ``login_hint:subject`` pairs
  (``subject`` defaults to the hint), by default the emulator's three users.

A call whose action is not the one the flow needs next is a failure in the statistics
(``unexpected action ...``), and so is every transport error, non-2xx answer and
unusable answer; the flow then ends and the user starts the next one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import urllib.parse

from attrs import frozen
from locust import events, task
from locust.env import Environment

from aioauthlete import (
    AuthleteError,
    BackchannelAuthenticationAction,
    BackchannelAuthenticationCompleteRequest,
    BackchannelAuthenticationFailRequest,
    BackchannelAuthenticationIssueRequest,
    BackchannelAuthenticationRequest,
    CompleteAction,
    CompleteResult,
    FailAction,
    FailReason,
    IssueAction,
    TokenAction,
    TokenRequest,
)
from aioauthlete.locust import AuthleteUser
from aioauthlete.testing import DEFAULT_POLL_CLIENT, DEFAULT_USERS

CIBA_GRANT = "urn:openid:params:grant-type:ciba"
DEFAULT_FAIL_SHARE = 0.2


def share(text: str) -> float:
    """``--fail-share``: a number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be a number from 0 to 1")
    return value


def seconds(text: str) -> float:
    """``--think-time``: seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value < float("inf"):
        raise argparse.ArgumentTypeError("must be a number of seconds, 0 or more")
    return value


@events.init_command_line_parser.add_listener
def add_options(parser: argparse.ArgumentParser) -> None:
    """The flow's own options (Locust forwards them to its workers)."""
    parser.add_argument(
        "--fail-share",
        type=share,
        default=DEFAULT_FAIL_SHARE,
        help="share of the flows the endpoint rejects with fail (default %(default)s)",
    )
    parser.add_argument(
        "--think-time",
        type=seconds,
        default=0.0,
        help="seconds each user waits between flows (default: none)",
    )


@frozen
class EndUser:
    """Who a flow asks for: the login hint the client sends, the subject complete gets."""

    hint: str
    subject: str


@frozen
class Ciba:
    """The CIBA client whose requests the flows make, and the users they name."""

    client_id: str
    client_secret: str = ""
    users: tuple[EndUser, ...] = ()

    @classmethod
    def from_env(cls) -> Ciba:
        client_id = os.environ.get("AUTHLETE_CIBA_CLIENT_ID") or str(DEFAULT_POLL_CLIENT.client_id)
        secret = os.environ.get("AUTHLETE_CIBA_CLIENT_SECRET") or DEFAULT_POLL_CLIENT.secret
        given = os.environ.get("AUTHLETE_CIBA_USERS")
        users = (
            parse_users(given) if given else [EndUser(u.login, u.subject) for u in DEFAULT_USERS]
        )
        return cls(client_id, secret, tuple(users))


def parse_users(text: str) -> list[EndUser]:
    """``hint[:subject],...``; ValueError without a single user."""
    users = []
    for item in text.split(","):
        hint, _, subject = item.strip().partition(":")
        if hint:
            users.append(EndUser(hint, subject or hint))
    if not users:
        raise ValueError("AUTHLETE_CIBA_USERS names no user (hint:subject,...)")
    return users


def option(environment: Environment, name: str, default: float) -> float:
    """A flow option; the default where Locust parsed no command line (its Environment
    API) or before a worker has the master's options."""
    value = getattr(environment.parsed_options, name, None)
    return default if value is None else float(value)


class CibaFlowUser(AuthleteUser):
    """One virtual user: the CIBA backchannel flow, again and again."""

    ciba: Ciba

    def wait_time(self) -> float:
        return option(self.environment, "think_time", 0.0)

    def on_start(self) -> None:
        self.ciba = Ciba.from_env()

    @task
    def flow(self) -> None:
        # A failed call is in the statistics already; its flow just ends there.
        with contextlib.suppress(AuthleteError):
            self.run_flow(random.choice(self.ciba.users))  # noqa: S311 - a load mix

    def run_flow(self, user: EndUser) -> None:
        """authentication, then fail, or issue, complete and token."""
        ticket = self.authenticate(user)
        if ticket is None:
            return
        if random.random() < option(self.environment, "fail_share", DEFAULT_FAIL_SHARE):  # noqa: S311
            self.client.backchannel_authentication_fail(
                BackchannelAuthenticationFailRequest(
                    ticket=ticket, reason=FailReason.ACCESS_DENIED
                ),
                expect={FailAction.FORBIDDEN},
            )
            return
        issued = self.client.backchannel_authentication_issue(
            BackchannelAuthenticationIssueRequest(ticket=ticket), expect={IssueAction.OK}
        )
        if issued.action is not IssueAction.OK or issued.auth_req_id is None:
            return
        completed = self.client.backchannel_authentication_complete(
            BackchannelAuthenticationCompleteRequest(
                ticket=ticket, result=CompleteResult.AUTHORIZED, subject=user.subject
            ),
            expect={CompleteAction.NO_ACTION, CompleteAction.NOTIFICATION},
        )
        if completed.action is not CompleteAction.SERVER_ERROR:
            self.poll(issued.auth_req_id)

    def authenticate(self, user: EndUser) -> str | None:
        """The client's backchannel request for *user*; the ticket, or None."""
        parameters = urllib.parse.urlencode({"scope": "openid", "login_hint": user.hint})
        answer = self.client.backchannel_authentication(
            BackchannelAuthenticationRequest(
                parameters=parameters,
                client_id=self.ciba.client_id,
                client_secret=self.ciba.client_secret,
            ),
            expect={BackchannelAuthenticationAction.USER_IDENTIFICATION},
        )
        return (
            answer.ticket
            if answer.action is BackchannelAuthenticationAction.USER_IDENTIFICATION
            else None
        )

    def poll(self, auth_req_id: str) -> None:
        """The client's token request, once the user has decided."""
        parameters = urllib.parse.urlencode({"grant_type": CIBA_GRANT, "auth_req_id": auth_req_id})
        self.client.token(
            TokenRequest(
                parameters=parameters,
                client_id=self.ciba.client_id,
                client_secret=self.ciba.client_secret,
            ),
            expect={TokenAction.OK},
        )
