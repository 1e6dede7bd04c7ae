"""How a document's Python blocks run: in its namespace with top-level await, or as a test file.

A ```` ```python ```` block runs as written, like a paste into ``python -m asyncio``: top-level
``await`` and ``async with`` are allowed and run on the document's one event loop, so a
client made in one block works in the next. A block after ``<!-- pytest-file: next -->`` is
not run in the namespace at all: it is a user's test module, written to a fresh project and
run by pytest in a subprocess, where it must pass as pasted.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path

from sybil import Document, Example, Region
from sybil.evaluators.python import pad
from sybil.parsers.markdown.lexers import DirectiveInHTMLCommentLexer

from tests.docs.session import DocSession

#: The fresh project's pytest configuration: strict, as a careful user's project would be.
#: pytest-asyncio warns unless its fixture loop scope is set; any other warning fails the run.
PROJECT_CONFIG = """\
[pytest]
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""
#: pytest's last line when every test of the file passed, and nothing else happened.
ALL_PASSED = re.compile(r"^=* ?\d+ passed in [\d.]+s", re.MULTILINE)
PYTEST_TIMEOUT = 120.0
#: Hypothesis comes with the suite's test extra, not with what the snippet needs: its plugin
#: would double pytest's start-up, so the fresh project goes without it.
PYTEST_OPTIONS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def session_of(example: Example) -> DocSession:
    """The ``docs_session`` fixture Sybil put into the document's namespace."""
    session = example.namespace.get("docs_session")
    assert isinstance(session, DocSession), "the docs_session fixture is missing"
    return session


def run_python(example: Example) -> str | None:
    """Evaluate a Python block in the document's namespace, awaiting it if it awaits.

    A failure comes back as the traceback from the snippet's first frame on, as text: Sybil
    then reports it as the example's failure. (Raised as is, an exception chained to one
    whose traceback never passes through Sybil crashes Sybil's traceback filter, and with it
    the whole pytest session.)
    """
    session = session_of(example)
    session.watch(example.namespace)
    source = pad(example.parsed, example.line + example.parsed.line_offset)
    try:
        code = compile(
            source, example.path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
        )
        if code.co_flags & inspect.CO_COROUTINE:
            session.runner.run(eval(code, example.namespace))
        else:
            exec(code, example.namespace)
    except Exception as exc:
        return describe(exc, example.path)
    finally:
        example.namespace.pop("__builtins__", None)
    return None


def describe(exc: BaseException, path: str) -> str:
    """*exc* with its chain, its traceback starting at the first frame in *path*."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != path:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))


class PytestFileParser:
    """``<!-- pytest-file: next -->``: the next Python block is a test module of its own."""

    def __init__(self) -> None:
        self.lexer = DirectiveInHTMLCommentLexer("pytest-file", arguments=r"\w+")

    def __call__(self, document: Document) -> Iterable[Region]:
        for region in self.lexer(document):
            if region.lexemes["arguments"] != "next":
                raise ValueError("pytest-file takes one argument: next")
            region.evaluator = self.arm
            yield region

    def arm(self, example: Example) -> None:
        """Hand the document's next example to a one-shot evaluator."""
        example.document.push_evaluator(_RunAsTestFile())


class _RunAsTestFile:
    """Runs the one example after the directive with pytest, then steps aside."""

    def __call__(self, example: Example) -> str | None:
        example.document.pop_evaluator(self)
        if example.region.lexemes.get("arguments") != "python":
            return "pytest-file: next must be followed by a ```python block"
        project = session_of(example).workdir / f"pytest-file-line-{example.line}"
        project.mkdir()
        (project / "pytest.ini").write_text(PROJECT_CONFIG)
        (project / "test_snippet.py").write_text(example.parsed)
        return run_pytest(project)


def run_pytest(project: Path) -> str | None:
    """Run pytest on *project*; None when everything passed, else what went wrong."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *PYTEST_OPTIONS],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=PYTEST_TIMEOUT,
        check=False,
    )
    if done.returncode == 0 and ALL_PASSED.search(done.stdout):
        return None
    return f"pytest exited {done.returncode} on the snippet:\n{done.stdout}{done.stderr}"
