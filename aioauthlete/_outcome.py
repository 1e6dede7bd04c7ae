"""Outcomes: what became of one request of a batch."""

from __future__ import annotations

from typing import Generic, TypeVar

from attrs import frozen

from ._errors import AuthleteError
from ._operations._fail import AnyFailRequest, BackchannelAuthenticationFailResponse

Req = TypeVar("Req")
Resp = TypeVar("Resp")


@frozen(kw_only=True)
class Outcome(Generic[Req, Resp]):
    """The result of one request in a batch: an answer or an error, never both.

    ``index`` is the request's position in the input. ``attempts`` counts the HTTP attempts
    made (0 when none started). ``ambiguous`` is True when an attempt may have reached
    Authlete without an answer coming back, even if a later attempt answered: the answer
    may then describe a state that an earlier attempt already changed. ``elapsed`` is the
    seconds from the first attempt to the outcome.
    """

    index: int
    request: Req
    response: Resp | None
    error: AuthleteError | None
    attempts: int
    ambiguous: bool
    elapsed: float

    @property
    def ok(self) -> bool:
        """True when Authlete answered, whatever the action (forward it to the client)."""
        return self.response is not None


@frozen(kw_only=True)
class FailOutcome(Outcome[AnyFailRequest, BackchannelAuthenticationFailResponse]):
    """The outcome of one ticket of ``backchannel_authentication_fail_many``/``_stream``.

    For the fail call an ambiguous answer may describe a ticket that an earlier attempt
    already deleted (then ``INTERNAL_SERVER_ERROR``).
    """
