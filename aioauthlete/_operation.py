"""An operation of Authlete's API as a value.

The retry loop, the transport, the errors, logging, redaction and batches are written once
for every operation; what differs from one operation to the next is data, held here: the
path, the request and response models, whether a failure that may have reached Authlete is
retried by default, and what names a call in logs. Adding an endpoint is one of these values
and its models, never new I/O code.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from attrs import field, frozen

if TYPE_CHECKING:
    from ._answer import Decode

Req = TypeVar("Req")
Resp = TypeVar("Resp")


@frozen(kw_only=True)
class FormRequest(Generic[Req]):
    """*body* sent form-encoded (``application/x-www-form-urlencoded``) instead of as JSON,
    to *service_id*, or to the client's service when it is ``None``.

    Authlete takes every request both ways, with the same keys. One organization token can
    serve several services, which is why the service may travel with the request. Lists of
    texts repeat their key; nested objects have no form encoding and are refused before
    any I/O. With ``api_version="V2"`` the service must be the client's own (HTTP Basic
    credentials belong to one service).
    """

    body: Req
    service_id: str | None = None


def _names_nothing(_: object) -> None:
    return None


def _no_secrets(_: object) -> tuple[str, ...]:
    return ()


def _no_other_shapes(_: object) -> None:
    return None


@frozen(kw_only=True, eq=False)  # one value per operation: compared and hashed by identity
class Operation(Generic[Req, Resp]):
    """One Authlete API operation, as the generic machinery needs to know it.

    - ``name`` names it in log records (``"fail attempt service=..."``);
    - ``path`` follows ``/api/{serviceId}`` (Authlete 3.x) or ``/api`` (2.x);
    - ``converges``: a retry after an attempt that may have reached Authlete cannot change
      what the first one did (deleting a deleted ticket changes nothing), so such
      failures are retried unless ``RetryPolicy.retry_ambiguous`` says otherwise. An
      operation that does not converge (its effect is single-use: complete, token) also
      counts a 500, 502 or 504 as a failure that may have reached Authlete;
    - ``names`` says what names a call in logs and errors, as a short hash: ``("ticket",
      value)``, ``("auth_req_id", value)``, or ``None``, never raw parameters;
    - ``secrets`` gives values of the request that a server must not echo into an error
      or a log record (a client secret, say); they are masked like the client's token;
    - ``other_shapes`` turns other request types the operation accepts (the seed's form
      model of the fail call) into a ``FormRequest``, or returns ``None``.
    """

    name: str
    path: str
    request: type[Req]
    response: type[Resp]
    converges: bool
    names: Callable[[Req], tuple[str, str] | None] = field(default=_names_nothing)
    secrets: Callable[[Req], Iterable[str]] = field(default=_no_secrets)
    other_shapes: Callable[[object], FormRequest[Req] | None] = field(default=_no_other_shapes)

    def __repr__(self) -> str:
        return f"<Operation {self.name} {self.path}>"

    @functools.cached_property
    def encode_json(self) -> Callable[[Req], bytes]:
        """The request's JSON body (generated on first use; see ``_codec``)."""
        from ._codec import json_encoder
        from ._converter import converter

        return json_encoder(self.request, converter)

    @functools.cached_property
    def encode_form(self) -> Callable[[Any], bytes]:
        """The request's form body."""
        from ._codec import form_encoder

        return form_encoder(self.request)

    @functools.cached_property
    def decode(self) -> Decode[Resp]:
        """Turns one HTTP answer into a response, or raises the error it stands for."""
        from ._answer import decoder

        return decoder(self.response)
