"""A small user directory for the application side of a CIBA flow.

Authlete does not know the end-users: ``/backchannel/authentication`` answers
``USER_IDENTIFICATION`` with the hint, and the authorization server identifies the user
(or fails the ticket with ``UNKNOWN_USER_ID``). The emulator therefore never consults
this directory itself; it is a helper for example servers and tests, which can resolve a
hint the way a real server would and pass the user's subject to ``complete``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from attrs import frozen

from ._tokens import unverified_claims


@frozen
class User:
    """One end-user: the subject Authlete gets, the login name and e-mail a hint may use."""

    subject: str
    login: str
    name: str
    email: str


DEFAULT_USERS = (
    User("248289761001", "alice", "Alice Adams", "alice@example.com"),
    User("248289761002", "bob", "Bob Brown", "bob@example.com"),
    User("248289761003", "carol", "Carol Clark", "carol@example.com"),
)


class UserDirectory:
    """Users by subject, login name and e-mail address."""

    def __init__(self, users: Iterable[User] = DEFAULT_USERS) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, User] = {}
        self._by_key: dict[str, User] = {}
        for user in users:
            self.add(user)

    def __repr__(self) -> str:
        return f"<UserDirectory {len(self._users)} users>"

    def __len__(self) -> int:
        return len(self._users)

    def __iter__(self) -> Iterator[User]:
        with self._lock:
            return iter(list(self._users.values()))

    def add(self, user: User) -> None:
        """Add *user*; ValueError if its subject, login or e-mail names another user."""
        keys = {user.subject, user.login, user.email.lower()}
        with self._lock:
            if any(self._by_key.get(key, user) != user for key in keys):
                raise ValueError(f"user {user.login}: a subject, login or e-mail is taken")
            self._users[user.subject] = user
            self._by_key.update(dict.fromkeys(keys, user))

    def find(self, key: str) -> User | None:
        """The user whose subject, login name or e-mail address is *key*."""
        return self._by_key.get(key) or self._by_key.get(key.lower())

    def identify(self, hint_type: str, hint: str, sub: str | None = None) -> User | None:
        """The user a backchannel request's hint names, as a server would resolve it.

        A ``LOGIN_HINT`` is a subject, login or e-mail; an ``ID_TOKEN_HINT`` names its user
        by the ``sub`` Authlete read from it (else the token's own ``sub``); a
        ``LOGIN_HINT_TOKEN`` is read as a JWT whose ``sub`` is the subject. None: unknown.
        """
        if hint_type == "LOGIN_HINT":
            return self.find(hint)
        if hint_type in ("ID_TOKEN_HINT", "LOGIN_HINT_TOKEN"):
            subject = sub if hint_type == "ID_TOKEN_HINT" and sub else None
            if subject is None:
                claims = unverified_claims(hint)
                found = None if claims is None else claims.get("sub")
                subject = found if isinstance(found, str) else None
            return None if subject is None else self._users.get(subject)
        return None
