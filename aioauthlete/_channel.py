"""A bounded hand-over from a batch's workers to the one task that consumes its outcomes.

``asyncio.Queue`` would do, at the price of a coroutine per ``put`` and per ``get`` and a
wake-up of the consumer per item. Here putting is synchronous while there is room, and
the consumer, once woken, takes everything that has arrived in one go: under load many
outcomes share one wake-up.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Channel(Generic[T]):
    """Many producers, one consumer, at most ``limit`` items waiting (beyond that,
    producers wait in ``room``)."""

    __slots__ = ("_items", "_limit", "_reader", "_writers")

    def __init__(self, limit: int) -> None:
        self._items: deque[T] = deque()
        self._limit = limit
        self._reader: asyncio.Future[None] | None = None
        self._writers: list[asyncio.Future[None]] = []

    def put(self, item: T) -> bool:
        """Hand *item* over; True when the channel is now full (then await ``room``)."""
        self._items.append(item)
        reader = self._reader
        if reader is not None:
            self._reader = None
            if not reader.done():
                reader.set_result(None)
        return len(self._items) >= self._limit

    async def room(self) -> None:
        """Wait until the consumer has taken what is waiting."""
        while len(self._items) >= self._limit:
            writer: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._writers.append(writer)
            try:
                await writer
            finally:
                if writer in self._writers:
                    self._writers.remove(writer)

    async def take_all(self) -> deque[T]:
        """Everything waiting, after waiting for at least one item; room for the writers."""
        if not self._items:
            reader: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._reader = reader
            try:
                await reader
            finally:
                self._reader = None
        items, self._items = self._items, deque()
        writers, self._writers = self._writers, []
        for writer in writers:
            if not writer.done():
                writer.set_result(None)
        return items
