"""From the environment and the connection flags to an ``AuthleteClient``.

The token and the API secret come from the environment only
(``AUTHLETE_SERVICE_ACCESSTOKEN``, ``AUTHLETE_SERVICE_APISECRET``): a value on the command
line would show in process listings and shell history, so there is no flag for them.
Everything else may come from a flag, which wins over its variable.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import Any

from .._client import AuthleteClient
from .._config import (
    ENV_ACCESS_TOKEN,
    ENV_API_SECRET,
    ENV_API_VERSION,
    ENV_BASE_URL,
    ENV_SERVICE_ID,
    env_settings,
)
from .._policies import RetryPolicy, TimeoutPolicy
from ._common import UsageError, positive_float, positive_int

#: A call's per-attempt bound when --timeout does not shorten it (the library's default).
ATTEMPT_SECONDS = TimeoutPolicy().attempt

CONNECTION_HELP = """\
The token (AUTHLETE_SERVICE_ACCESSTOKEN) or the 2.x API secret
(AUTHLETE_SERVICE_APISECRET) is read from the environment only. These
flags win over AUTHLETE_BASE_URL, AUTHLETE_SERVICE_APIKEY, AUTHLETE_API_VERSION."""


def add_client_options(
    parser: argparse.ArgumentParser, *, suppress: bool = False, attempts: str = "3"
) -> None:
    """Add ``--base-url --service-id --api-version --timeout --attempts`` to *parser*.

    With *suppress* the flags leave the namespace alone unless given, so a subcommand can
    repeat them without clobbering the same flags given before the subcommand's name.
    *attempts* is the default ``--attempts`` help states (a command may have its own).
    """

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("connection", CONNECTION_HELP)
    group.add_argument(
        "--base-url", default=default(None), metavar="URL", help=f"Authlete's URL ({ENV_BASE_URL})"
    )
    group.add_argument(
        "--service-id", default=default(None), metavar="ID", help=f"service ID ({ENV_SERVICE_ID})"
    )
    group.add_argument(
        "--api-version",
        default=default(None),
        type=str.upper,
        choices=["V2", "V3"],
        help=f"V3 (Bearer token, the default) or V2 (Basic with the secret) ({ENV_API_VERSION})",
    )
    group.add_argument(
        "--timeout",
        default=default(None),
        type=positive_float,
        metavar="S",
        help="overall deadline of one call in seconds, retries included (default 10)",
    )
    group.add_argument(
        "--attempts",
        default=default(None),
        type=positive_int,
        metavar="N",
        help=f"attempts per call, the first included (default {attempts})",
    )


def client_options(*, attempts: str = "3") -> argparse.ArgumentParser:
    """A parent parser with the connection flags, for ``add_parser(..., parents=[...])``."""
    parent = argparse.ArgumentParser(add_help=False)
    add_client_options(parent, suppress=True, attempts=attempts)
    return parent


def policies(args: argparse.Namespace) -> dict[str, Any]:
    """The ``retry``/``timeout`` client arguments that ``--attempts``/``--timeout`` ask for."""
    chosen: dict[str, Any] = {}
    attempts = getattr(args, "attempts", None)
    if attempts is not None:
        chosen["retry"] = RetryPolicy(attempts=attempts)
    total = getattr(args, "timeout", None)
    if total is not None:
        chosen["timeout"] = TimeoutPolicy(total=total, attempt=min(ATTEMPT_SECONDS, total))
    return chosen


def merged_environ(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment with the connection flags written over their variables."""
    env = dict(environ)
    for flag, variable in (
        ("base_url", ENV_BASE_URL),
        ("service_id", ENV_SERVICE_ID),
        ("api_version", ENV_API_VERSION),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            env[variable] = value
    return env


def has_credentials(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment names a token or a secret (a real Authlete is configured)."""
    env = os.environ if environ is None else environ
    return bool(env.get(ENV_ACCESS_TOKEN) or env.get(ENV_API_SECRET))


def build_client(
    args: argparse.Namespace,
    *,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> AuthleteClient:
    """The client the flags and the environment describe; ``UsageError`` if they cannot work.

    *overrides* are further ``AuthleteClient`` keyword arguments (``max_connections``...).
    """
    env = merged_environ(args, os.environ if environ is None else environ)
    try:
        settings: dict[str, Any] = env_settings(env)
    except ValueError:
        raise UsageError(
            f"no service ID: set {ENV_SERVICE_ID} or pass --service-id "
            "(and the token in AUTHLETE_SERVICE_ACCESSTOKEN)"
        ) from None
    version = settings.get("api_version", "V3")
    if version == "V3" and "access_token" not in settings:
        raise UsageError(f"{ENV_ACCESS_TOKEN} is not set (the token is read from the environment)")
    if version == "V2" and "api_secret" not in settings:
        raise UsageError(f"{ENV_API_SECRET} is not set (API version V2 needs the service secret)")
    settings.update(policies(args))
    settings.update(overrides)
    try:
        return AuthleteClient(**settings)
    except (ValueError, TypeError) as exc:  # the library's messages never echo a credential
        raise UsageError(str(exc)) from None
