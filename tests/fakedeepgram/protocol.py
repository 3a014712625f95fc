"""Deepgram wire-protocol constants, error bodies, query checks and SDK-type validation."""

from __future__ import annotations

import datetime as dt
import json
import typing
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pydantic
from deepgram.listen.v1.types import (
    ListenV1ConfigureFailure,
    ListenV1ConfigureSuccess,
    ListenV1Error,
    ListenV1Metadata,
    ListenV1Results,
    ListenV1SpeechStarted,
    ListenV1UtteranceEnd,
)
from deepgram.types import ListenV1Response
from deepgram.types.listen_v1encoding import ListenV1Encoding
from deepgram.types.listen_v1model import ListenV1Model

NET0001_REASON = (
    "Deepgram did not receive audio data or a text message within the timeout window. "
    "See https://dpgr.am/net0001"
)
NET0000_REASON = (
    "Deepgram did not provide a response message within the timeout window. "
    "See https://dpgr.am/net0000"
)
CORRUPT_AUDIO = "Bad Request: failed to process audio: corrupt or unsupported data"

SUPPORTED_LANGUAGES = frozenset(
    lang.lower()
    for lang in [
        "en",
        "en-US",
        "en-GB",
        "en-AU",
        "en-IN",
        "en-NZ",
        "de",
        "de-CH",
        "fr",
        "fr-CA",
        "es",
        "es-419",
        "it",
        "nl",
        "nl-BE",
        "pt",
        "pt-BR",
        "pt-PT",
        "ja",
        "ko",
        "ko-KR",
        "zh",
        "zh-CN",
        "zh-TW",
        "hi",
        "ru",
        "sv",
        "da",
        "no",
        "fi",
        "pl",
        "tr",
        "uk",
        "id",
        "vi",
        "multi",
    ]
)

# (err_code, err_msg) per status, as documented in deepgram.md section 4.3.
_ERROR_CATALOGUE: dict[int, tuple[str, str]] = {
    400: ("Bad Request", "Bad Request: Invalid request."),
    401: ("INVALID_AUTH", "Invalid credentials."),
    402: (
        "ASR_PAYMENT_REQUIRED",
        "Project does not have enough credits for an ASR request and does not have an "
        "overage agreement.",
    ),
    403: ("INSUFFICIENT_PERMISSIONS", "Project does not have access to the requested model."),
    404: ("NOT_FOUND", "Not Found."),
    408: ("REQUEST_TIMEOUT", "Request timed out."),
    413: ("PAYLOAD_TOO_LARGE", "Payload size exceeds limit of 2 MB."),
    429: ("TOO_MANY_REQUESTS", "Too many requests. Please try again later"),
    500: ("INTERNAL_SERVER_ERROR", "Internal server error."),
    502: ("BAD_GATEWAY", "Bad gateway."),
    503: ("Service Unavailable", "Please try again later"),
    504: ("GATEWAY_TIMEOUT", "Processing time exceeded the maximum allowed."),
}

# Models the fake knows, taken from the SDK's own literal so the two never drift apart.
KNOWN_MODELS: frozenset[str] = frozenset(typing.get_args(typing.get_args(ListenV1Model)[0]))
KNOWN_ENCODINGS: frozenset[str] = frozenset(typing.get_args(typing.get_args(ListenV1Encoding)[0]))
# Bytes per sample for encodings whose stream time can be computed without decoding.
PCM_WIDTHS: dict[str, int] = {"linear16": 2, "linear32": 4, "mulaw": 1, "alaw": 1}


class FakeProtocolError(RuntimeError):
    """Raised when the fake is about to send something the SDK's types reject."""


@dataclass(frozen=True)
class QueryError:
    """A 400 rejection reason for an invalid query string."""

    err_code: str
    err_msg: str


