"""Each operation against a recorded loopback server that answers with the document's own
examples: the body the client sent validates strictly, and every example decodes.

The 200 example becomes the operation's response model exactly as the converter reads it;
each documented error example (400, 401, 403, 500) becomes an ``AuthleteApiError`` with its
result code and message.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from aioauthlete import AuthleteApiError, AuthleteClient, Operation, RetryPolicy, converter
from tests.faults import respond
from tests.faults.fixtures import RawServerFactory
from tests.helpers import SERVICE_ID, TOKEN
from tests.strategies import full
from tests.wire import spec
from tests.wire.test_requests import OPERATIONS, spec_path

STATUSES = ["200", "400", "401", "403", "500"]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
async def test_documented_examples_decode_and_the_sent_body_validates(
    operation: Operation[Any, Any], status: str, raw_server_factory: RawServerFactory
) -> None:
    [example] = spec.examples(spec_path(operation), status)
    server = await raw_server_factory(respond(int(status), example))
    async with AuthleteClient(
        base_url=server.url,
        service_id=SERVICE_ID,
        access_token=TOKEN,
        retry=RetryPolicy(attempts=1),
    ) as client:
        call = client.call(operation, full(operation.request))
        if status == "200":
            response = await call
            assert response == converter.structure(example, operation.response)
            assert type(response) is operation.response
        else:
            with pytest.raises(AuthleteApiError) as info:
                await call
            assert info.value.status == int(status)
            assert info.value.result_code == str(example["resultCode"])
            assert info.value.result_message == example["resultMessage"]
    [sent] = server.requests
    assert sent.path == f"/api/{SERVICE_ID}{operation.path}"
    spec.request_validator(spec_path(operation)).validate(json.loads(sent.body))
