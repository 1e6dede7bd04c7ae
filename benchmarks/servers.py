"""The server the benchmarks load: nginx with a fixed answer, else the emulator.

Both run in another process pinned to their own CPU, so the client's CPU time is the
client's alone. nginx answering ``return 200 '<json>'`` costs a few microseconds per
request, so the client is what saturates; the emulator (aiohttp.web) is slower than most
clients and only the fallback.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from attrs import frozen

from aioauthlete.testing import DEFAULT_ACCESS_TOKEN, DEFAULT_SERVICE_ID

SERVER_CPU = 1
CLIENT_CPU = 0
#: What nginx answers to every fail call: Authlete's documented example, byte for byte.
FIXED_ANSWER = {
    "resultCode": "A185001",
    "resultMessage": "[A185001] Successfully generated an error response for the "
    "backchannel authentication request.",
    "action": "FORBIDDEN",
    "responseContent": '{"error":"access_denied"}',
}
#: What nginx answers to every issue call: Authlete's documented example (its
#: responseContent as the JSON it stands for; the document escapes it twice).
ISSUE_ANSWER = {
    "resultCode": "A183001",
    "resultMessage": "[A183001] An auth_req_id was issued successfully.",
    "action": "OK",
    "authReqId": "_mzc-ZQdAhSPuMxTlO-MC_oqaOqYCrdNQ39PVxisaiE",
    "expiresIn": 3600,
    "interval": 0,
    "responseContent": '{"auth_req_id":"_mzc-ZQdAhSPuMxTlO-MC_oqaOqYCrdNQ39PVxisaiE",'
    '"interval":0,"expires_in":3600}',
}


@frozen
class Server:
    """A running server: how to reach it and which credentials it takes."""

    kind: str
    base_url: str
    service_id: str
    access_token: str
    pid: int

    @property
    def fail_url(self) -> str:
        return f"{self.base_url}/api/{self.service_id}/backchannel/authentication/fail"

    @property
    def issue_url(self) -> str:
        return f"{self.base_url}/api/{self.service_id}/backchannel/authentication/issue"


def pin_client(cpu: int = CLIENT_CPU) -> str:
    """Pin this process (and the threads it starts later) to *cpu*; say what was done."""
    if not hasattr(os, "sched_setaffinity") or cpu not in os.sched_getaffinity(0):
        return "client not pinned (CPU unavailable)"
    os.sched_setaffinity(0, {cpu})
    return f"client pinned to CPU {cpu}"


def _pinned(command: list[str], cpu: int) -> list[str]:
    taskset = shutil.which("taskset")
    available = hasattr(os, "sched_getaffinity") and cpu in os.sched_getaffinity(0)
    return [taskset, "-c", str(cpu), *command] if taskset and available else command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _nginx_string(text: str) -> str:
    """*text* as a single-quoted nginx string (nginx unescapes backslash and quote)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def nginx_config(directory: Path, port: int, cpu: int) -> str:
    """One worker on *cpu*, keep-alive without limits, the fixed answers on the fail and
    issue paths."""
    body = json.dumps(FIXED_ANSWER, separators=(",", ":"))
    issued = json.dumps(ISSUE_ANSWER, separators=(",", ":"))
    temp = {name: directory / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    return f"""
worker_processes 1;
worker_cpu_affinity {"1" + "0" * cpu};
daemon off;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_timeout 75s;
    keepalive_requests 10000000;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location ~ ^/api/[^/]+/backchannel/authentication/fail$ {{
            default_type application/json;
            return 200 {_nginx_string(body)};
        }}
        location ~ ^/api/[^/]+/backchannel/authentication/issue$ {{
            default_type application/json;
            return 200 {_nginx_string(issued)};
        }}
    }}
}}
"""


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise RuntimeError(f"the server did not listen on port {port} within {timeout:g} s")


def _check_answer(server: Server) -> None:
    """One fail call by hand: the server must answer 200 with a JSON action."""
    request = urllib.request.Request(
        server.fail_url,
        data=b'{"ticket":"probe","reason":"ACCESS_DENIED"}',
        headers={
            "Authorization": f"Bearer {server.access_token}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.loads(response.read())
    if answer.get("action") not in {"FORBIDDEN", "BAD_REQUEST", "INTERNAL_SERVER_ERROR"}:
        raise RuntimeError(f"the {server.kind} server answered without an action: {answer}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextlib.contextmanager
def _nginx(binary: str, cpu: int) -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="aioauthlete-bench-nginx-") as tmp:
        directory = Path(tmp)
        port = _free_port()
        config = directory / "nginx.conf"
        config.write_text(nginx_config(directory, port, cpu))
        command = _pinned([binary, "-p", str(directory), "-c", str(config)], cpu)
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        try:
            _wait_until_listening(port, process, 10.0)
            server = Server(
                "nginx", f"http://127.0.0.1:{port}", DEFAULT_SERVICE_ID, "bench-token", process.pid
            )
            _check_answer(server)
            yield server
        finally:
            _stop(process)


@contextlib.contextmanager
def _emulator(cpu: int) -> Iterator[Server]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHLETE_")}
    command = [sys.executable, "-m", "aioauthlete.testing", "--port", "0", "--accept-any-ticket"]
    process = subprocess.Popen(
        _pinned([*command, "--tickets", "0"], cpu),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode().strip()
        if not line.startswith("base_url "):
            raise RuntimeError(f"the emulator did not announce its URL (got {line!r})")
        server = Server(
            "emulator",
            line.removeprefix("base_url "),
            DEFAULT_SERVICE_ID,
            DEFAULT_ACCESS_TOKEN,
            process.pid,
        )
        _check_answer(server)
        yield server
    finally:
        _stop(process)


@contextlib.contextmanager
def start_server(kind: str = "auto", cpu: int = SERVER_CPU) -> Iterator[Server]:
    """Serve the fail endpoint from another process pinned to *cpu*.

    *kind* is ``nginx``, ``emulator`` or ``auto`` (nginx when it is installed).
    """
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if kind == "nginx" and nginx is None:
        raise RuntimeError("nginx is not installed (apt-get install -y nginx-light)")
    if kind not in {"auto", "nginx", "emulator"}:
        raise ValueError("kind must be auto, nginx or emulator")
    if kind != "emulator" and nginx is not None:
        with _nginx(nginx, cpu) as server:
            yield server
    else:
        with _emulator(cpu) as server:
            yield server


def describe(server: Server) -> str:
    """One line saying which server runs, where, and on which CPU."""
    what = (
        "nginx, 1 worker, fixed JSON answer"
        if server.kind == "nginx"
        else "aioauthlete emulator subprocess"
    )
    return f"server: {what} at {server.base_url} (pid {server.pid}), pinned to CPU {SERVER_CPU}"
