"""The ``locust`` extra stays out of ``import aioauthlete``: gevent and Locust are imported by
``aioauthlete.locust`` only, and never in this (pytest's) process."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.locust.support import ROOT, locust_environment

PATCHERS = ("gevent", "geventhttpclient", "locust", "greenlet", "zmq")

PROBE = """
import json, sys
import aioauthlete, aioauthlete.protocol, aioauthlete.operations
before = sorted(m for m in sys.modules if m.split(".")[0] in {patchers})
import aioauthlete.locust
after = sorted({{m.split(".")[0] for m in sys.modules}} & set({patchers}))
print(json.dumps([before, after]))
"""


def test_import_aioauthlete_imports_neither_gevent_nor_locust_and_the_locust_module_does() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(patchers=repr(set(PATCHERS)))],
        cwd=ROOT,
        env=locust_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    before, after = json.loads(done.stdout)
    assert before == []
    assert {"gevent", "geventhttpclient", "locust"} <= set(after)


def test_no_test_of_the_suite_has_imported_locust_into_pytests_process() -> None:
    # Collection imports every test module first: one importing Locust would show here.
    assert [name for name in PATCHERS if name in sys.modules] == []
