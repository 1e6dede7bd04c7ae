"""The ``aioauthlete`` command line (``python -m aioauthlete``); see ``docs/cli.md``.

Private: the console script and ``aioauthlete/__main__.py`` call ``main``. Each subcommand
is a module of this package; ``_app`` documents the contract they follow.
"""

from __future__ import annotations

from ._app import main

__all__ = ["main"]
