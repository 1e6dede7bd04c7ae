"""README.md's Locust section: its Python example works as a locustfile.

The docs tests cannot run that block in their own process (importing Locust patches it for
gevent), so they skip it with a reason naming this file, which runs it with ``locust``
against the emulator and reads the CSV.
"""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

from aioauthlete.testing import RunningEmulator
from tests.locust.support import ROOT, locust_environment
from tests.locust.test_cli import SCRIPTS

MARKER = "tests/locust/test_docs.py runs this block as a locustfile"


def example() -> str:
    """The Python block the marker's skip reason names."""
    text = (ROOT / "README.md").read_text()
    at = text.find(MARKER)
    assert at >= 0, f"README.md has no block marked {MARKER!r}"
    start = text.index("```python\n", at) + len("```python\n")
    return text[start : text.index("```", start)]


def test_the_sections_own_user_runs_as_a_locustfile_without_a_failure(
    authlete_emulator: RunningEmulator, tmp_path: Path
) -> None:
    locustfile = tmp_path / "rejecting.py"
    locustfile.write_text(example())
    command = [str(SCRIPTS / "locust"), "-f", str(locustfile), "--headless", "-u", "2"]
    command += ["-r", "2", "-t", "2s", "--csv", str(tmp_path / "out")]
    command += ["--host", authlete_emulator.base_url, "--only-summary"]
    done = subprocess.run(
        command,
        cwd=tmp_path,
        env=locust_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]  # Locust exits 1 on any failure
    with (tmp_path / "out_stats.csv").open(newline="") as stats:
        rows = {r["Name"]: r for r in csv.DictReader(stats)}
    assert set(rows) == {
        "backchannel_authentication",
        "backchannel_authentication_fail",
        "Aggregated",
    }
    assert int(rows["backchannel_authentication_fail"]["Request Count"]) > 0
    assert rows["Aggregated"]["Failure Count"] == "0"
    operations = authlete_emulator.stats.snapshot().operations
    assert set(operations) == {"authentication", "fail"}
