"""The operations as values, for the client's generic doors (``call``, ``many``,
``stream``) and for tools that pick an operation at run time::

    outcomes = await client.many(operations.FAIL, requests, concurrency=64)

Each has a method of its own on ``AuthleteClient`` too.
"""

from __future__ import annotations

from ._operations._fail import FAIL

__all__ = ["FAIL"]
