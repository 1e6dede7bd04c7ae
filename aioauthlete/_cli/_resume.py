"""What an earlier run already settled, kept compact enough for millions of tickets.

A Python ``set`` of a million 64-bit hashes costs about 70 MB (an int object and a table
slot each). ``ResumeIndex`` keeps 60-bit ticket hashes in an open-addressing table inside
one ``array('Q')`` instead: 8 bytes a slot, at most two slots per entry, so a million
tickets need 16 MB. Each slot also holds three flags: whether the ticket's last recorded
result is definitive, whether it was an answer, and whether a request for it may have
reached Authlete without its answer being recorded (a sent mark with no result after it,
or an ambiguous result). At a million entries the chance that
two tickets share a hash is about 1 in 2 million.
"""

from __future__ import annotations

import hashlib
from array import array

DEFINITIVE = 1
OK = 2
REACHED = 4
_FLAG_BITS = 3
_KEY_BITS = 60
_MIN_SLOTS = 1 << 10


def resume_key(ticket: str | None, index: int) -> int:
    """The key a result is remembered by: its ticket's hash, or its row for a ticketless row.

    Never 0 (0 marks an empty slot).
    """
    text = ticket if ticket is not None else f"\x00row {index}"
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> (64 - _KEY_BITS)) | 1


class ResumeIndex:
    """A map from ``resume_key`` to the flags of the last result recorded for it."""

    def __init__(self) -> None:
        self._slots = array("Q", [0]) * _MIN_SLOTS
        self._mask = _MIN_SLOTS - 1
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def record(self, key: int, flags: int) -> None:
        """Remember *flags* for *key*, replacing what an earlier record said."""
        slot = self._find(key)
        if self._slots[slot] == 0:
            self._size += 1
        self._slots[slot] = (key << _FLAG_BITS) | flags
        if self._size * 2 > len(self._slots):
            self._grow()

    def flags(self, key: int) -> int | None:
        """The flags recorded for *key*, or None if it was never recorded."""
        value = self._slots[self._find(key)]
        return None if value == 0 else value & ((1 << _FLAG_BITS) - 1)

    def definitive(self) -> int:
        """How many keys have a definitive last result (a rerun skips them)."""
        return sum(value & DEFINITIVE for value in self._slots)

    def reached(self) -> int:
        """How many keys a rerun sends again that may have reached Authlete unanswered."""
        return sum(value & (REACHED | DEFINITIVE) == REACHED for value in self._slots)

    def _find(self, key: int) -> int:
        """The slot holding *key*, or the empty slot where it would go (linear probing)."""
        slots, mask = self._slots, self._mask
        slot = (key >> 1) & mask  # bit 0 is always set
        while True:
            value = slots[slot]
            if value == 0 or value >> _FLAG_BITS == key:
                return slot
            slot = (slot + 1) & mask

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("Q", [0]) * (2 * len(old))
        self._mask = len(self._slots) - 1
        for value in old:
            if value:
                self._slots[self._find(value >> _FLAG_BITS)] = value
