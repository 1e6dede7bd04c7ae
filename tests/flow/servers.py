"""The example server as a subprocess, and the emulator it talks to, for the flow tests."""

from __future__ import annotations

import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.cli import subprocess_env

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ciba_server.py"
#: Generous bounds: the interpreter and aiohttp start in well under a second.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)\n")


class SkewClock:
    """The emulator's clock, which a test can move forward: a client's waits then pass on
    the emulator's clock without passing in real time."""

    def __init__(self) -> None:
        self.skew = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.skew


class ExampleServer:
    """``python examples/ciba_server.py --port 0 ...``: started, its URL read from the first
    line of its stdout, its stderr kept in *log*."""

    def __init__(self, environ: dict[str, str], log: Path, *flags: str) -> None:
        self.log = log
        with log.open("w") as sink:
            self.process = subprocess.Popen(
                [sys.executable, str(EXAMPLE), "--port", "0", *flags],
                env=subprocess_env(environ),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=sink,
                text=True,
            )
        self.url = ""
        self.rest = ""

    def start(self) -> str:
        """Wait for the line that names the URL (or the process's end, or the timeout)."""
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(START_TIMEOUT):
                self.kill()
                raise TimeoutError(f"no URL within {START_TIMEOUT} s: {self.output()}")
        line = self.process.stdout.readline()
        found = LISTENING.fullmatch(line)
        assert found is not None, f"first line {line!r}; stderr: {self.output()}"
        self.url = found.group(1)
        return self.url

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Signal the process and wait for its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        finally:
            self.close()

    def close(self) -> None:
        """Close the pipe from its stdout, once what it still held was read (``output``)."""
        if self.process.stdout is not None and not self.process.stdout.closed:
            self.rest = self.process.stdout.read() if self.process.poll() is not None else ""
            self.process.stdout.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)
        self.close()

    def output(self) -> str:
        """What the server wrote to stdout after its URL (once stopped), and to stderr."""
        return self.rest + self.log.read_text()


def emulator_environ(base_url: str, service_id: str, access_token: str) -> dict[str, str]:
    """The AUTHLETE_* variables that aim the example at an emulator."""
    return {
        "AUTHLETE_BASE_URL": base_url,
        "AUTHLETE_SERVICE_APIKEY": service_id,
        "AUTHLETE_SERVICE_ACCESSTOKEN": access_token,
    }
