"""Many calls of one operation: a fixed pool of workers pulling lazily from one input.

Workers, not one task per request: the input is read only as fast as requests are sent,
so a million-ticket file never sits in memory, and at most ``concurrency`` calls are in
flight. Each worker turns every ``AuthleteError`` into an ``Outcome``; anything else (a bug,
an invalid request object, an error raised by the input iterator) and cancellation stop the
whole batch, and no worker task outlives it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from attrs import frozen

from ._channel import Channel
from ._errors import AuthleteError
from ._operation import Operation
from ._outcome import Outcome
from ._policies import RetryPolicy, TimeoutPolicy
from ._ratelimit import RateLimiter

if TYPE_CHECKING:
    from ._client import AuthleteClient
    from ._retry import Answered

Req = TypeVar("Req")
Resp = TypeVar("Resp")
O = TypeVar("O", bound=Outcome[Any, Any])  # noqa: E741 - the outcome class of a batch

#: A batch's input: any iterable of requests, sync or async (the operation's request model,
#: a ``FormRequest`` of one, or another shape the operation accepts).
Requests = Iterable[Any] | AsyncIterable[Any]

#: The end of an async input (a None in the input is a bad request, not the end).
_END: Any = object()


class _Source:
    """Hands out ``(index, request)`` pairs from a sync or async iterable, one at a time."""

    def __init__(self, requests: Requests) -> None:
        #: The pairs of a sync iterable: ``next`` on it is all a worker needs.
        self.pairs: Iterator[tuple[int, Any]] | None = None
        self._async: AsyncIterator[Any] | None = None
        if isinstance(requests, AsyncIterable):
            self._async = aiter(requests)
        else:
            self.pairs = enumerate(requests)
        self._lock = asyncio.Lock()  # an async generator refuses concurrent __anext__
        self._next_index = 0

    async def take(self) -> tuple[int, Any] | None:
        """The next pair, or None at the end; an async iterable is read one worker at a time."""
        if self.pairs is not None:
            return next(self.pairs, None)
        assert self._async is not None
        async with self._lock:
            request = await anext(self._async, _END)
        if request is _END:
            return None
        index = self._next_index
        self._next_index = index + 1
        return index, request


class _Crash:
    """A worker's unexpected exception, carried to the consumer to be raised there."""

    __slots__ = ("exc",)

    def __init__(self, exc: Exception) -> None:
        self.exc = exc


#: What workers hand to the consumer: an outcome, a crash, or None when a worker is done.
_Item = Outcome[Any, Any] | _Crash | None


class _Batch(Generic[O]):
    """The per-batch settings every worker shares."""

    def __init__(
        self,
        client: AuthleteClient,
        operation: Operation[Any, Any],
        outcome: type[O],
        retry: RetryPolicy,
        timeout: TimeoutPolicy | None,
        limiter: RateLimiter | None,
    ) -> None:
        self.client = client
        self.operation = operation
        self.outcome = outcome
        self.clock = client._retrier.clock
        self.timeout = timeout
        self.limiter = limiter
        self.retry = retry

    async def run_pairs(self, pairs: Iterator[tuple[int, Any]], channel: Channel[_Item]) -> None:
        """The hot loop: a sync input and no rate limit, so nothing to wait for but answers.

        Shared by every worker (each ``next`` hands one pair to one worker).
        """
        call, operation = self.client._call, self.operation
        retry, timeout, clock = self.retry, self.timeout, self.clock
        for index, request in pairs:
            started = clock()
            try:
                answered = await call(operation, request, retry, timeout)
            except AuthleteError as error:
                outcome = self._failed(index, request, error, started)
            else:
                outcome = self._answered(index, request, answered, started)
            if channel.put(outcome):
                await channel.room()

    async def run_one(self, index: int, request: Any) -> O:
        """One request, any input: it waits for its turn under the rate limit (if any),
        and its retries wait for theirs (see ``Retrier.call``)."""
        limiter = self.limiter
        if limiter is not None:
            await limiter.acquire()
        started = self.clock()
        try:
            answered = await self.client._call(
                self.operation, request, self.retry, self.timeout, limiter
            )
        except AuthleteError as error:
            return self._failed(index, request, error, started)
        return self._answered(index, request, answered, started)

    def _answered(self, index: int, request: Any, answered: Answered[Any], started: float) -> O:
        return self.outcome(
            index=index,
            request=request,
            response=answered.response,
            error=None,
            attempts=answered.attempts,
            ambiguous=answered.ambiguous,
            elapsed=self.clock() - started,
        )

    def _failed(self, index: int, request: Any, error: AuthleteError, started: float) -> O:
        return self.outcome(
            index=index,
            request=request,
            response=None,
            error=error,
            attempts=error.attempts,
            ambiguous=error.ambiguous,
            elapsed=self.clock() - started,
        )


async def _work(batch: _Batch[Any], source: _Source, channel: Channel[_Item]) -> None:
    try:
        if source.pairs is not None and batch.limiter is None:
            await batch.run_pairs(source.pairs, channel)
        else:
            while (item := await source.take()) is not None:
                if channel.put(await batch.run_one(*item)):
                    await channel.room()
    except Exception as exc:  # noqa: BLE001 - handed to the consumer, who raises it
        channel.put(_Crash(exc))
    else:
        channel.put(None)


def check_concurrency(client: AuthleteClient, concurrency: int) -> None:
    """Refuse more workers than pooled connections (they would queue inside deadlines)."""
    if concurrency < 1:
        raise ValueError("concurrency must be 1 or more")
    if concurrency > client.max_connections:
        raise ValueError(
            f"concurrency {concurrency} exceeds the client's max_connections "
            f"{client.max_connections}; build the client with max_connections >= {concurrency}"
        )


@frozen(kw_only=True)
class BatchOptions:
    """How one batch runs; checked when the batch is created, before any I/O."""

    concurrency: int
    rate: float | None = None
    burst: int | None = None
    retry: RetryPolicy | None = None
    timeout: TimeoutPolicy | None = None

    def check(self, client: AuthleteClient) -> BatchOptions:
        """Check the options against *client* too; return them for chaining."""
        check_concurrency(client, self.concurrency)
        if self.rate is not None:
            RateLimiter(self.rate, self.burst)  # the same checks the batch will meet
        return self


async def stream(
    client: AuthleteClient,
    operation: Operation[Any, Any],
    requests: Requests,
    options: BatchOptions,
    outcome: type[O],
) -> AsyncGenerator[O, None]:
    """Yield one *outcome* per request, in completion order (see ``Outcome.index``)."""
    concurrency = options.concurrency
    limiter = None if options.rate is None else RateLimiter(options.rate, options.burst)
    retry = client.retry if options.retry is None else options.retry
    batch = _Batch(client, operation, outcome, retry, options.timeout, limiter)
    source = _Source(requests)
    channel: Channel[_Item] = Channel(concurrency)
    workers = [asyncio.create_task(_work(batch, source, channel)) for _ in range(concurrency)]
    try:
        running = len(workers)
        while running:
            for item in await channel.take_all():
                if item is None:
                    running -= 1
                elif isinstance(item, _Crash):
                    raise item.exc
                else:
                    yield item  # type: ignore[misc]  # workers put only this batch's outcomes
    finally:
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


async def in_input_order(outcomes_of: AsyncGenerator[O, None]) -> list[O]:
    """Every outcome of a batch's stream, sorted back into input order."""
    async with contextlib.aclosing(outcomes_of):
        outcomes = [outcome async for outcome in outcomes_of]
    outcomes.sort(key=lambda o: o.index)
    return outcomes
