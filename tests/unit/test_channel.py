"""The hand-over from batch workers to the consumer."""

from __future__ import annotations

import asyncio

from aioauthlete._channel import Channel


async def test_items_arrive_in_order_and_in_one_take() -> None:
    """Everything put before the consumer runs is taken in one go, in order."""
    channel: Channel[int] = Channel(10)
    for n in range(3):
        assert not channel.put(n)
    assert list(await channel.take_all()) == [0, 1, 2]


async def test_consumer_waits_for_the_first_item() -> None:
    """take_all waits while the channel is empty and wakes on the next put."""
    channel: Channel[str] = Channel(4)
    taking = asyncio.create_task(channel.take_all())
    await asyncio.sleep(0)
    assert not taking.done()
    channel.put("a")
    assert list(await taking) == ["a"]


async def test_full_channel_holds_producers_until_the_consumer_takes() -> None:
    """put reports a full channel; room() returns only after take_all made space."""
    channel: Channel[int] = Channel(2)
    assert not channel.put(1)
    assert channel.put(2)
    waiting = asyncio.create_task(channel.room())
    await asyncio.sleep(0)
    assert not waiting.done()
    assert list(await channel.take_all()) == [1, 2]
    await asyncio.wait_for(waiting, 1.0)


async def test_cancelled_waiters_leave_no_trace() -> None:
    """A producer or consumer cancelled while waiting is forgotten by the channel."""
    channel: Channel[int] = Channel(1)
    channel.put(1)
    producer = asyncio.create_task(channel.room())
    await asyncio.sleep(0)
    producer.cancel()
    await asyncio.gather(producer, return_exceptions=True)
    assert list(await channel.take_all()) == [1]
    consumer = asyncio.create_task(channel.take_all())
    await asyncio.sleep(0)
    consumer.cancel()
    await asyncio.gather(consumer, return_exceptions=True)
    channel.put(2)  # no stale reader to wake
    assert list(await channel.take_all()) == [2]
