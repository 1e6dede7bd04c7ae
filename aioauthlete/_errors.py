"""The exception tree. Everything aioauthlete raises on purpose derives from AuthleteError.

::

    AuthleteError                  attempts, ambiguous
    ├── AuthleteApiError           Authlete (or a proxy) answered with a non-2xx status
    ├── AuthleteResponseError      an answer that cannot be used: not JSON, unknown action,
    │                              a redirect, a body over the size cap
    └── AuthleteTransportError     no answer: connect failure, reset, timeout, broken HTTP
        └── AuthleteTimeoutError   also a builtin TimeoutError

Invalid arguments raise ``ValueError``/``TypeError`` before any I/O instead.

The classes are plain exceptions with explicit fields (a slotted attrs class cannot also
derive from ``TimeoutError``). Messages carry statuses, result codes and Authlete's message
with control characters escaped; never the token, the API secret or a raw ticket. aiohttp's
exceptions are not chained (their ``repr`` holds the request headers, Authorization
included): the transport layer keeps only their class name and a sanitised description in
``detail``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from ._redact import escape_control


class AuthleteError(Exception):
    """The root of every error aioauthlete raises on purpose.

    ``attempts`` is how many attempts the call made. ``ambiguous`` is True when at least
    one of them may have reached Authlete without an answer coming back: Authlete may or
    may not have acted on it (failed the ticket, minted the tokens). For an operation that
    converges (fail, say) that is benign, but it is not a success either.
    """

    #: The attributes that may hold text a server sent.
    _server_texts: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *, attempts: int = 1, ambiguous: bool = False) -> None:
        super().__init__()
        self.attempts = attempts
        self.ambiguous = ambiguous

    def _mask_server_texts(self, mask: Callable[[str], str]) -> None:
        """Pass every text that came from a server through *mask* (the client's
        credentials and the value that names the call out), before the error leaves the
        client."""
        for name in self._server_texts:
            value = getattr(self, name)
            if value:
                setattr(self, name, mask(value))

    def __str__(self) -> str:
        return self._describe()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._describe()!r}, attempts={self.attempts})"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.__dict__.copy()))

    def _describe(self) -> str:  # pragma: no cover - overridden by every concrete class
        return "Authlete call failed"


def _rebuild(cls: type[AuthleteError], state: dict[str, object]) -> AuthleteError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    return error


class AuthleteApiError(AuthleteError):
    """Authlete, or a proxy in front of it, answered with a non-2xx status.

    ``result_code`` and ``result_message`` come from Authlete's ``{resultCode,
    resultMessage}`` body when there is one (``None`` otherwise, as for a proxy's HTML
    page). ``retry_after`` is the wait in seconds the server asked for (429/503), set also
    when the client gave up because that wait did not fit the deadline.
    """

    _server_texts = ("result_code", "result_message")

    def __init__(
        self,
        *,
        status: int,
        result_code: str | None = None,
        result_message: str | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
        ambiguous: bool = False,
    ) -> None:
        super().__init__(attempts=attempts, ambiguous=ambiguous)
        self.status = status
        self.result_code = result_code
        self.result_message = result_message
        self.retry_after = retry_after

    def _describe(self) -> str:
        parts = [f"HTTP {self.status}"]
        # The spec's own 404 example has the status as its result code: say it once.
        if self.result_code and self.result_code != str(self.status):
            parts.append(escape_control(self.result_code, 40))
        text = " ".join(parts)
        if self.result_message:
            text += f": {escape_control(self.result_message)}"
        if self.retry_after is not None:
            text += f" (Retry-After {self.retry_after:g} s)"
        return text


class AuthleteResponseError(AuthleteError):
    """Authlete answered, but the answer cannot be used; retrying will not change it.

    ``status`` is the HTTP status of the answer; ``problem`` says what was wrong with it.
    """

    _server_texts = ("problem",)

    def __init__(
        self, *, status: int, problem: str, attempts: int = 1, ambiguous: bool = False
    ) -> None:
        super().__init__(attempts=attempts, ambiguous=ambiguous)
        self.status = status
        self.problem = problem

    def _describe(self) -> str:
        return f"HTTP {self.status}: unusable answer: {escape_control(self.problem)}"


class AuthleteTransportError(AuthleteError):
    """No answer came back: the connection failed, broke, or the HTTP was garbled.

    ``may_have_reached`` says whether Authlete may have received the request (the same as
    ``ambiguous``): False means Authlete certainly did not act on it. ``detail`` names the
    underlying failure (``"ServerDisconnectedError: Server disconnected"``) without its
    request headers. ``retryable`` is False for failures a retry cannot fix, such as a TLS
    certificate that does not verify.
    """

    _server_texts = ("detail",)

    def __init__(
        self,
        *,
        detail: str,
        may_have_reached: bool,
        retryable: bool = True,
        attempts: int = 1,
    ) -> None:
        super().__init__(attempts=attempts, ambiguous=may_have_reached)
        self.detail = detail
        self.retryable = retryable

    @property
    def may_have_reached(self) -> bool:
        """Whether the request may have reached Authlete (see ``ambiguous``)."""
        return self.ambiguous

    def _describe(self) -> str:
        reached = "may have reached Authlete" if self.ambiguous else "did not reach Authlete"
        return f"no answer from Authlete ({reached}): {escape_control(self.detail)}"


class AuthleteTimeoutError(AuthleteTransportError, TimeoutError):
    """An attempt or the whole call ran out of time.

    ``deadline`` is True when the call's overall deadline (``TimeoutPolicy.total``) expired,
    False when one attempt's bound (``TimeoutPolicy.attempt`` or ``connect``) did.
    """

    def __init__(
        self,
        *,
        detail: str,
        may_have_reached: bool,
        deadline: bool = False,
        attempts: int = 1,
    ) -> None:
        super().__init__(
            detail=detail,
            may_have_reached=may_have_reached,
            retryable=not deadline,
            attempts=attempts,
        )
        self.deadline = deadline
