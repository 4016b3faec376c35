"""Crafted input gets a 400 or a 404, never a 500: ids the databases can hold, form and JSON
bodies the app and the databases can use.

Every id column is an ``INTEGER``: 32 bits on PostgreSQL, which refuses a larger number in a
query ("integer out of range"), while SQLite's driver cannot even bind one above 2**63 - 1
(OverflowError). An id beyond :data:`MAX_ID` therefore names nothing: URLs answer 404 before
any query, payloads are refused as invalid.
"""

from __future__ import annotations

from typing import IO, Any, TypeGuard

from flask import Flask, Request
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter

#: The largest id any of our databases stores (PostgreSQL's ``integer``).
MAX_ID = 2**31 - 1


def is_id(value: Any) -> TypeGuard[int]:
    """A JSON value usable as a row id: an int (not a bool) from 1 to :data:`MAX_ID`."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def _decimal_up_to(limit: int) -> str:
    """A regular expression for the decimals 1 to ``limit``, without leading zeros."""
    digits = str(limit)
    options = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):  # same first i digits, then a smaller one, then any
        low = 1 if i == 0 else 0
        if int(digit) > low:
            rest = len(digits) - i - 1
            options.append(
                f"{digits[:i]}[{low}-{int(digit) - 1}]" + (rf"\d{{{rest}}}" * bool(rest))
            )
    options.append(digits)
    return f"(?:{'|'.join(options)})"


class IdConverter(IntegerConverter):
    """Flask's ``int`` converter narrowed to real ids, for every ``<int:…>`` rule of the app.

    The bound is in the pattern, not in ``to_python``: a URL with an impossible id (0, leading
    zeros, above :data:`MAX_ID`, thousands of digits) matches no rule, like one with letters,
    and answers 404 (the API's catch-all, in JSON). Werkzeug turns a ``ValidationError`` from
    ``to_python`` into "no match" without trying other rules, which says 405 whenever the same
    path has a rule for another method.
    """

    regex = _decimal_up_to(MAX_ID)


class _CheckedFormParser(FormDataParser):
    """Form bodies we can use: every multipart part named (RFC 7578 requires it), no NUL.

    Werkzeug files a part without a name under the key ``None``, which breaks whatever walks
    the form, Flask-WTF's CSRF check first of all (before sign-in, on every POST). A NUL cannot
    be stored in a PostgreSQL text column: the query would fail (a 500 there, from the sign-in
    form on). Either is a 400 here, before anything reads the form.
    """

    def parse(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> tuple[IO[bytes], Any, Any]:
        parsed = super().parse(stream, mimetype, content_length, options)
        _stream, form, files = parsed
        nameless = mimetype == "multipart/form-data" and not all(
            key for key in (*form.keys(), *files.keys())
        )
        if nameless or any("\x00" in value for _key, value in form.items(multi=True)):
            for _key, upload in files.items(multi=True):  # never reaches the request to close
                upload.close()
            raise BadRequest("unusable form body")
        return parsed


def has_nul(value: Any) -> bool:
    """Whether a parsed JSON value holds a NUL in any string, keys included (iteratively: the
    nesting may be as deep as the parser allows)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class HandbookRequest(Request):
    """Flask's request, refusing (400) what would otherwise fail deep inside: nameless
    multipart parts, NUL in form or JSON text, JSON nested past Python's recursion limit."""

    form_data_parser_class = _CheckedFormParser

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        try:
            data = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:  # json.loads raises it, not a ValueError, for "[[[[…"
            if silent:
                return None
            raise BadRequest("JSON nested too deeply") from None
        if has_nul(data):
            raise BadRequest("NUL in JSON text")
        return data


def init_app(app: Flask) -> None:
    """Install the guards; call before any blueprint adds its rules."""
    app.url_map.converters["int"] = IdConverter
    app.request_class = HandbookRequest
