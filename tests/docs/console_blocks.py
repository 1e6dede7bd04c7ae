"""How a document's ```console blocks run: one bash per block, output compared like doctest.

A line starting with ``$ `` is a command (a trailing backslash continues it on the next
line); the lines up to the next ``$ `` are the output the reader is promised. The block's
commands run in order in one ``bash`` (so ``echo $?`` and variables work as in a terminal),
in the document's working directory, with the environment's scripts directory (the venv's
``bin``) first on ``PATH``, stdout and stderr merged as a terminal shows them, and no stdin.

Checks, per command:

- its output, when the block shows one, with ``...`` matching any text (doctest's
  ELLIPSIS): write ``...`` for times, rates, tickets and anything else that changes between
  runs. Trailing whitespace and trailing blank lines are ignored. A command shown without
  output has its output ignored;
- its exit status: 0, unless the next command is ``echo $?``, which then shows the status.
"""

from __future__ import annotations

import contextlib
import doctest
import os
import re
import secrets
import signal
import subprocess
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from sybil import Example

from tests.docs.python_blocks import session_of

PROMPT = "$ "
SHOW_STATUS = "echo $?"
BLOCK_TIMEOUT = 60.0
FLAGS = (
    doctest.ELLIPSIS
    | doctest.DONT_ACCEPT_TRUE_FOR_1
    | doctest.DONT_ACCEPT_BLANKLINE
    | doctest.REPORT_UDIFF
)
_CHECKER = doctest.OutputChecker()


@dataclass(frozen=True)
class Command:
    """One ``$ `` command of a block, the output shown after it, and its line in the file."""

    text: str
    want: str
    line: int


def parse_console(source: str, first_line: int = 1) -> list[Command]:
    """The commands of a console block, in order; text before the first prompt is an error."""
    commands: list[tuple[list[str], list[str], int]] = []
    continued = False
    for number, line in enumerate(source.splitlines(), start=first_line):
        if continued:
            commands[-1][0].append(line)
        elif line.startswith(PROMPT):
            commands.append(([line[len(PROMPT) :]], [], number))
        elif commands:
            commands[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"line {number}: output before the first `$ ` command: {line!r}")
        continued = bool(commands) and not commands[-1][1] and line.endswith("\\")
    return [Command("\n".join(text), "\n".join(want), number) for text, want, number in commands]


def run_console(example: Example) -> str | None:
    """Sybil evaluator: run the block, None if every command did what the block shows."""
    try:
        commands = parse_console(example.parsed, first_line=example.line + 1)
    except ValueError as exc:
        return str(exc)
    if not commands:
        return "a console block needs at least one `$ ` command, or a skip marker"
    try:
        outputs, statuses = run_commands(commands, session_of(example).workdir)
    except TimeoutError as exc:
        return str(exc)
    problems = [
        problem
        for index, command in enumerate(commands)
        if (problem := check_command(commands, index, outputs, statuses))
    ]
    return "\n\n".join(problems) or None


def check_command(
    commands: list[Command], index: int, outputs: list[str], statuses: list[int]
) -> str | None:
    """What is wrong with the *index*-th command's run, or None."""
    command = commands[index]
    where = f"line {command.line}: $ {command.text}"
    if index >= len(statuses):
        return f"{where}\n  never ran: the shell stopped before it\n{''.join(outputs[index:])}"
    shown = index + 1 < len(commands) and commands[index + 1].text.strip() == SHOW_STATUS
    if statuses[index] != 0 and not shown:
        return (
            f"{where}\n  exited {statuses[index]}; follow it with `$ echo $?` if that is"
            f" meant\n{outputs[index]}"
        )
    if command.want and not output_matches(command.want, outputs[index]):
        example = doctest.Example(command.text, _normalise(command.want))
        return f"{where}\n{_CHECKER.output_difference(example, _normalise(outputs[index]), FLAGS)}"
    return None


def output_matches(want: str, got: str) -> bool:
    """Whether *got* is what *want* shows, ``...`` matching anything."""
    return _CHECKER.check_output(_normalise(want), _normalise(got), FLAGS)


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines()) + "\n"


def run_commands(commands: list[Command], cwd: Path) -> tuple[list[str], list[int]]:
    """Run the commands in one bash; each command's output and the statuses of those that ran.

    After each command the script prints a marker with a random token and the command's
    status, then restores ``$?`` so that a following ``echo $?`` shows the command's status.
    """
    token = f"docs-test-{secrets.token_hex(8)}"
    lines = ["exec 2>&1"]
    for command in commands:
        lines.append(command.text)
        lines.append(
            f"__docs_status=$?; printf '\\n{token} %d\\n' \"$__docs_status\";"
            ' (exit "$__docs_status")'
        )
    output = _run_bash("\n".join(lines) + "\n", cwd)
    pieces = re.split(rf"\n{token} (\d+)\n", output)
    outputs, statuses = pieces[0::2], [int(s) for s in pieces[1::2]]
    return outputs, statuses


def console_environment() -> dict[str, str]:
    """The environment as it is now, with this interpreter's scripts first on ``PATH``."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([sysconfig.get_path("scripts"), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr interleave as on a terminal
    return env


def _run_bash(script: str, cwd: Path) -> str:
    process = subprocess.Popen(
        ["bash", "--noprofile", "--norc", "-c", script],
        cwd=cwd,
        env=console_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # one process group: a timeout ends the command's children too
    )
    try:
        output, _ = process.communicate(timeout=BLOCK_TIMEOUT)
    except BaseException as exc:  # a timeout, or Ctrl-C: end the block's processes too
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        if isinstance(exc, subprocess.TimeoutExpired):
            raise TimeoutError(f"the block ran over {BLOCK_TIMEOUT:g} s:\n{output}") from None
        raise
    return output