@dataclass(frozen=True)
class ModelInfo:
    """Model description used in Results.metadata and Metadata.model_info."""

    name: str
    version: str
    arch: str
    uuid: str

    def as_dict(self) -> dict[str, str]:
        """Return the `{name, version, arch}` object Deepgram sends."""
        return {"name": self.name, "version": self.version, "arch": self.arch}


def model_info(model: str) -> ModelInfo:
    """Describe `model` the way Deepgram's metadata does (deterministic uuid per model)."""
    arch = next(
        (a for a in ("nova-3", "nova-2", "nova", "enhanced", "base") if model.startswith(a)),
        "base",
    )
    variant = model[len(arch) :].lstrip("-") or "general"
    name = "2-general-nova" if arch == "nova-2" and variant == "general" else f"{variant}-{arch}"
    model_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"fake-deepgram/{model}"))
    return ModelInfo(name=name, version="2025-01-01.0", arch=arch, uuid=model_uuid)


def iso_now() -> str:
    """Return the current UTC time as Deepgram formats `created` (ms precision, `Z`)."""
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def error_body(status: int, request_id: str, message: str | None = None) -> dict[str, str]:
    """Build Deepgram's legacy error JSON for `status` (503 uses `error_code`, sic)."""
    err_code, default_msg = _ERROR_CATALOGUE.get(status, (f"HTTP_{status}", f"HTTP {status}"))
    code_key = "error_code" if status == 503 else "err_code"
    return {code_key: err_code, "err_msg": message or default_msg, "request_id": request_id}


def is_true(value: str | None) -> bool:
    """Interpret a query-string boolean the way the SDK encodes them."""
    return value is not None and value.strip().lower() == "true"


def auth_ok(headers: Mapping[str, str], api_key: str) -> bool:
    """Accept `Token <key>`, `Bearer <key>`, or `Sec-WebSocket-Protocol: token, <key>`."""
    scheme, _, credential = headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() in ("token", "bearer") and credential.strip() == api_key:
        return True
    protocols = [p.strip() for p in headers.get("Sec-WebSocket-Protocol", "").split(",")]
    return len(protocols) == 2 and protocols[0].lower() == "token" and protocols[1] == api_key


def validate_query(query: Mapping[str, str], *, live: bool) -> QueryError | None:
    """Check query parameters like Deepgram's handshake/REST front door does."""
    for check in (_check_model, _check_language, _check_keywords, _check_endpointing):
        problem = check(query, live)
        if problem is not None:
            return problem
    if live:
        return _check_sample_rate(query) or _check_encoding(query) or _check_utterance_end(query)
    return None


def _check_model(query: Mapping[str, str], live: bool) -> QueryError | None:
    model = query.get("model")
    if model is None:
        if not live:
            return None
        return QueryError(
            "INVALID_QUERY_PARAMETER", "Bad Request: the `model` parameter is required."
        )
    if model not in KNOWN_MODELS:
        return QueryError("Bad Request", "Bad Request: No such model/version combination found.")
    return None


def _check_language(query: Mapping[str, str], live: bool) -> QueryError | None:
    language = query.get("language")
    if language is None or language.lower() in SUPPORTED_LANGUAGES:
        return None
    return QueryError(
        "Bad Request",
        f"Bad Request: No such model/version/language combination found ({language}).",
    )


def _check_keywords(query: Mapping[str, str], live: bool) -> QueryError | None:
    if "keywords" in query and query.get("model", "").startswith("nova-3"):
        return QueryError(
            "Bad Request",
            "Bad Request: Keywords are not supported for Nova-3 models. Use keyterm instead.",
        )
    return None


def _check_endpointing(query: Mapping[str, str], live: bool) -> QueryError | None:
    value = query.get("endpointing")
    if value is None or value.lower() in ("true", "false") or value.isdigit():
        return None
    return QueryError(
        "INVALID_QUERY_PARAMETER",
        f"Failed to deserialize query parameters: invalid value `{value}` for `endpointing`",
    )


