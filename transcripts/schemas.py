"""What clients send as JSON — socket messages and request bodies — validated against a
schema (pydantic models, strict types, no unknown fields) before any field is read, with the
first problem said in words a person can act on.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from transcripts.models import MAX_TITLE_CHARS
from transcripts.text import one_line

LANGUAGE_PATTERN = re.compile(r"^(multi|[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3})$")

# What a schema error says, by pydantic's error type; {field} and {kind} are filled in.
COMPLAINTS = {
    "int_type": "{field} must be an integer.",
    "bool_type": "{field} must be true or false.",
    "string_type": "{field} must be a string.",
    "extra_forbidden": "Unknown field {field!r} in {kind}.",
    "missing": "{field} is missing from {kind}.",
    "string_too_long": "{field} is too long.",
    "greater_than_equal": "{field} must not be negative.",
    "less_than_equal": "{field} is too large.",
    "union_tag_invalid": "Unknown message type {tag!r}.",
    "union_tag_not_found": "Unknown message type {tag!r}.",
}


class Schema(BaseModel):
    """A client's JSON object: strict types, no unknown fields, read-only once valid."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class NotAnObject(ValueError):
    """The JSON is malformed, or not an object; the message says which."""


def json_object(text: str | bytes, *, what: str) -> dict[str, Any]:
    """`text` parsed as a JSON object; raises NotAnObject with the reason otherwise."""
    try:
        value = json.loads(text)
    except ValueError:
        raise NotAnObject(f"{what} is not valid JSON.") from None
    if not isinstance(value, dict):
        raise NotAnObject(f"{what} must be a JSON object.")
    return value


def complaint(error: ValidationError, *, kind: str, tag: object = None) -> str:
    """The first problem of a schema error, in words."""
    first = error.errors()[0]
    field = str(first["loc"][-1]) if first["loc"] else "the message"
    if first["type"] == "value_error":
        return str(first["ctx"]["error"])
    template = COMPLAINTS.get(first["type"], "{field}: " + first["msg"].replace("{", "(") + ".")
    return template.format(field=field, kind=kind, tag=tag)


def _title(value: str) -> str:
    title = one_line(value)
    if len(title) > MAX_TITLE_CHARS:
        raise ValueError(f"title must be at most {MAX_TITLE_CHARS} characters.")
    return title


def _language(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not LANGUAGE_PATTERN.match(value):
        raise ValueError("language must be a language tag such as 'en', 'en-GB' or 'multi'.")
    return value


# A recording's title as people type it (cleaned, at most MAX_TITLE_CHARS), and a language
# tag such as "en-GB" (none when left out or empty).
Title = Annotated[str, AfterValidator(_title)]
Language = Annotated[str | None, BeforeValidator(_language)]
