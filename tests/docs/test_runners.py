"""The runners fail a snippet that stops working, and pass one that does what it shows."""

from __future__ import annotations

import socket
import sysconfig
import time
import unittest
from pathlib import Path

import pytest
from sybil.example import SybilFailure

from tests.docs import console_blocks
from tests.docs.plugin import ROOT, SYBIL, as_a_script
from tests.docs.session import DocSession, loopback_only


def run_markdown(tmp_path: Path, text: str) -> list[str]:
    """Run a Markdown text's examples as the docs tests do: "ok", "skipped: ..." or the failure."""
    path = tmp_path / "doc.md"
    path.write_text(text)
    document = SYBIL.parse(path)
    as_a_script(document.namespace)
    workdir = tmp_path / "work"
    workdir.mkdir()
    outcomes = []
    with DocSession(workdir) as session:
        document.namespace["docs_session"] = session
        for example in document.examples():
            try:
                example.evaluate()
            except SybilFailure as failure:
                outcomes.append(failure.result)
            except unittest.SkipTest as skip:
                outcomes.append(f"skipped: {skip}")
            else:
                outcomes.append("ok")
    return outcomes


def test_console_output_matches_with_ellipsis_for_what_changes(tmp_path: Path) -> None:
    text = '```console\n$ echo "3 tickets in 0.42 s"\n3 tickets in ... s\n```\n'
    assert run_markdown(tmp_path, text) == ["ok"]


def test_console_output_that_differs_from_the_block_fails(tmp_path: Path) -> None:
    [outcome] = run_markdown(tmp_path, "```console\n$ echo 4 tickets\n3 tickets\n```\n")
    assert outcome == "line 2: $ echo 4 tickets\nExpected:\n    3 tickets\nGot:\n    4 tickets\n"


def test_failing_command_fails_unless_the_block_shows_its_status(tmp_path: Path) -> None:
    text = "```console\n$ false\n```\n\n```console\n$ (exit 3)\n$ echo $?\n3\n```\n"
    failed, shown = run_markdown(tmp_path, text)
    assert "$ false\n  exited 1" in failed
    assert shown == "ok"


def test_a_wrong_status_shown_by_echo_fails(tmp_path: Path) -> None:
    [outcome] = run_markdown(tmp_path, "```console\n$ (exit 3)\n$ echo $?\n0\n```\n")
    assert outcome == "line 3: $ echo $?\nExpected:\n    0\nGot:\n    3\n"


def test_commands_share_one_shell_in_the_documents_directory(tmp_path: Path) -> None:
    text = "```console\n$ X=5\n$ echo $X $(basename $PWD)\n5 work\n```\n"
    assert run_markdown(tmp_path, text) == ["ok"]


def test_stderr_is_shown_in_order_with_stdout(tmp_path: Path) -> None:
    text = "```console\n$ echo out; echo err >&2; echo out2\nout\nerr\nout2\n```\n"
    assert run_markdown(tmp_path, text) == ["ok"]


def test_the_environments_scripts_come_first_on_path(tmp_path: Path) -> None:
    scripts = sysconfig.get_path("scripts")
    text = f"```console\n$ command -v aioauthlete\n{scripts}/aioauthlete\n```\n"
    assert run_markdown(tmp_path, text) == ["ok"]


def test_block_over_its_time_limit_is_ended_with_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console_blocks, "BLOCK_TIMEOUT", 0.5)
    started = time.monotonic()
    [outcome] = run_markdown(tmp_path, "```console\n$ echo started; sleep 30; echo late\n```\n")
    # Reading the output waits for every process holding the pipe: a surviving sleep
    # would keep this test for 30 s.
    assert time.monotonic() - started < 10
    assert outcome == "the block ran over 0.5 s:\nstarted\n"


def test_console_text_before_the_first_prompt_fails(tmp_path: Path) -> None:
    [outcome] = run_markdown(tmp_path, "```console\nls\n$ ls\n```\n")
    assert "output before the first `$ ` command" in outcome


def test_skip_marker_skips_with_its_reason(tmp_path: Path) -> None:
    text = '<!-- skip: next "takes minutes" -->\n```console\n$ false\n```\n'
    assert run_markdown(tmp_path, text) == ["ok", "skipped: takes minutes"]  # marker, block


