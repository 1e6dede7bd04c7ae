"""The ``aioauthlete`` command: the argument parser, the subcommand registry, the runner.

The subcommand contract
-----------------------
Each subcommand lives in a module of this package named in ``COMMANDS`` and exposes::

    def add_parser(
        subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    ) -> None

which registers the subcommand (``subparsers.add_parser(name, help=..., ...)``), adds its
arguments, and calls ``parser.set_defaults(func=run)``. ``run(args)`` takes the parsed
``argparse.Namespace`` and returns the exit status, either directly (a plain function) or
as a coroutine (an ``async def``). A coroutine runs in an ``asyncio.Runner`` on the loop
``--loop`` names (``_loop``: uvloop when installed); SIGINT and
SIGTERM cancel it, and the process then exits with 128 + the signal number (130, 143)
unless ``run`` caught the ``CancelledError`` and returned a status of its own. ``run``
raises ``_common.UsageError`` for a wrong flag, input or configuration: main prints it
as one line and exits 2 (argparse's own usage errors exit 2 as well).

The connection flags (``--base-url --service-id --api-version --timeout --attempts``) are
global: they are always in ``args`` (``None`` when not given) and may be written before
the subcommand's name. A subcommand that talks to Authlete also accepts them after its
name by passing ``parents=[_settings.client_options()]`` to ``add_parser``, and builds
its client with ``_settings.build_client(args, ...)``.

A module listed in ``OPTIONAL`` that is absent is skipped, so ``--help`` still works;
one that is present but fails to import is listed with the reason it is unavailable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from ._common import PROG, UsageError, note
from ._interrupt import Interrupt, installed
from ._loop import CHOICES, loop_factory
from ._settings import add_client_options

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS = ("_fail", "_batch", "_demo", "_emulator", "_bench")
#: Modules another part of the project provides; the CLI works without them.
OPTIONAL = frozenset({"_bench"})

Command: TypeAlias = Callable[[argparse.Namespace], int | Awaitable[int]]
if TYPE_CHECKING:
    SubParsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

DESCRIPTION = """\
Fail CIBA backchannel authentication requests through Authlete's
/backchannel/authentication/fail API: one ticket, or a file of many.
Credentials come from the AUTHLETE_* environment variables of Authlete's SDKs."""


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    _add_verbose(parser, "verbose")
    parser.add_argument(
        "--loop",
        choices=CHOICES,
        default="auto",
        help="the event loop: uvloop if installed (auto, the default), or asyncio's own",
    )
    add_client_options(parser)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in COMMANDS:
        _register(subparsers, name)
    for command in subparsers.choices.values():
        if "-" in command.prefix_chars:  # not the stand-in for an unavailable command
            _add_verbose(command, "verbose_after")
    return parser


def _add_verbose(parser: argparse.ArgumentParser, dest: str) -> None:
    """``-v``: before the command's name and after it, the counts adding up."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        dest=dest,
        help="show the library's log on stderr: -v a line per call given up, -vv per attempt "
        "(tickets appear as short hashes)",
    )


def _version() -> str:
    from .._version import package_version

    return package_version()


def _register(subparsers: SubParsers, name: str) -> None:
    module_name = f"{__package__}.{name}"
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if name not in OPTIONAL:
            raise
        if isinstance(exc, ModuleNotFoundError) and exc.name == module_name:
            return  # not part of this installation
        _register_unavailable(subparsers, name.lstrip("_"), exc)
        return
    module.add_parser(subparsers)


def _register_unavailable(subparsers: SubParsers, command: str, exc: ImportError) -> None:
    reason = f"unavailable: {type(exc).__name__}: {exc}"
    # No option prefix: whatever follows the name, options included, lands in `rest`.
    parser = subparsers.add_parser(command, help=f"({reason})", add_help=False, prefix_chars="\0")
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)

    def run(_: argparse.Namespace) -> int:
        raise UsageError(f"{command} is {reason}")

    parser.set_defaults(func=run)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``aioauthlete`` command line and return its exit status."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        return _dispatch(args)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        return _exit_status(exc.code)
    except KeyboardInterrupt:  # Ctrl-C outside the event loop (argparse, reading stdin)
        note("interrupted")
        return 128 + signal.SIGINT
    except BrokenPipeError:  # stdout closed early (`| head`): stop quietly, as cat does
        _silence_stdout()
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file: nothing to flush
        pass


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _dispatch(args: argparse.Namespace) -> int:
    func: Command = args.func
    try:
        factory = loop_factory(args.loop)  # before a coroutine exists that would go unawaited
        with _library_log(args.verbose + getattr(args, "verbose_after", 0)):
            status = func(args)
            if inspect.isawaitable(status):
                with asyncio.Runner(loop_factory=factory) as runner:
                    return runner.run(_supervise(status))
    except UsageError as exc:
        note(f"error: {exc}")
        return 2
    assert isinstance(status, int)
    return status


@contextlib.contextmanager
def _library_log(verbose: int) -> Iterator[None]:
    """Send the library's records to stderr only when asked (``-v``, ``-vv``).

    The commands report every failure themselves; without this, Python's last-resort
    handler would print each give-up warning too (a million of them for a big batch).
    """
    if not verbose:
        yield
        return
    logger = logging.getLogger("aioauthlete")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    saved_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved_level)


async def _supervise(run: Awaitable[int]) -> int:
    """Await *run*; SIGINT/SIGTERM cancel it and decide the exit status (128 + signal).

    A command may ask for the first signal to wind it down instead (``_interrupt``).
    """
    task = asyncio.current_task()
    assert task is not None
    interrupt = Interrupt(task)
    with _signal_handlers(interrupt), installed(interrupt):
        try:
            status = await run
        except asyncio.CancelledError:
            if interrupt.status is None:
                raise
            task.uncancel()
            return interrupt.status
    if interrupt.signum is not None:
        task.uncancel()
    return status


@contextlib.contextmanager
def _signal_handlers(callback: Callable[[int], Any]) -> Iterator[None]:
    """Route SIGINT and SIGTERM to *callback* while the body runs (where the loop can)."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, callback, signum)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, not main thread
            continue
        installed.append(signum)
    try:
        yield
    finally:
        for installed_signum in installed:
            loop.remove_signal_handler(installed_signum)
