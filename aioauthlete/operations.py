"""The operations as values, for the client's generic doors (``call``, ``many``,
``stream``) and for tools that pick an operation at run time::

    outcomes = await client.many(operations.FAIL, requests, concurrency=64)

Each has a method of its own on ``AuthleteClient`` too.
"""

from __future__ import annotations

from ._operations._authentication import AUTHENTICATION
from ._operations._complete import COMPLETE
from ._operations._fail import FAIL
from ._operations._issue import ISSUE
from ._operations._token import TOKEN

__all__ = ["AUTHENTICATION", "COMPLETE", "FAIL", "ISSUE", "TOKEN"]
