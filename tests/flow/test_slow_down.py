"""A poll that comes too soon gets slow_down, and a client that then waits 5 s more for
every later poll never gets another (CIBA Core 1.0 section 11)."""

from __future__ import annotations

import asyncio

from tests.flow.conftest import Client, World

#: Real time runs this many times slower than the emulator's clock while the client waits.
COMPRESSION = 10


async def test_slow_down_adds_five_seconds_to_the_interval_of_every_later_poll(
    world: World, client: Client
) -> None:
    async def wait(seconds: float) -> None:
        """The client's wait: the emulator's clock moves on by all of it."""
        world.clock.skew += seconds
        await asyncio.sleep(seconds / COMPRESSION)

    impatient = client("poll", sleep=wait, eager_polls=2)  # two polls sent back to back
    async with asyncio.timeout(20):
        outcome = await impatient.run("alice")
    assert outcome.polls[:2] == ["authorization_pending", "slow_down"], outcome.polls
    assert outcome.polls[-1] == "tokens"
    assert set(outcome.polls[2:-1]) <= {"authorization_pending"}, outcome.polls
    assert set(outcome.waits) == {1 + 5}, outcome.waits  # every wait after the slow_down
