"""Which blocks of a document nothing would run: the check that keeps new snippets honest.

Every fenced block is tagged. ```` ```python ```` and ```` ```console ```` blocks run, unless a
``<!-- skip: ... "reason" -->`` marker with a reason skips them; ```` ```text ```` is output
or a diagram and runs nowhere. Anything else (an untagged fence, ```` ```bash ````,
```` ```python title ````, a skip without a reason, a console block without a ``$ ``
prompt, a hidden block in another language) is a snippet that would silently never run.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from sybil import Document, Region
from sybil.evaluators.skip import Skipper
from sybil.parsers.markdown.lexers import DirectiveInHTMLCommentLexer, RawFencedCodeBlockLexer

from tests.docs.console_blocks import PROMPT, run_console
from tests.docs.python_blocks import PytestFileParser, run_python

RUNNERS = {"python": run_python, "console": run_console}
NOT_CODE = frozenset({"text"})

_FENCES = RawFencedCodeBlockLexer(info_pattern=re.compile(r"(?P<info>[^\n]*)\n"))
_HIDDEN = DirectiveInHTMLCommentLexer(r"(invisible-)?code(-block)?", arguments=r".*")


@dataclass
class _SkipState:
    """Where a walk through a document's regions stands with respect to skip markers."""

    next_only: bool = False
    until_end: bool = False

    @property
    def skipping(self) -> bool:
        return self.next_only or self.until_end


def problems(document: Document) -> list[str]:
    """One line per block of *document* that would not run, nor is skipped with a reason."""
    found = [_fence_problem(document, region) for region in _FENCES(document)]
    found += [_hidden_problem(document, region) for region in _HIDDEN(document)]
    found += _walk(document)
    return [problem for problem in found if problem]


def _where(document: Document, region: Region) -> str:
    line = document.text.count("\n", 0, region.start) + 1
    return f"{Path(document.path).name}:{line}"


def _fence_problem(document: Document, region: Region) -> str | None:
    info = str(region.lexemes["info"]).strip()
    where = _where(document, region)
    if not info:
        return f"{where}: untagged block: tag output ```text, and code ```python or ```console"
    if info in NOT_CODE or info in RUNNERS:
        return None
    language = info.split()[0]
    if language in RUNNERS:
        return f"{where}: ```{info}: only a bare ```{language} runs; drop the rest of the line"
    return f"{where}: ```{info} runs nowhere: use ```python, ```console (`$ ` prompts) or ```text"


def _hidden_problem(document: Document, region: Region) -> str | None:
    language = str(region.lexemes["arguments"]).strip()
    if language in RUNNERS:
        return None
    return f"{_where(document, region)}: hidden block in {language!r} runs nowhere"


def _walk(document: Document) -> list[str]:
    """Follow skip and pytest-file markers through the regions the runners claimed."""
    found: list[str] = []
    state = _SkipState()
    armed = False  # a pytest-file marker waits for its block
    for _, region in document.regions:
        where = _where(document, region)
        if isinstance(region.evaluator, Skipper):
            found += _skip_problems(where, region, state)
            continue
        if getattr(region.evaluator, "__func__", None) is PytestFileParser.arm:
            armed = True
            continue
        if armed and region.evaluator is not run_python:
            found.append(f"{where}: pytest-file: next is not followed by a ```python block")
        lines = str(region.parsed).splitlines()
        prompted = any(line.startswith(PROMPT) for line in lines)
        if region.evaluator is run_console and not (state.skipping or armed or prompted):
            found.append(f"{where}: console block without a `$ ` command")
        state.next_only = armed = False
    if armed or state.skipping:
        found.append(f"{Path(document.path).name}: a marker at the end applies to no block")
    return found


def _skip_problems(where: str, region: Region, state: _SkipState) -> list[str]:
    action, reason = region.parsed
    if action == "end":
        state.until_end = False
        return []
    if action == "next":
        state.next_only = True
    elif action == "start":
        state.until_end = True
    if not _is_reason(reason):
        return [f'{where}: skip: {action} needs a reason in quotes: skip: {action} "why"']
    return []


def _is_reason(text: str | None) -> bool:
    """A skip's argument is a reason if it is a non-empty string literal."""
    if text is None:
        return False
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return False
    return isinstance(value, str) and bool(value.strip())
