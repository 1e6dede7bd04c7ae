"""CIBA endpoint handlers, framework-neutral: the backchannel authentication endpoint, the
complete step with its notification, and the token endpoint.

Each handler takes a ``ClientRequest`` and returns an ``HttpAnswer``; the adapters
``aioauthlete.ciba.aiohttp`` and ``aioauthlete.ciba.starlette`` (the ``starlette``
extra) turn a framework's request and response into these and back.
"""

from __future__ import annotations

from ._backchannel import BackchannelAuthenticationHandler
from ._complete import Authorized, CompleteHandler, CompleteOutcome, Decision, Denied, Failed
from ._delivery import Delivery, DeliveryProblem
from ._hooks import BINDING_MESSAGE_MAX, BackchannelHooks, BackchannelHooksAdapter, DeviceRequest
from ._http import ClientRequest, HttpAnswer
from ._notify import NotificationSender
from ._policy import NotificationPolicy
from ._token import FURTHER_ACTIONS, TokenHandler, TokenStep

__all__ = [
    "BINDING_MESSAGE_MAX",
    "FURTHER_ACTIONS",
    "Authorized",
    "BackchannelAuthenticationHandler",
    "BackchannelHooks",
    "BackchannelHooksAdapter",
    "ClientRequest",
    "CompleteHandler",
    "CompleteOutcome",
    "Decision",
    "Delivery",
    "DeliveryProblem",
    "Denied",
    "DeviceRequest",
    "Failed",
    "HttpAnswer",
    "NotificationPolicy",
    "NotificationSender",
    "TokenHandler",
    "TokenStep",
]
