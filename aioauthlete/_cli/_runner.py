"""The batch loop shared by ``fail-batch`` and ``demo``: rows in, one result per row out.

Rows stream into ``backchannel_authentication_fail_stream``, which reads them only as
fast as it sends them. Rows that cannot be sent, and rows an earlier run settled, never
reach the stream: they are recorded (or skipped) as they are read. The stream numbers
the requests it is given; ``pending`` maps that number back to the row, holding only the
rows in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterable, Callable

from .._client import AuthleteClient
from .._models import BackchannelAuthenticationFailRequest
from .._outcome import FailOutcome
from ._input import Row, prepare
from ._output import ResultWriter
from ._progress import Progress
from ._records import category, invalid_record, is_definitive, outcome_record
from ._resume import DEFINITIVE, OK, ResumeIndex, resume_key
from ._summary import Tally

OnOutcome = Callable[[Row, FailOutcome], object]


class BatchRunner:
    """Sends the rows of one batch and accounts for each of them exactly once."""

    def __init__(
        self,
        client: AuthleteClient,
        tally: Tally,
        *,
        concurrency: int,
        rate: float | None = None,
        burst: int | None = None,
        writer: ResultWriter | None = None,
        resumed: ResumeIndex | None = None,
        progress: Progress | None = None,
        on_outcome: OnOutcome | None = None,
    ) -> None:
        self._client = client
        self._tally = tally
        self._concurrency = concurrency
        self._rate = rate
        self._burst = burst
        self._writer = writer
        self._resumed = resumed if resumed is not None and len(resumed) else None
        self._progress = progress
        self._on_outcome = on_outcome
        self._retry_statuses = client.retry.retry_statuses
        self._pending: dict[int, Row] = {}

    async def run(self, rows: AsyncIterable[Row]) -> None:
        """Run the batch to its end (or until cancelled; results so far stay written)."""
        requests = self._requests(rows)
        stream = self._client.backchannel_authentication_fail_stream(
            requests, concurrency=self._concurrency, rate=self._rate, burst=self._burst
        )
        try:
            async with contextlib.aclosing(requests), contextlib.aclosing(stream):
                async for outcome in stream:
                    self._record(self._pending.pop(outcome.index), outcome)
        except asyncio.CancelledError:
            self._tally.interrupted = True
            raise
        finally:
            self._tally.stop()
            if self._progress is not None:
                self._progress.finish(*self._counts())

    async def _requests(
        self, rows: AsyncIterable[Row]
    ) -> AsyncGenerator[BackchannelAuthenticationFailRequest, None]:
        number = 0
        async for unchecked in rows:
            if self._skip(unchecked):
                continue
            row = prepare(unchecked)
            if row.request is None:
                self._record_invalid(row)
                continue
            self._pending[number] = row
            number += 1
            yield row.request

    def _skip(self, row: Row) -> bool:
        if self._resumed is None:
            return False
        flags = self._resumed.flags(resume_key(row.ticket, row.index))
        if flags is None or not flags & DEFINITIVE:
            return False
        self._tally.skip(ok=bool(flags & OK))
        self._tick()
        return True

    def _record_invalid(self, row: Row) -> None:
        if self._writer is not None:
            self._writer.write(invalid_record(row))
        self._tally.invalid()
        self._tick()

    def _record(self, row: Row, outcome: FailOutcome) -> None:
        if self._writer is not None:
            definitive = is_definitive(outcome.error, self._retry_statuses)
            self._writer.write(outcome_record(row, outcome, definitive))
        group, detail = category(outcome)
        self._tally.sent(group, detail, outcome.elapsed, outcome.attempts, outcome.ambiguous)
        if self._on_outcome is not None:
            self._on_outcome(row, outcome)
        self._tick()

    def _tick(self) -> None:
        if self._progress is not None:
            self._progress.update(*self._counts())

    def _counts(self) -> tuple[int, int, int]:
        tally = self._tally
        return tally.processed + tally.skipped, tally.processed, tally.failed
