"""FailOutcome: what became of one ticket of a batch."""

from __future__ import annotations

from attrs import frozen

from ._errors import AuthleteError
from ._models import BackchannelAuthenticationFailResponse
from ._protocol import AnyFailRequest


@frozen(kw_only=True)
class FailOutcome:
    """The result of one ticket in a batch: an answer or an error, never both.

    ``index`` is the ticket's position in the input. ``attempts`` counts the HTTP attempts
    made (0 when none started). ``ambiguous`` is True when an attempt may have reached
    Authlete without an answer coming back, even if a later attempt answered: the answer
    may then describe a ticket that an earlier attempt already deleted. ``elapsed`` is the
    seconds from the first attempt to the outcome.
    """

    index: int
    request: AnyFailRequest
    response: BackchannelAuthenticationFailResponse | None
    error: AuthleteError | None
    attempts: int
    ambiguous: bool
    elapsed: float

    @property
    def ok(self) -> bool:
        """True when Authlete answered, whatever the action (forward it to the client)."""
        return self.response is not None
