"""The README's two top commands, which the docs tests cannot run inside themselves.

The first (the main job) creates a venv, installs the package into it and runs
``aioauthlete demo``: installing again on every test run would take a minute, so its last step
runs here, from the environment the suite runs in (which .ci/run installs from this checkout).
The second is the test command: the docs tests run inside it, and .ci/run runs it verbatim.
"""

from __future__ import annotations

import os
import re
import subprocess
import sysconfig
from pathlib import Path

from tests.docs.console_blocks import run_console
from tests.docs.plugin import ROOT, SYBIL

DEMO_TIMEOUT = 60.0


def top_commands() -> list[str]:
    """The commands of README's first console block, comments left out."""
    document = SYBIL.parse(ROOT / "README.md")
    block = next(str(r.parsed) for _, r in document.regions if r.evaluator is run_console)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_main_job_ends_in_the_demo_which_runs_from_the_installed_command(
    tmp_path: Path,
) -> None:
    main_job, _ = top_commands()
    install, demo = main_job.rsplit(" && ", 1)
    assert install == "python3.11 -m venv .venv && .venv/bin/pip install ."
    assert demo == ".venv/bin/aioauthlete demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHLETE_")}  # a new user
    done = subprocess.run(
        [Path(sysconfig.get_path("scripts")) / "aioauthlete", "demo"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert re.search(r"^demo: 1,?000 tickets, finished in ", output, re.MULTILINE), output
    assert re.search(r"^  answered +1,?000 ", output, re.MULTILINE), output
    for mode in ("poll", "ping", "push"):  # then the example server's whole CIBA flow
        assert f"\n{mode} mode, alice approves (" in output, output
    assert "\nflow: 6 exchanges, 6 ended as CIBA Core 1.0 says\n" in output, output


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _, test_command = top_commands()
    assert test_command.startswith("python3.11 ")
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command.replace("python3.11 ", "$PYTHON ", 1) in ci  # python3.11 where it exists
