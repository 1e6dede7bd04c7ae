"""The operations, one module each (its models and its ``Operation`` value), and their
registry: adding an operation is its module and one line here."""

from __future__ import annotations

from types import ModuleType

from . import _authentication, _complete, _fail, _issue, _shared, _token

#: One line per operation module.
MODULES: tuple[ModuleType, ...] = (
    _fail,
    _authentication,
    _issue,
    _complete,
    _token,
)

#: Every class the converter reads and writes, and every enum on the wire.
WIRE_CLASSES: tuple[type, ...] = _shared.WIRE_CLASSES + tuple(
    cls for module in MODULES for cls in module.WIRE_CLASSES
)
ENUMS: tuple[type, ...] = _shared.ENUMS + tuple(e for module in MODULES for e in module.ENUMS)
