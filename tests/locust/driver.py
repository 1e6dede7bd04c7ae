"""Runs the Locust user in a process of its own, for the tests, and prints what happened.

    python -m tests.locust.driver SCENARIO ARGUMENTS_AS_JSON

Importing Locust patches the process for gevent, so the pytest process never imports this
module: the tests start it (``tests.locust.support.run_driver``) and read one JSON object
from its stdout. It uses Locust's Environment API: a local runner whose statistics are
those a locust command would print. Every scenario ends by itself within a few seconds.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import resource
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
import locust.exception  # before aioauthlete (which imports ssl): Locust patches the process here
from locust.env import Environment
from locust.stats import RequestStats, StatsError

from aioauthlete import (
    AuthleteError,
    BackchannelAuthenticationCompleteRequest,
    BackchannelAuthenticationFailRequest,
    BackchannelAuthenticationIssueRequest,
    BackchannelAuthenticationRequest,
    CompleteResult,
    FailAction,
    FailReason,
    TokenRequest,
)
from aioauthlete.locust import AuthleteUser

ROOT = Path(__file__).resolve().parents[2]
CIBA_GRANT = "urn:openid:params:grant-type:ciba"


def statistics(stats: RequestStats) -> dict[str, Any]:
    """Requests and failures per row, and the failures' messages."""
    return {
        "rows": {name: [e.num_requests, e.num_failures] for (name, _), e in stats.entries.items()},
        "errors": sorted(
            [e.name, StatsError.parse_error(e.error), e.occurrences] for e in stats.errors.values()
        ),
    }


class Plain(AuthleteUser):
    """A user without tasks: the scenarios call its client themselves."""

    abstract = True


def user_at(base_url: str, **settings: object) -> tuple[Environment, Plain]:
    """One user aimed at *base_url* (*settings*: FastHttpUser's, such as
    ``network_timeout``), its requests recorded as in a locust run."""
    attributes = {"host": base_url, "abstract": False, **settings}
    user_class = type("Driven", (Plain,), attributes)
    environment = Environment(user_classes=[user_class])
    environment.create_local_runner()  # attaches the statistics to the request event
    return environment, user_class(environment)