def test_python_blocks_share_a_namespace_and_one_event_loop(tmp_path: Path) -> None:
    first = (
        "```python\nimport asyncio\nawait asyncio.sleep(0)\nloop = asyncio.get_running_loop()\n```"
    )
    second = "```python\nawait asyncio.sleep(0)\nassert asyncio.get_running_loop() is loop\n```\n"
    assert run_markdown(tmp_path, first + "\n" + second) == ["ok", "ok"]


def test_python_failure_names_the_documents_line(tmp_path: Path) -> None:
    [outcome] = run_markdown(tmp_path, "# Title\n\n```python\nx = 1\nundefined_name\n```\n")
    assert f'File "{tmp_path / "doc.md"}", line 5' in outcome
    assert "NameError: name 'undefined_name' is not defined" in outcome


def test_chained_exception_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    text = "```python\ntry:\n    undefined_name\nexcept Undefined:\n    pass\n```\n"
    [outcome] = run_markdown(tmp_path, text)
    assert "During handling of the above exception" in outcome


def test_python_blocks_see_the_emulator_through_the_environment(tmp_path: Path) -> None:
    text = (
        "```python\nimport os\n"
        "assert os.environ['AUTHLETE_BASE_URL'] == docs_session.base_url\n"
        "assert docs_session.base_url.startswith('http://127.0.0.1:')\n```\n"
    )
    assert run_markdown(tmp_path, text) == ["ok"]


def test_documents_connect_to_and_resolve_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # The guard wraps whatever is in place: recorders here, so that nothing is sent anywhere
    # even if the guard let an address through.
    reached: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda _, address: reached.append(address))

    def resolve(host: str, *_: object) -> list[object]:
        reached.append(host)
        return []

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with loopback_only():
        for family, address in [
            (socket.AF_INET, ("192.0.2.1", 443)),
            (socket.AF_INET6, ("2001:db8::1", 443, 0, 0)),
        ]:
            with socket.socket(family) as sock, pytest.raises(ConnectionRefusedError):
                sock.connect(address)
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("us.authlete.com", 443)
        with socket.socket() as sock:
            sock.connect(("127.0.0.2", 9))
        socket.getaddrinfo("localhost", 9)
    assert reached == [("127.0.0.2", 9), "localhost"]
    assert socket.getaddrinfo("example.invalid", 9) == []  # put back on the way out


ASYNC_TEST = """\
from aioauthlete import AuthleteClient

async def test_client_opens(authlete_emulator):
    async with AuthleteClient(**authlete_emulator.client_kwargs()):
        pass
"""


def test_async_test_file_without_an_asyncio_marker_fails(tmp_path: Path) -> None:
    _, outcome = run_markdown(tmp_path, f"<!-- pytest-file: next -->\n```python\n{ASYNC_TEST}```\n")
    assert "async def functions are not natively supported" in outcome


def quickstart() -> str:
    """README's quickstart section, hidden check included."""
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Quickstart")
    return readme[start : readme.index("\n## ", start + 1)]


@pytest.mark.parametrize(
    ("breakage", "replacement", "expected"),
    [
        pytest.param(
            'web.AppKey("authlete", AuthleteClient)', '"authlete"', "NotAppKeyWarning", id="str-key"
        ),
        pytest.param(
            "result=CompleteResult.AUTHORIZED",
            "result=CompleteResult.ACCESS_DENIED",
            "assert tokens.status == 200",
            id="device-denies",
        ),
        pytest.param(
            "reason = FailReason.UNKNOWN_USER_ID",
            "reason = FailReason.ACCESS_DENIED",
            "assert nobody.status == 400",
            id="wrong-fail-reason",
        ),
        pytest.param(
            "app.cleanup_ctx.append(authlete)",
            "",
            "assert asked.status == 200",
            id="no-cleanup-ctx",
        ),
    ],
)
def test_quickstart_check_fails_when_the_handler_breaks(
    tmp_path: Path, breakage: str, replacement: str, expected: str
) -> None:
    section = quickstart()
    assert breakage in section
    outcomes = run_markdown(tmp_path, section.replace(breakage, replacement))
    assert any(expected in outcome for outcome in outcomes), outcomes
