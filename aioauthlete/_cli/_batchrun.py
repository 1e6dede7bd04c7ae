"""Running a prepared ``fail-batch`` and reporting it, however it ends.

The summary is printed whatever happens: the end of the input, a signal, a batch that
Authlete refuses, a results file that cannot be written, or an error reading the input.
The first SIGINT or SIGTERM winds the batch down (``_interrupt``): no more tickets are
sent, the calls in flight finish and are recorded, and the exit status is 130 or 143.
"""

from __future__ import annotations

import contextlib
import signal
import sys

from attrs import frozen

from .._client import AuthleteClient
from .._operations._fail import FailReason
from ._common import note, plural
from ._input import Format, RowReader
from ._interrupt import current
from ._misconfig import STOP_AFTER, explain, likely_cause
from ._output import ResultWriter
from ._progress import Progress
from ._reader import InputFile
from ._records import http_status
from ._resume import ResumeIndex
from ._runner import BatchRunner, Stop
from ._summary import Tally, format_summary

#: The exit status of a batch stopped because Authlete refused its configuration.
MISCONFIGURED = 2


@frozen
class Plan:
    """Everything the batch needs, prepared before the event loop starts."""

    client: AuthleteClient
    source: InputFile
    format: Format
    default_reason: FailReason | None
    output: str
    resumed: ResumeIndex
    progress: Progress | None
    writer: ResultWriter


async def execute(plan: Plan, concurrency: int, rate: float | None, burst: int | None) -> int:
    """Run the prepared batch; print the summary however it ends."""
    tally = Tally()
    reader = RowReader(plan.source, plan.format, plan.default_reason)
    runner: BatchRunner | None = None
    try:
        await reader.start()
        async with plan.client as client:
            runner = BatchRunner(
                client,
                tally,
                concurrency=concurrency,
                rate=rate,
                burst=burst,
                writer=plan.writer,
                resumed=plan.resumed,
                progress=plan.progress,
                on_stop=plan.source.stop,
            )
            with _winding_down(runner):
                await runner.run(reader)
    finally:
        plan.writer.close()
        if runner is not None:
            _report(plan, tally, runner)
        await reader.aclose()
        plan.source.close()
    return _status(tally, plan.writer, runner)


def _winding_down(runner: BatchRunner) -> contextlib.AbstractContextManager[None]:
    """While the batch runs, the first signal stops it gently instead of cancelling it."""
    interrupt = current()
    if interrupt is None:
        return contextlib.nullcontext()

    def wind_down(signum: int) -> None:
        runner.stop(Stop.SIGNAL)
        name = signal.Signals(signum).name
        note(
            f"{name}: sending no more tickets; waiting up to {runner.grace:g} s for the calls "
            "in flight to finish (signal again to stop at once)"
        )

    return interrupt.winding_down(wind_down)


def _report(plan: Plan, tally: Tally, runner: BatchRunner) -> None:
    for line in format_summary(tally, "fail-batch"):
        print(line, file=sys.stderr)
    writer = plan.writer
    note(f"{plural(writer.written, 'result')} appended to {plan.output}")
    if writer.error is not None:
        reason = writer.error.strerror or str(writer.error)
        if runner.stopped is Stop.OUTPUT:
            note(
                f"error: cannot write {plan.output}: {reason}; the batch stopped and "
                f"{plural(writer.unwritten, 'result')} could not be recorded: make room, "
                "then run the same command again"
            )
        else:
            note(f"error: closing {plan.output} failed: {reason}; its last results may be lost")
    client = plan.client
    if runner.refused is not None:
        note(explain(runner.refused, STOP_AFTER, client.base_url, client.service_id))
        note("fix that, then run the same command again: refused tickets are sent again")
    elif runner.refusing is not None:
        cause = likely_cause(runner.refusing, client.base_url, client.service_id)
        note(f"every answer was {http_status(runner.refusing)}: {cause}")
    if runner.cut_off:
        note(
            f"{plural(runner.cut_off, 'call')} in flight cut off: a rerun sends their tickets "
            "again, with results marked ambiguous"
        )
    if tally.interrupted:
        note("interrupted: run the same command again to resume where it stopped")


def _status(tally: Tally, writer: ResultWriter, runner: BatchRunner | None) -> int:
    interrupt = current()
    if interrupt is not None and interrupt.status is not None:
        return interrupt.status
    if runner is not None and runner.stopped is Stop.MISCONFIGURED:
        return MISCONFIGURED
    if writer.error is not None:
        return 1
    return 0 if tally.all_ok else 1