def _check_encoding(query: Mapping[str, str]) -> QueryError | None:
    encoding = query.get("encoding")
    if encoding is None:
        return None
    if encoding not in KNOWN_ENCODINGS:
        return QueryError(
            "INVALID_QUERY_PARAMETER",
            f"Failed to deserialize query parameters: unknown variant `{encoding}` for `encoding`",
        )
    if "sample_rate" not in query:
        return QueryError(
            "Bad Request", "Bad Request: sample_rate must be provided when encoding is set."
        )
    return None


def _check_sample_rate(query: Mapping[str, str]) -> QueryError | None:
    value = query.get("sample_rate")
    if value is None or (value.isdigit() and int(value) > 0):
        return None
    return QueryError(
        "INVALID_QUERY_PARAMETER",
        f"Failed to deserialize query parameters: invalid value `{value}` for `sample_rate`",
    )


def _check_utterance_end(query: Mapping[str, str]) -> QueryError | None:
    value = query.get("utterance_end_ms")
    if value is None:
        return None
    if not value.isdigit():
        return QueryError(
            "INVALID_QUERY_PARAMETER",
            "Failed to deserialize query parameters: "
            f"invalid value `{value}` for `utterance_end_ms`",
        )
    if not is_true(query.get("interim_results")):
        return QueryError(
            "Bad Request", "Bad Request: utterance_end_ms requires interim_results=true."
        )
    return None


# --- validation against the SDK's own pydantic types --------------------------------------

_LIVE_TYPES: dict[str, type[pydantic.BaseModel]] = {
    "Results": ListenV1Results,
    "Metadata": ListenV1Metadata,
    "UtteranceEnd": ListenV1UtteranceEnd,
    "SpeechStarted": ListenV1SpeechStarted,
    "Error": ListenV1Error,
    "ConfigureSuccess": ListenV1ConfigureSuccess,
    "ConfigureFailure": ListenV1ConfigureFailure,
}
# Fields Deepgram really sends that the SDK types do not declare (kept as pydantic extras).
# `extra`: a callback's metadata carries the request's extra=key:value pairs back.
_ALLOWED_EXTRAS = frozenset({"models", "model_info", "punctuated_word", "extra"})


def encode_live_message(message: dict[str, Any]) -> str:
    """Serialise a live message after strict validation with the SDK type for its `type`."""
    text = json.dumps(message)
    model = _LIVE_TYPES.get(str(message.get("type")))
    if model is None:
        raise FakeProtocolError(f"unknown live message type {message.get('type')!r}")
    try:
        # Strict JSON mode: a "1.0" string for a float or 1.0 for an int fails too.
        parsed = model.model_validate_json(text, strict=True)
    except pydantic.ValidationError as exc:
        raise FakeProtocolError(f"{model.__name__} validation failed: {exc}") from exc
    _reject_unknown_extras(parsed, model.__name__)
    return text


def encode_rest_response(body: dict[str, Any]) -> str:
    """Serialise a REST body after validating it against the SDK's `ListenV1Response`."""
    text = json.dumps(body)
    try:
        # Not strict: pydantic's strict mode refuses ISO strings for `created: datetime`.
        parsed = ListenV1Response.model_validate_json(text)
    except pydantic.ValidationError as exc:
        raise FakeProtocolError(f"ListenV1Response validation failed: {exc}") from exc
    _reject_unknown_extras(parsed, "ListenV1Response")
    return text


def _reject_unknown_extras(model: pydantic.BaseModel, path: str) -> None:
    """The SDK types allow any extra key, so a typo would pass; refuse undeclared keys."""
    unknown = set(model.model_extra or {}) - _ALLOWED_EXTRAS
    if unknown:
        raise FakeProtocolError(f"{path}: undeclared field(s) {sorted(unknown)}")
    for name in type(model).model_fields:
        _walk_extras(getattr(model, name), f"{path}.{name}")


def _walk_extras(value: object, path: str) -> None:
    if isinstance(value, pydantic.BaseModel):
        _reject_unknown_extras(value, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk_extras(item, f"{path}[{index}]")
