"""Fast wire codecs for the models, generated once per class.

The converter (``_converter``) is the definition of the wire form; it is also general, and
so it costs several times what one request's own work costs. A call builds one body and
decodes one answer, so both are generated here as plain Python functions specialised to one
class, the way attrs and cattrs generate theirs: a body written out field by field with the
C string escaper, and an answer built straight from the dict the C JSON scanner returns.
Property tests hold each generated function equal to the converter for its class.

What the generated code handles itself: text, enums, whole numbers and booleans. Any other
field (lists, nested models) is handed to the converter, field by field. The decoder
answers ``None`` for anything it is unsure of (a wrong type, an unknown enum value, a
missing required field, a value the model's own checks refuse): the caller then takes the
converter's path, which accepts the answer or says what is wrong with it.

Measured under callgrind for the fail call (benchmarks/instructions.py): the converter and
``json.dumps`` cost about ten times the generated body writer, and the converter's decoding
about 8% of a whole request; the generated pair brings a call to within 1-2% of a bare
aiohttp loop.
"""

from __future__ import annotations

import enum
import json
import types
import typing
import urllib.parse
from collections.abc import Callable
from typing import Any

import attrs
import cattrs

_escape = json.encoder.encode_basestring  # the C escaper json.dumps uses


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def camel(name: str) -> str:
    """The wire name of an attribute: ``error_description`` -> ``errorDescription``."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@attrs.frozen
class _Field:
    """What the generators need to know of one attribute."""

    name: str
    wire: str
    kind: str  # "str", "enum", "enum|str", "int", "bool" or "other"
    required: bool
    type: Any
    enum: type[enum.Enum] | None


def _kind(core: Any) -> tuple[str, type[enum.Enum] | None]:
    members = typing.get_args(core) if _is_union(core) else (core,)
    enums = [m for m in members if isinstance(m, type) and issubclass(m, enum.Enum)]
    if len(members) == 2 and len(enums) == 1 and str in members:
        return "enum|str", enums[0]
    if len(members) == 1:
        if enums:
            return "enum", enums[0]
        if core is str:
            return "str", None
        if core is bool:
            return "bool", None
        if core is int:
            return "int", None
    return "other", None


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def fields_of(cls: type) -> list[_Field]:
    """The attributes of *cls* as the codecs see them; optional ones must default to None."""
    attrs.resolve_types(cls)
    found = []
    for attribute in attrs.fields(cls):
        tp = attribute.type
        members = typing.get_args(tp) if _is_union(tp) else (tp,)
        optional = type(None) in members
        core_members = tuple(m for m in members if m is not type(None))
        core = core_members[0] if len(core_members) == 1 else typing.Union[core_members]  # noqa: UP007
        required = attribute.default is attrs.NOTHING
        if not required and attribute.default is not None:
            raise TypeError(f"{cls.__name__}.{attribute.name}: optional fields default to None")
        if optional == required:
            raise TypeError(f"{cls.__name__}.{attribute.name}: None-able exactly when optional")
        kind, enum_cls = _kind(core)
        found.append(_Field(attribute.name, camel(attribute.name), kind, required, core, enum_cls))
    return found


def _compile(source: str, name: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    exec(compile(source, f"<aioauthlete generated {name}>", "exec"), namespace)  # noqa: S102
    function: Callable[..., Any] = namespace[name]
    return function


def _int(value: object) -> str:
    return int.__repr__(value) if type(value) is int else _compact(value)


def _bool(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _compact(value)


def json_encoder(cls: type, converter: cattrs.Converter) -> Callable[[Any], bytes]:
    """A function writing an instance of *cls* as compact JSON, as the converter and
    ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` would (``None`` left out)."""
    fields = fields_of(cls)
    namespace: dict[str, Any] = {"_s": _escape, "_int": _int, "_bool": _bool}
    # The leading required fields go into the list literal; each later member starts with
    # a comma, and when no required field opened the object the first comma is cut off.
    head: list[str] = []
    lines: list[str] = []
    for n, field in enumerate(fields):
        write = _writer(field, n, namespace, converter)
        key = f"'{',' if head or lines else '{'}{json.dumps(field.wire)}:'"
        if field.required and not lines:
            head += (key, write.format(f"o.{field.name}"))
        elif field.required:
            lines.append(f"    p += ({key}, {write.format(f'o.{field.name}')})")
        else:
            lines += (
                f"    v = o.{field.name}",
                f"    if v is not None: p += ({key}, {write.format('v')})",
            )
    opened = bool(head)
    source = [
        "def encode(o):",
        f"    p = [{', '.join(head)}]",
        *lines,
        "    return ''.join(p).encode() + b'}'"
        if opened
        else "    return b'{' + ''.join(p)[1:].encode() + b'}'",
    ]
    return _compile("\n".join(source), "encode", namespace)


def _writer(field: _Field, n: int, namespace: dict[str, Any], converter: cattrs.Converter) -> str:
    if field.kind in ("str", "enum", "enum|str"):
        return "_s({})"
    if field.kind == "int":
        return "_int({})"
    if field.kind == "bool":
        return "_bool({})"
    unstructure = converter.get_unstructure_hook(field.type)
    namespace[f"_u{n}"] = lambda value, u=unstructure: _compact(u(value))
    return f"_u{n}({{}})"


def json_decoder(cls: type, converter: cattrs.Converter) -> Callable[[dict[str, Any]], Any]:
    """A function building *cls* from a decoded JSON object whose fields have their usual
    types, as ``converter.structure`` would; ``None`` when it is unsure (see the module)."""
    fields = fields_of(cls)
    namespace: dict[str, Any] = {"_cls": cls}
    lines = ["def decode(d):"]
    for n, field in enumerate(fields):
        lines.append(f"    f{n} = d.get({field.wire!r})")
        lines.extend("    " + line for line in _reader(field, f"f{n}", n, namespace, converter))
    arguments = ", ".join(f"{field.name}=f{n}" for n, field in enumerate(fields))
    # The model's own checks (a lone surrogate, a ticket with a line break) refuse too:
    # the converter's path then says so as an unusable answer.
    lines += [
        "    try:",
        f"        return _cls({arguments})",
        "    except (ValueError, TypeError):",
        "        return None",
    ]
    return _compile("\n".join(lines), "decode", namespace)


def _reader(
    field: _Field, v: str, n: int, namespace: dict[str, Any], converter: cattrs.Converter
) -> list[str]:
    """Lines that check (and convert) the value in *v* for *field*, or ``return None``."""
    if field.kind in ("str", "int", "bool"):
        check = f"type({v}) is not {field.kind}"
        if field.required:
            return [f"if {check}: return None"]
        return [f"if {v} is not None and {check}: return None"]
    if field.kind in ("enum", "enum|str"):
        assert field.enum is not None
        namespace[f"_e{n}"] = {member.value: member for member in field.enum}
        lookup = f"_e{n}.get({v}, {v})" if field.kind == "enum|str" else f"_e{n}.get({v})"
        body = [f"if type({v}) is not str: return None", f"{v} = {lookup}"]
        if field.kind == "enum":
            body.append(f"if {v} is None: return None")
        if field.required:  # None fails the type check
            return body
        return [f"if {v} is not None:", *("    " + line for line in body)]
    namespace[f"_t{n}"] = field.type
    namespace[f"_st{n}"] = converter.get_structure_hook(field.type)
    body = [
        "try:",
        f"    {v} = _st{n}({v}, _t{n})",
        "except Exception:",  # the converter's path will say what is wrong
        "    return None",
    ]
    if field.required:
        return [f"if {v} is None: return None", *body]
    return [f"if {v} is not None:", *("    " + line for line in body)]


def form_encoder(cls: type) -> Callable[[Any], bytes]:
    """A function writing an instance of *cls* as ``application/x-www-form-urlencoded``.

    The same keys as JSON, ``None`` left out; a list of texts repeats its key. Nested
    objects have no form encoding that Authlete documents: such a field, when set, is
    refused (``ValueError``, before any I/O).
    """
    fields = fields_of(cls)

    def encode(obj: Any) -> bytes:
        pairs: list[tuple[str, str]] = []
        for field in fields:
            value = getattr(obj, field.name)
            if value is not None:
                pairs.extend((field.wire, text) for text in _form_values(cls, field, value))
        return urllib.parse.urlencode(pairs).encode("ascii")

    return encode


def _form_values(cls: type, field: _Field, value: object) -> list[str]:
    if field.kind in ("str", "enum", "enum|str"):
        return [str(value.value if isinstance(value, enum.Enum) else value)]
    if field.kind == "int":
        return [str(value)]
    if field.kind == "bool":
        return ["true" if value else "false"]
    if isinstance(value, tuple) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ValueError(
        f"{cls.__name__}.{field.name} cannot be form-encoded (it is not text, a number, a "
        "boolean or a list of texts): send this request as JSON"
    )
