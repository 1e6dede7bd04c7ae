"""Every block of the documents runs or is skipped with a reason; the check itself works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sybil import Document

from tests.docs.accounting import problems
from tests.docs.plugin import DOCUMENTS, ROOT, SYBIL

#: Documents a user of the project does not have.
UNAVAILABLE = re.compile(r"research/|\bDESIGN\b|\.\./shared")


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_block_of_the_document_runs_or_is_skipped_with_a_reason(name: str) -> None:
    assert problems(SYBIL.parse(ROOT / name)) == []


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_document_cites_nothing_a_user_does_not_have(name: str) -> None:
    assert UNAVAILABLE.findall((ROOT / name).read_text()) == []


GOOD = """\
```python
x = 1
```

```console
$ echo hi
hi
```

```text
plain output
```

<!-- skip: next "takes minutes" -->
```console
python -m benchmarks.harness
```

<!-- invisible-code-block: python
assert x == 1
-->
"""


def test_a_document_of_run_skipped_and_text_blocks_has_no_problem(tmp_path: Path) -> None:
    assert problems(parse(tmp_path, GOOD)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```\nx = 1\n```\n", "untagged block"),
        ("```bash\nls\n```\n", "```bash runs nowhere"),
        ("```py\nx = 1\n```\n", "```py runs nowhere"),
        ("```python title\nx = 1\n```\n", "only a bare ```python runs"),
        ("```console\nls\n```\n", "console block without a `$ ` command"),
        ("<!-- skip: next -->\n```python\nx = 1\n```\n", "needs a reason"),
        ("<!-- skip: next if_(True) -->\n```python\nx = 1\n```\n", "needs a reason"),
        ("<!-- skip: start -->\n```python\nx = 1\n```\n<!-- skip: end -->\n", "needs a reason"),
        ("<!-- invisible-code-block: bash\nls\n-->\n", "hidden block in 'bash'"),
        ("<!-- pytest-file: next -->\n```console\n$ ls\n```\n", "not followed by a ```python"),
        ('```python\nx = 1\n```\n<!-- skip: next "why" -->\n', "applies to no block"),
    ],
)
def test_a_block_that_would_never_run_is_reported(tmp_path: Path, text: str, expected: str) -> None:
    [problem] = problems(parse(tmp_path, text))
    assert expected in problem
    assert problem.startswith("doc.md:")


def parse(tmp_path: Path, text: str) -> Document:
    path = tmp_path / "doc.md"
    path.write_text(text)
    return SYBIL.parse(path)
