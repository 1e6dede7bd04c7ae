"""What a CIBA endpoint sends its own client along with Authlete's ``responseContent``."""

from __future__ import annotations

import types
from collections.abc import Mapping

#: JSON that must not be cached (RFC 6749 section 5.1, CIBA Core 1.0 section 7.3).
JSON_NO_STORE: Mapping[str, str] = types.MappingProxyType(
    {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
)


def with_challenge(realm: str) -> Mapping[str, str]:
    """``JSON_NO_STORE`` and a ``WWW-Authenticate`` challenge for *realm* (401 answers)."""
    return types.MappingProxyType({**JSON_NO_STORE, "WWW-Authenticate": f'Basic realm="{realm}"'})
