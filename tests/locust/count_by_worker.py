"""A locustfile for the tests only: a statistics row per process that sent requests.

Loaded next to the example (``-f examples/locustfile.py,tests/locust/count_by_worker.py``),
it counts every request again under ``WORKER`` / ``pid N``, so that the master's CSV says
how many requests each worker process made (Locust's own rows add the workers up).
"""

from __future__ import annotations

import os

from locust import events

ROW_TYPE = "WORKER"


def count(request_type: str, exception: BaseException | None, **_: object) -> None:
    """The request again, under this process's row (the repeat itself is not repeated)."""
    if request_type != ROW_TYPE:
        events.request.fire(  # type: ignore[no-untyped-call]
            request_type=ROW_TYPE,
            name=f"pid {os.getpid()}",
            response_time=0,
            response_length=0,
            exception=exception,
            context={},
        )


events.request.add_listener(count)  # type: ignore[no-untyped-call]
