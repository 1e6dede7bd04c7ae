"""The installed version, read from package metadata so that it cannot drift."""

from __future__ import annotations

import functools
import platform
from importlib.metadata import PackageNotFoundError, version


@functools.cache
def package_version() -> str:
    try:
        return version("aioauthlete")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "0+unknown"


@functools.cache
def user_agent() -> str:
    return f"aioauthlete/{package_version()} Python/{platform.python_version()}"
