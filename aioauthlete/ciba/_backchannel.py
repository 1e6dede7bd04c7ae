"""The backchannel authentication endpoint (CIBA Core 1.0 section 7): from the client's
request to Authlete's answer, through the application's hooks.

What happens when something fails:

- the body cannot be read (not text, over the client's ``max_body_size``): 400
  ``invalid_request``, nothing sent to Authlete;
- an Authlete call fails (``AuthleteError``): an ERROR record, and an answer built here:
  500 ``server_error``, or for the fail call the error its reason stands for
  (``local_fail_response``). The ticket then expires on Authlete's side;
- a hook raises (any ``Exception``; a cancellation is never caught): an ERROR record
  naming the hook and the exception's class, then the ticket is failed with
  ``SERVER_ERROR`` and the client gets that answer;
- the device step raises, after the client has its ``auth_req_id``: an ERROR record, and
  the ticket is completed as ``TRANSACTION_FAILED`` (the client is notified in ping and
  push modes, told at the token endpoint in poll mode).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Generic, TypeVar

from .._client import AuthleteClient
from .._errors import AuthleteError
from .._local import local_fail_response
from .._operations._authentication import (
    BackchannelAuthenticationAction,
    BackchannelAuthenticationRequest,
    BackchannelAuthenticationResponse,
)
from .._operations._fail import BackchannelAuthenticationFailRequest, FailReason
from .._operations._issue import BackchannelAuthenticationIssueRequest, IssueAction
from .._operations._shared import HintType
from ._complete import CompleteHandler, Failed
from ._hooks import BackchannelHooks, DeviceRequest
from ._http import ClientRequest, HttpAnswer, answer, basic_credentials, oauth_error, server_error
from ._log import call_failed, hook_failed, logger, ref

U = TypeVar("U")
T = TypeVar("T")


class HookError(Exception):
    """A hook raised: which one, and what (kept off the message, which is only the name)."""

    def __init__(self, hook: str, error: Exception) -> None:
        super().__init__(hook)
        self.hook = hook
        self.error = error


async def _ask(hook: str, call: Awaitable[T]) -> T:
    try:
        return await call
    except Exception as exc:  # noqa: BLE001 - the application's code may raise anything
        raise HookError(hook, exc) from None


def authentication_request(request: ClientRequest) -> BackchannelAuthenticationRequest:
    """The authentication call's request: client ID and secret from a Basic
    ``Authorization`` header, or left to the body."""
    client_id, secret = basic_credentials(request.authorization) or (None, None)
    return BackchannelAuthenticationRequest(
        parameters=request.body,
        client_id=client_id,
        client_secret=secret,
        client_certificate=request.client_certificate,
    )


class BackchannelAuthenticationHandler(Generic[U]):
    """Answers backchannel authentication requests (``handle``) and runs each accepted
    request's device step (the hooks' ``start_authentication``) in a task of its own.

    The answer never waits for the user: once the ``auth_req_id`` is issued, the device
    step is scheduled and the client gets its 200. The handler keeps the running steps;
    ``drain`` waits for them, ``aclose`` cancels them (their tickets then expire, and the
    client learns ``expired_token``). *complete* reports a device step that failed.
    """

    def __init__(
        self, client: AuthleteClient, hooks: BackchannelHooks[U], *, complete: CompleteHandler
    ) -> None:
        self._client = client
        self._hooks = hooks
        self._complete = complete
        self._steps: set[asyncio.Task[None]] = set()
        self._closed = False

    async def __aenter__(self) -> BackchannelAuthenticationHandler[U]:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    @property
    def running(self) -> int:
        """How many device steps are running."""
        return len(self._steps)

    async def drain(self) -> None:
        """Wait until every device step running now has ended."""
        while self._steps:
            await asyncio.wait(set(self._steps))

    async def aclose(self) -> None:
        """Cancel the running device steps and wait for them; later requests get 500."""
        self._closed = True
        steps = set(self._steps)
        for step in steps:
            step.cancel()
        await asyncio.gather(*steps, return_exceptions=True)

    async def handle(self, request: ClientRequest) -> HttpAnswer:
        """The answer for the CIBA client's backchannel authentication *request*."""
        try:
            response = await self._client.backchannel_authentication(
                authentication_request(request)
            )
        except (ValueError, TypeError):
            return oauth_error(400, "invalid_request", "The request body could not be read.")
        except AuthleteError as error:
            call_failed("authentication", error)
            return server_error()
        action = response.action
        if action is not BackchannelAuthenticationAction.USER_IDENTIFICATION:
            assert action.status_code is not None
            return answer(action.status_code, response.headers, response.response_content)
        if response.ticket is None:
            logger.error("authentication answered USER_IDENTIFICATION without a ticket")
            return server_error()
        return await self._identify(response, response.ticket)

    async def _identify(
        self, response: BackchannelAuthenticationResponse, ticket: str
    ) -> HttpAnswer:
        try:
            reason, user = await self._ladder(response)
        except HookError as failure:
            hook_failed(failure.hook, failure.error, ticket, "failing the ticket: SERVER_ERROR")
            return await self._fail(ticket, FailReason.SERVER_ERROR)
        if reason is not None:
            return await self._fail(ticket, reason)
        if self._closed:
            logger.error("handler closed: failing ticket=%s with SERVER_ERROR", ref(ticket))
            return await self._fail(ticket, FailReason.SERVER_ERROR)
        assert user is not None  # no reason: the user was found
        return await self._issue(response, ticket, user)

    async def _ladder(
        self, response: BackchannelAuthenticationResponse
    ) -> tuple[FailReason | None, U | None]:
        """The checks, in order; the first refusal's reason, or the user."""
        hooks, hint = self._hooks, response.hint
        user = await _ask("find_user", hooks.find_user(response.hint_type, hint, response.sub))
        if user is None:
            return FailReason.UNKNOWN_USER_ID, None
        if response.hint_type is HintType.LOGIN_HINT_TOKEN and hint is not None:
            expired = hooks.is_login_hint_token_expired(hint)
            if await _ask("is_login_hint_token_expired", expired):
                return FailReason.EXPIRED_LOGIN_HINT_TOKEN, None
        code = response.user_code
        if response.user_code_required or code is not None:
            if code is None:  # Authlete refuses this itself when both sides require a code
                return FailReason.MISSING_USER_CODE, None
            if not await _ask("is_valid_user_code", hooks.is_valid_user_code(user, code)):
                return FailReason.INVALID_USER_CODE, None
        message = response.binding_message
        if message is not None:
            valid = hooks.is_valid_binding_message(message)
            if not await _ask("is_valid_binding_message", valid):
                return FailReason.INVALID_BINDING_MESSAGE, None
        return None, user

    async def _fail(self, ticket: str, reason: FailReason) -> HttpAnswer:
        fail = BackchannelAuthenticationFailRequest(ticket=ticket, reason=reason)
        try:
            failed = await self._client.backchannel_authentication_fail(fail)
        except AuthleteError as error:
            call_failed("fail", error, ticket)
            failed = local_fail_response(fail)
        return answer(failed.action.status_code, failed.headers, failed.response_content)

    async def _issue(
        self, response: BackchannelAuthenticationResponse, ticket: str, user: U
    ) -> HttpAnswer:
        request = BackchannelAuthenticationIssueRequest(ticket=ticket)
        try:
            issued = await self._client.backchannel_authentication_issue(request)
        except AuthleteError as error:
            call_failed("issue", error, ticket)
            local = local_fail_response(
                BackchannelAuthenticationFailRequest(ticket=ticket, reason=FailReason.SERVER_ERROR)
            )
            return answer(local.action.status_code, local.headers, local.response_content)
        if issued.action is not IssueAction.OK:
            logger.error("issue answered %s ticket=%s", issued.action, ref(ticket))
            return answer(issued.action.status_code, issued.headers, issued.response_content)
        self._start(device_request(response, ticket, user, issued.auth_req_id, issued.expires_in))
        return answer(200, issued.headers, issued.response_content)

    def _start(self, device: DeviceRequest[U]) -> None:
        step = asyncio.get_running_loop().create_task(self._device_step(device))
        self._steps.add(step)
        step.add_done_callback(self._steps.discard)

    async def _device_step(self, device: DeviceRequest[U]) -> None:
        try:
            await self._hooks.start_authentication(device)
        except Exception as exc:  # noqa: BLE001 - the application's code may raise anything
            hook_failed(
                "start_authentication", exc, device.ticket, "completing: TRANSACTION_FAILED"
            )
        else:
            return
        failed = Failed(description="The authentication device step failed.")
        try:
            await self._complete.complete(device.ticket, failed)
        except Exception as exc:  # noqa: BLE001 - complete() reports Authlete's failures
            hook_failed("complete (after start_authentication)", exc, device.ticket, "giving up")


def device_request(
    response: BackchannelAuthenticationResponse,
    ticket: str,
    user: U,
    auth_req_id: str | None,
    expires_in: int | None,
) -> DeviceRequest[U]:
    """What the device step is given, from the authentication and issue answers."""
    return DeviceRequest(
        ticket=ticket,
        user=user,
        auth_req_id=auth_req_id,
        expires_in=expires_in,
        scopes=tuple(s.name for s in response.scopes or () if s.name is not None),
        claim_names=response.claim_names or (),
        acrs=response.acrs or (),
        binding_message=response.binding_message,
        user_code=response.user_code,
        requested_expiry=response.requested_expiry,
        client_id=response.client_id,
        client_name=response.client_name,
        delivery_mode=response.delivery_mode,
        authentication=response,
    )
