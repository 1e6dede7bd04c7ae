"""What the delivery tests share: a fast policy, the content, a never-answering script,
and one notification sent by a sender."""

from __future__ import annotations

import asyncio
import json

from aioauthlete import DeliveryMode
from aioauthlete.ciba import Delivery, NotificationPolicy, NotificationSender
from tests.ciba.support import AUTH_REQ_ID, NOTIFICATION_TOKEN
from tests.faults.raw_server import Handler, RawConnection

FAST = NotificationPolicy(total=3.0, attempt=0.4, connect=0.3, attempts=3)
CONTENT = json.dumps({"auth_req_id": AUTH_REQ_ID})
PING, PUSH = DeliveryMode.PING, DeliveryMode.PUSH


def never_answering(arrived: asyncio.Event) -> Handler:
    """Read the request, say so, and never answer."""

    async def handler(conn: RawConnection) -> None:
        if await conn.read_request() is not None:
            arrived.set()
            await conn.wait_client_gone()

    return handler


async def notify(
    sender: NotificationSender, url: str, mode: DeliveryMode | None = PING
) -> Delivery:
    return await sender.notify(url + "/cb?x=1", NOTIFICATION_TOKEN, CONTENT, mode=mode)
