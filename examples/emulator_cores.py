"""The emulator on several cores: N processes answering on one port (SO_REUSEPORT, Linux).

    python examples/emulator_cores.py --processes 2 --port 8080

One emulator process answers the whole CIBA flow at about 4,900 requests per second of
one core (``benchmarks.locust_bench``), and a Locust worker sends about 3,800 to 4,000
per core: beyond one worker, a single emulator is what limits the test. Here every process serves
the same port and the kernel spreads new connections over them; since a flow's calls may
then reach different processes, each one accepts any ticket and auth_req_id
(``--accept-any-ticket``; client authentication and parameter checks still run). The
credentials are the emulator's usual ones (``AUTHLETE_*``, else the development values).

Like ``aioauthlete emulator``, it prints ``base_url URL`` on stdout once every process
listens; Ctrl-C or SIGTERM stops them all, and each says on stderr how many requests it
served.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import socket
import sys
from multiprocessing.connection import Connection

from aiohttp import web

from aioauthlete.testing import AuthleteEmulator

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 30.0


def listener(port: int) -> socket.socket:
    """A loopback socket on *port* (0: a free one) that other processes may share."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((HOST, port))
    sock.listen(1024)
    return sock


async def serve(sock: socket.socket, ready: Connection | None, number: int) -> None:
    """Serve one emulator on *sock* until SIGINT or SIGTERM; then say what it served."""
    emulator = AuthleteEmulator(accept_any_ticket=True)
    runner = web.AppRunner(emulator.make_app(), access_log=None)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await web.SockSite(runner, sock).start()
        if ready is not None:
            ready.send(number)
            # The first process never writes back: the pipe turns readable when it has
            # gone, even by kill -9, and then this one stops too.
            loop.add_reader(ready.fileno(), stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
    sys.stderr.write(f"process {number}: {emulator.stats.requests:,} requests\n")  # one write


def child(port: int, ready: Connection, number: int) -> None:
    asyncio.run(serve(listener(port), ready, number))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free one")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("--processes must be 1 or more")
    try:
        sock = listener(args.port)
    except OSError as exc:  # a port in use, or one this user may not bind
        parser.exit(2, f"cannot listen on {HOST}:{args.port}: {exc.strerror or exc}\n")
    port = sock.getsockname()[1]
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited loop
    ready, announced = context.Pipe()
    children = [
        context.Process(target=child, args=(port, announced, n), daemon=True)
        for n in range(2, args.processes + 1)
    ]
    for process in children:
        process.start()
    for _ in children:  # every process listens before the URL is announced
        if not ready.poll(STARTUP_TIMEOUT):
            parser.exit(1, f"an emulator process did not start within {STARTUP_TIMEOUT:g} s\n")
        ready.recv()
    print(f"base_url http://{HOST}:{port}", flush=True)
    try:
        asyncio.run(serve(sock, None, 1))
    finally:
        for process in children:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGTERM)
            process.join(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
