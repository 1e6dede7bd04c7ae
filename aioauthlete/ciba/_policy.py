"""How long a notification may take and how often it is tried: a frozen, keyword-only
value, changed with ``attrs.evolve``.

The defaults bound a delivery to ten seconds, each attempt to three: a notification is
sent from a background task, but a client's endpoint that hangs must not hold a
connection, a task and the tokens it carries for long.
"""

from __future__ import annotations

from attrs import field, frozen
from attrs.validators import ge, instance_of

from .._policies import _finite_non_negative, _finite_positive

_int = instance_of(int)


@frozen(kw_only=True)
class NotificationPolicy:
    """Bounds and retries of one notification.

    ``total`` is a deadline over every attempt and every wait between them; ``attempt``
    bounds one attempt (connecting, sending, and reading the status and up to
    ``max_body`` bytes of the answer, which are ignored); ``connect`` bounds opening the
    connection. At most ``attempts`` requests are started, with a wait of
    ``U(0, min(wait_max, wait_initial * 2 ** (n - 1)))`` before retry *n*. Which failures
    are retried depends on the delivery mode (see ``NotificationSender``).
    """

    total: float = field(default=10.0, validator=_finite_positive)
    attempt: float = field(default=3.0, validator=_finite_positive)
    connect: float = field(default=2.0, validator=_finite_positive)
    attempts: int = field(default=3, validator=[_int, ge(1)])
    wait_initial: float = field(default=0.2, validator=_finite_non_negative)
    wait_max: float = field(default=1.0, validator=_finite_non_negative)
    max_body: int = field(default=4096, validator=[_int, ge(0)])
