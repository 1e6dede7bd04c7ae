"""Masking the client's credentials in what servers send back."""

from __future__ import annotations

import json
from collections.abc import Iterator

from hypothesis import given
from hypothesis import strategies as st

from aioauthlete._errors import AuthleteApiError
from aioauthlete._redact import REDACTED, CredentialMask, escape_control, masking_named

#: Credentials travel in headers: visible ASCII only (as the client checks).
credentials = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=8)


def strings_in(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


@given(
    secret=credentials,
    before=st.text(max_size=20),
    after=st.text(max_size=20),
    ensure_ascii=st.booleans(),
)
def test_a_credential_echoed_in_json_is_gone_from_every_decoded_string(
    secret: str, before: str, after: str, ensure_ascii: bool
) -> None:
    """However ``json.dumps`` escapes it, the secret is in no string decoded from the
    masked body (or the body no longer decodes: an unusable answer, not a leak)."""
    document = {"resultMessage": before + secret + after, "echo": [secret]}
    body = json.dumps(document, ensure_ascii=ensure_ascii).encode()
    masked = CredentialMask([secret]).body(body)
    try:
        decoded = json.loads(masked)
    except ValueError:
        return
    assert not any(secret in text for text in strings_in(decoded))


def test_slash_escapes_are_masked_too() -> None:
    """JSON may write ``/`` as ``\\/``: the credential in that form is masked."""
    mask = CredentialMask(["abc/def/ghi"])
    body = b'{"resultMessage":"token abc\\/def\\/ghi"}'
    assert json.loads(mask.body(body)) == {"resultMessage": f"token {REDACTED}"}


def test_an_ordinary_body_is_returned_as_it_is() -> None:
    """The usual answer (no credential in it) is the same object: nothing copied."""
    body = b'{"resultCode":"A185001","action":"FORBIDDEN"}'
    assert CredentialMask(["s3cr3t-token-value"]).body(body) is body


def test_texts_are_masked_in_any_case() -> None:
    """A header value may come back lowered (a media type): still masked."""
    mask = CredentialMask(["Tok-ABCdef-123"])
    assert mask.text("content type text/tok-abcdef-123") == f"content type text/{REDACTED}"


def test_longer_forms_are_masked_before_the_shorter_ones_inside_them() -> None:
    """A Basic pair's base64 form may contain the secret's letters; each is masked whole."""
    mask = CredentialMask(["secretvalue", "c2VjcmV0dmFsdWUsecretvalue"])
    assert mask.text("x c2VjcmV0dmFsdWUsecretvalue y") == f"x {REDACTED} y"


def test_an_echoed_ticket_becomes_its_reference() -> None:
    """The call's ticket is shown as its short hash, as in every repr."""
    masked = masking_named(CredentialMask(["tok-12345678"]).text, "TKT-00001")
    text = masked("ticket TKT-00001 with tok-12345678")
    assert "TKT-00001" not in text
    assert text.startswith("ticket <ticket ")
    assert text.endswith(f"with {REDACTED}")


def test_values_too_short_to_be_real_are_not_masked() -> None:
    """A one-letter ticket or token would mask every word holding that letter."""
    mask = masking_named(CredentialMask(["tok"]).text, "t")
    assert mask("cannot connect to the host: tok") == "cannot connect to the host: tok"
    assert CredentialMask(["t"]).body(b'{"t":"t"}') == b'{"t":"t"}'


def test_a_secret_inside_the_marker_is_masked_with_something_else() -> None:
    """A secret that is part of ``<redacted>`` itself would survive its own masking."""
    mask = CredentialMask(["<redacte"])
    assert mask.text("x <redacte y") == "x *** y"
    assert mask.body(b'{"m":"<redacte"}') == b'{"m":"***"}'


def test_server_text_with_a_lone_surrogate_is_escaped_so_any_log_can_write_it() -> None:
    # A JSON answer may escape a lone surrogate ("\ud800"): a str, but no encoding carries
    # it, so a UTF-8 log handler would fail on the error's message.
    error = AuthleteApiError(status=500, result_code="A\ud800", result_message="x\udfffy")
    text = str(error)
    text.encode("utf-8")  # raises UnicodeEncodeError while a surrogate is left in
    assert "\\ud800" in text
    assert "x\\udfffy" in text
    assert escape_control("\ud83d\ude00") == "\\ud83d\\ude00"  # a pair is two lone halves here
    assert escape_control("caf\u00e9 \U0001f600") == "caf\u00e9 \U0001f600"
