"""``python -m aioauthlete.testing``: the same as ``aioauthlete emulator``.

One command line serves the emulator; this name stays because scripts and the
benchmarks start it so. Every flag of ``aioauthlete emulator --help`` works here, and the
output is the same (``base_url`` first on stdout).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``aioauthlete emulator`` with *argv* (default: this process's arguments)."""
    from .._cli._app import main as cli_main

    return cli_main(["emulator", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
