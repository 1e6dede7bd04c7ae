"""The documentation as tests: Sybil collects every snippet of DOCUMENTS as a pytest item.

Decisions (README.md, Development, says the same for contributors):

- Tool: Sybil (``sybil.parsers.markdown``), through its pytest integration, so each block is
  one test item named after its line (``README.md::line:52,column:1``). The hook is
  registered by the top-level ``conftest.py``, since pytest only asks a conftest about files
  below it, and README.md sits at the top.
- Each document is one namespace, its blocks run in order, and it has its own
  ``DocSession`` (``tests/docs/session.py``): an ``AuthleteEmulator`` served on 127.0.0.1 in
  a thread, ``AUTHLETE_*`` aimed at it, one event loop, and a fresh working directory that
  is also the current directory while the document runs. Never a real host: meanwhile the
  process refuses connections and name lookups off loopback (``session.loopback_only``).
- ```` ```python ````: run as written, top-level ``await`` allowed (``python_blocks.py``).
  A block that only defines things is exercised by a hidden block after it
  (``<!-- invisible-code-block: python ... -->``, Sybil's own syntax), which also sets up
  what a fragment takes for granted (a ``client``, a ``tickets.csv``).
- ``<!-- pytest-file: next -->``: the next Python block is a user's test module, run by
  pytest in a subprocess on a fresh project, where it must pass as pasted.
- ```` ```console ````: ``$ `` commands run in bash, output compared with ``...`` as a
  wildcard, exit status checked (``console_blocks.py``).
- ``<!-- skip: next "reason" -->`` (Sybil's skip) for a block that must not run here; the
  reason is shown in pytest's summary. ``test_accounting.py`` fails if a block is neither
  run nor skipped with a reason, or is of a kind nothing runs.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from sybil import Sybil
from sybil.integration.pytest import SybilItem
from sybil.parsers.markdown import CodeBlockParser, SkipParser

from tests.docs.console_blocks import run_console
from tests.docs.python_blocks import PytestFileParser, run_python
from tests.docs.session import DocSession

ROOT = Path(__file__).resolve().parents[2]

#: The documents whose blocks are tests, relative to the repository's top.
DOCUMENTS = (
    "README.md",
    "docs/ciba-handlers.md",
    "docs/cli.md",
    "docs/fault-matrix.md",
)


class DocumentSybil(Sybil):
    """A Sybil that parses exactly DOCUMENTS (a pattern would also match a README elsewhere)."""

    def should_parse(self, path: Path) -> bool:
        return path in {ROOT / name for name in DOCUMENTS}


def parsers() -> list[CodeBlockParser | SkipParser | PytestFileParser]:
    """What turns a document's blocks and markers into examples."""
    return [
        SkipParser(),
        PytestFileParser(),
        CodeBlockParser("python", run_python),
        CodeBlockParser("console", run_console),
    ]


def as_a_script(namespace: dict[str, object]) -> None:
    """Give a document the ``__name__`` of a pasted script (``web.AppKey`` reads it)."""
    namespace["__name__"] = "__main__"


SYBIL = DocumentSybil(
    parsers=parsers(), path=str(ROOT), setup=as_a_script, fixtures=["docs_session"]
)

pytest_collect_file = SYBIL.pytest()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A skipped block is listed at its own line, not where Sybil raised the skip."""
    report = yield
    if isinstance(item, SybilItem) and report.skipped and isinstance(report.longrepr, tuple):
        report.longrepr = (str(item.path), item.example.line, report.longrepr[2])
    return report


@pytest.fixture(scope="module")  # Sybil's "module" is one document
def docs_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DocSession]:
    """The emulator, event loop, directory and environment one document's blocks share."""
    with DocSession(tmp_path_factory.mktemp("docs")) as session:
        yield session
