"""The batch loop shared by ``fail-batch`` and ``demo``: rows in, one result per row out.

Rows stream into ``backchannel_authentication_fail_stream``, which reads them only as
fast as it sends them. Rows that cannot be sent, and rows an earlier run settled, never
reach the stream: they are recorded (or skipped) as they are read. The stream numbers
the requests it is given; ``pending`` maps that number back to the row, holding only the
rows in flight.

A ticket's sent mark is written before its request is handed to the stream, so a run
that dies with calls in flight leaves a record of them (see ``_previous``). ``stop`` ends
a batch early without losing answers: no more rows are read, and the calls in flight
finish (each within its deadline, the grace bounded by ``grace``) and are recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections.abc import AsyncGenerator, AsyncIterable, Callable

from .._client import AuthleteClient
from .._operations._fail import BackchannelAuthenticationFailRequest
from .._outcome import FailOutcome
from ._input import Row, prepare
from ._misconfig import ConfigurationWatch
from ._output import ResultWriter
from ._progress import Progress
from ._records import answer_lost, category, invalid_record, is_definitive, outcome_record
from ._resume import DEFINITIVE, OK, REACHED, ResumeIndex, resume_key
from ._summary import Tally

#: Seconds a stopping batch waits beyond one call's deadline before it cuts calls off.
GRACE_MARGIN = 1.0


class Stop(enum.Enum):
    """Why a batch stopped before the end of its input."""

    SIGNAL = "a signal"
    MISCONFIGURED = "Authlete refused the configuration"
    OUTPUT = "the results file cannot be written"


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
        on_stop: Callable[[], object] | None = None,
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
        self._on_stop = on_stop
        self._retry_statuses = client.retry.retry_statuses
        self._pending: dict[int, Row] = {}
        self._reached: set[int] = set()  # pending numbers an earlier run may have sent
        self._watch = ConfigurationWatch()
        self._deadline: asyncio.Timeout | None = None
        #: Seconds the calls in flight get to finish once the batch is stopped.
        self.grace = client.timeout.total + GRACE_MARGIN
        #: Why the batch stopped early, None while it has not.
        self.stopped: Stop | None = None
        #: The 401/403/404 every first answer was, when that stopped the batch.
        self.refused: int | None = None

    @property
    def cut_off(self) -> int:
        """Calls that were in flight when the batch was cancelled (none once it ended)."""
        return len(self._pending)

    @property
    def refusing(self) -> int | None:
        """The 401/403/404 every answer so far was, if each one was (see ``_misconfig``)."""
        return self._watch.status

    async def run(self, rows: AsyncIterable[Row]) -> None:
        """Run the batch to its end, or until stopped or cancelled (results stay written)."""
        requests = self._requests(rows)
        stream = self._client.backchannel_authentication_fail_stream(
            requests, concurrency=self._concurrency, rate=self._rate, burst=self._burst
        )
        deadline = self._deadline = asyncio.timeout(None)
        try:
            async with deadline, contextlib.aclosing(requests), contextlib.aclosing(stream):
                async for outcome in stream:
                    self._record(outcome.index, outcome)
        except TimeoutError:
            if not deadline.expired():
                raise
            self._tally.interrupted = True  # the grace ran out: calls in flight were cut off
        except asyncio.CancelledError:
            self._tally.interrupted = True
            raise
        finally:
            self._deadline = None
            self._tally.stop()
            if self._progress is not None:
                self._progress.finish(*self._counts())

    def stop(self, why: Stop) -> None:
        """Read no more rows; let the calls in flight finish within ``grace`` seconds."""
        if self.stopped is not None:
            return
        self.stopped = why
        if why is Stop.SIGNAL:
            self._tally.interrupted = True
        else:
            self._tally.stopped_early = True
        if self._on_stop is not None:
            self._on_stop()
        if self._deadline is not None:
            self._deadline.reschedule(asyncio.get_running_loop().time() + self.grace)

    async def _requests(
        self, rows: AsyncIterable[Row]
    ) -> AsyncGenerator[BackchannelAuthenticationFailRequest, None]:
        number = 0
        writer = self._writer
        async for unchecked in rows:
            if self.stopped is not None:
                return
            flags = self._flags(unchecked)
            if flags & DEFINITIVE:
                self._skip(flags)
                continue
            row = prepare(unchecked)
            if row.request is None:
                self._record_invalid(row)
                continue
            if writer is not None and not writer.mark_sent(row.index, row.line, row.ticket):
                self.stop(Stop.OUTPUT)  # unmarked, the request must not go out
                return
            if flags & REACHED:
                self._reached.add(number)
            self._pending[number] = row
            number += 1
            yield row.request

    def _flags(self, row: Row) -> int:
        """What the results file says of *row*'s ticket (0 when nothing, or not resuming)."""
        if self._resumed is None:
            return 0
        return self._resumed.flags(resume_key(row.ticket, row.index)) or 0

    def _skip(self, flags: int) -> None:
        self._tally.skip(ok=bool(flags & OK))
        self._tick()

    def _record_invalid(self, row: Row) -> None:
        if self._writer is not None and not self._writer.write(invalid_record(row)):
            self.stop(Stop.OUTPUT)
        self._tally.invalid()
        self._tick()

    def _record(self, number: int, outcome: FailOutcome) -> None:
        row = self._pending.pop(number)
        reached = bool(self._reached) and number in self._reached
        if reached:
            self._reached.discard(number)
        lost = answer_lost(outcome, reached)
        if self._writer is not None:
            definitive = lost or is_definitive(outcome.error, self._retry_statuses)
            record = outcome_record(row, outcome, definitive, reached=reached, lost=lost)
            if not self._writer.write(record):
                self.stop(Stop.OUTPUT)
        group, detail = category(outcome, lost)
        ambiguous = outcome.ambiguous or reached
        self._tally.sent(group, detail, outcome.elapsed, outcome.attempts, ambiguous)
        if self._watch.see(outcome):
            self.refused = self._watch.status
            self.stop(Stop.MISCONFIGURED)
        if self._on_outcome is not None:
            self._on_outcome(row, outcome)
        self._tick()

    def _tick(self) -> None:
        if self._progress is not None:
            self._progress.update(*self._counts())

    def _counts(self) -> tuple[int, int, int]:
        tally = self._tally
        return tally.processed + tally.skipped, tally.processed, tally.failed