def flow(args: dict[str, Any]) -> dict[str, Any]:
    """The example's CibaFlowUser, *users* of them for *seconds*."""
    spec = importlib.util.spec_from_file_location("locustfile", ROOT / "examples/locustfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.CibaFlowUser.host = args["base_url"]
    environment = Environment(user_classes=[module.CibaFlowUser])
    runner = environment.create_local_runner()
    runner.start(args["users"], spawn_rate=args["users"])
    gevent.sleep(args["seconds"])
    runner.quit()
    return statistics(environment.stats)


def calls(args: dict[str, Any]) -> dict[str, Any]:
    """Each operation once through the client, in the flow's order, and what came back."""
    environment, user = user_at(args["base_url"])
    client, client_id, secret = user.client, args["client_id"], args["client_secret"]
    hint = urllib.parse.urlencode({"scope": "openid", "login_hint": args["hint"]})
    answers: list[Any] = []
    found = client.backchannel_authentication(
        BackchannelAuthenticationRequest(parameters=hint, client_id=client_id, client_secret=secret)
    )
    answers.append(found)
    assert found.ticket is not None
    issued = client.backchannel_authentication_issue(
        BackchannelAuthenticationIssueRequest(ticket=found.ticket)
    )
    answers.append(issued)
    answers.append(
        client.backchannel_authentication_complete(
            BackchannelAuthenticationCompleteRequest(
                ticket=found.ticket, result=CompleteResult.AUTHORIZED, subject=args["subject"]
            )
        )
    )
    poll = urllib.parse.urlencode({"grant_type": CIBA_GRANT, "auth_req_id": issued.auth_req_id})
    answers.append(
        client.token(TokenRequest(parameters=poll, client_id=client_id, client_secret=secret))
    )
    gone = BackchannelAuthenticationFailRequest(
        ticket=found.ticket, reason=FailReason.ACCESS_DENIED
    )
    answers.append(client.backchannel_authentication_fail(gone))
    answers.append(client.backchannel_authentication_fail(gone, expect={FailAction.FORBIDDEN}))
    answers.append(client.backchannel_authentication_fail(gone, name="fail, named"))
    return {
        "answers": [[type(a).__name__, str(a.action)] for a in answers],
        "refused": refused(lambda: client.backchannel_authentication_fail(big_request())),
        **statistics(environment.stats),
    }


def big_request() -> BackchannelAuthenticationFailRequest:
    """A request over the default 1 MiB cap."""
    return BackchannelAuthenticationFailRequest(
        ticket="t", reason=FailReason.ACCESS_DENIED, error_description="x" * (1 << 20)
    )


def refused(call: Callable[[], object]) -> str:
    """The class of the exception *call* raised before sending anything."""
    try:
        call()
    except (ValueError, TypeError) as exc:
        return type(exc).__name__
    return "nothing"


def faults(args: dict[str, Any]) -> dict[str, Any]:
    """One fail call to each of *base_urls*: what it raised, what Locust recorded, how
    long it took and how much the process's peak memory grew."""
    outcomes = {}
    for label, base_url in args["base_urls"].items():
        environment, user = user_at(base_url, network_timeout=args["network_timeout"])
        request = BackchannelAuthenticationFailRequest(
            ticket=args["ticket"], reason="ACCESS_DENIED"
        )
        started, peak = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            answer = user.client.backchannel_authentication_fail(request)
        except AuthleteError as exc:
            outcome: dict[str, Any] = {"raised": type(exc).__name__, "text": str(exc)}
            outcome["ambiguous"] = exc.ambiguous
            outcome["repr"] = repr(exc)
        else:
            outcome = {"raised": None, "answer": repr(answer)}
        outcome["elapsed"] = time.monotonic() - started
        # How much higher the process's peak memory went (KiB on Linux): a body read whole.
        outcome["grown_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak
        outcome.update(statistics(environment.stats))
        outcomes[label] = outcome
    return outcomes


def again(args: dict[str, Any]) -> dict[str, Any]:
    """Two fail calls by one user: the class of each error, or each answer's result code."""
    _, user = user_at(args["base_url"], network_timeout=args["network_timeout"])
    request = BackchannelAuthenticationFailRequest(ticket=args["ticket"], reason="ACCESS_DENIED")
    answers = []
    for _ in range(2):
        try:
            answers.append(user.client.backchannel_authentication_fail(request).result_code)
        except AuthleteError as exc:
            answers.append(type(exc).__name__)
    return {"answers": answers}


def listened(args: dict[str, Any]) -> dict[str, Any]:
    """What a request event listener gets for each call: an answer, an answer whose action
    was not expected, and a call the server refused (its ticket unknown to it)."""
    environment, user = user_at(args["base_url"])
    user.context = lambda: {"tenant": "t1"}  # type: ignore[method-assign]
    seen: list[dict[str, Any]] = []

    def on_request(**event: Any) -> None:
        failure = event["exception"]
        seen.append(
            {
                "request_type": event["request_type"],
                "name": event["name"],
                "url": event["url"],
                "response_length": event["response_length"],
                "response": type(event["response"]).__name__,
                "context": event["context"],
                "exception": None if failure is None else repr(failure),
                "error": type(getattr(failure, "error", None)).__name__,
                "timed": 0 < event["response_time"] < 10_000,
                "started": abs(event["start_time"] - time.time()) < 60,
            }
        )

    environment.events.request.add_listener(on_request)  # type: ignore[no-untyped-call]
    request = BackchannelAuthenticationFailRequest(ticket=args["ticket"], reason="ACCESS_DENIED")
    user.client.backchannel_authentication_fail(request)
    user.client.backchannel_authentication_fail(request, expect={FailAction.BAD_REQUEST})
    refused = type("Refused", (type(user),), {"host": args["refusing_url"]})(environment)
    refused.context = user.context
    with contextlib.suppress(AuthleteError):
        refused.client.backchannel_authentication_fail(request)
    return {"seen": seen}


def tls(args: dict[str, Any]) -> dict[str, Any]:
    """A fail call over https: with Locust's default trust, then trusting the test's CA."""
    import ssl  # here: imported before Locust patched it, gevent would warn

    cafile = args["cafile"]

    def trusting(**_: object) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=cafile)

    request = BackchannelAuthenticationFailRequest(ticket="t" * 20, reason="ACCESS_DENIED")
    outcomes: dict[str, Any] = {}
    for label, settings in (
        ("default", {}),
        ("trusted", {"ssl_context_factory": staticmethod(trusting)}),
    ):
        _, user = user_at(args["base_url"], **settings)
        try:
            outcomes[label] = str(user.client.backchannel_authentication_fail(request).action)
        except AuthleteError as exc:
            outcomes[label] = f"{type(exc).__name__}: {exc}"
    return outcomes


def refusals(args: dict[str, Any]) -> dict[str, Any]:
    """What building a user says when it has no host, or may not verify TLS."""
    said = {}
    for label, attributes in (
        ("insecure", {"host": args["base_url"], "insecure": True}),
        ("no host", {"host": None}),
        ("plain http elsewhere", {"host": "http://authlete.example"}),
    ):
        user_class = type("Refused", (Plain,), {"abstract": False, **attributes})
        try:
            user_class(Environment(user_classes=[user_class]))
        except (ValueError, locust.exception.StopTest) as exc:
            said[label] = f"{type(exc).__name__}: {exc}"
        else:
            said[label] = "built"
    return said


SCENARIOS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "flow": flow,
    "calls": calls,
    "faults": faults,
    "again": again,
    "listened": listened,
    "tls": tls,
    "refusals": refusals,
}


def main() -> int:
    scenario, arguments = sys.argv[1], json.loads(sys.argv[2])
    assert locust.__version__  # the import above is what patched the process
    print(json.dumps(SCENARIOS[scenario](arguments)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
