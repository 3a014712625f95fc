"""Script text → Deepgram words, transcripts and message bodies (live and REST)."""

from __future__ import annotations

import string
import uuid
from dataclasses import dataclass
from typing import Any

from .protocol import ModelInfo

DEFAULT_SCRIPT: tuple[str, ...] = (
    "Hello everyone, thanks for joining.",
    "Let's review the action items from last week.",
    "The budget report is due on Friday.",
    "Does anyone have questions?",
)
WORD_CONFIDENCE = 0.99
SPEAKER_CONFIDENCE = 0.9
_STRIP = string.punctuation.replace("'", "")


@dataclass(frozen=True)
class Token:
    """One script word: the bare lowercase form and the punctuated original."""

    word: str
    punctuated: str


@dataclass(frozen=True)
class WordStyle:
    """Which optional word fields to emit."""

    punctuate: bool
    speaker: int | None = None
    speaker_confidence: bool = False


@dataclass(frozen=True)
class Utterance:
    """A span of speech with its script tokens, used by the REST response builder."""

    index: int
    start: float
    end: float
    tokens: list[Token]
    channel: int = 0  # with `multichannel=true`, the channel it was heard on


def tokenize(text: str) -> list[Token]:
    """Split script text into tokens, dropping pure-punctuation pieces."""
    tokens = []
    for raw in text.split():
        word = raw.strip(_STRIP).lower()
        if word:
            tokens.append(Token(word, raw))
    return tokens


def script_entry(script: list[str], index: int) -> str:
    """Text for speech region `index`; generated once the script runs out."""
    return script[index] if index < len(script) else f"utterance {index}"


def timed_words(
    tokens: list[Token], start: float, end: float, style: WordStyle
) -> list[dict[str, Any]]:
    """Deepgram word objects with timings spread evenly over [start, end]."""
    step = (end - start) / len(tokens) if tokens else 0.0
    words = []
    for i, token in enumerate(tokens):
        word: dict[str, Any] = {
            "word": token.word,
            "start": round(start + i * step, 3),
            "end": round(start + (i + 1) * step, 3),
            "confidence": WORD_CONFIDENCE,
        }
        if style.punctuate:
            word["punctuated_word"] = token.punctuated
        if style.speaker is not None:
            word["speaker"] = style.speaker
            if style.speaker_confidence:
                word["speaker_confidence"] = SPEAKER_CONFIDENCE
        words.append(word)
    return words


def transcript_of(words: list[dict[str, Any]]) -> str:
    """Join words the way Deepgram builds `transcript` (punctuated when available)."""
    return " ".join(w.get("punctuated_word", w["word"]) for w in words)


def results_message(
    *,
    request_id: str,
    model: ModelInfo,
    window: tuple[float, float],
    words: list[dict[str, Any]],
    flags: tuple[bool, bool, bool],
) -> dict[str, Any]:
    """A live `Results` message; `flags` is (is_final, speech_final, from_finalize)."""
    is_final, speech_final, from_finalize = flags
    start, end = window
    return {
        "type": "Results",
        "channel_index": [0, 1],
        "duration": round(end - start, 3),
        "start": round(start, 3),
        "is_final": is_final,
        "speech_final": speech_final,
        "channel": {
            "alternatives": [
                {
                    "transcript": transcript_of(words),
                    "confidence": WORD_CONFIDENCE if words else 0.0,
                    "words": words,
                }
            ]
        },
        "metadata": {
            "request_id": request_id,
            "model_info": model.as_dict(),
            "model_uuid": model.uuid,
        },
        "from_finalize": from_finalize,
    }


# `stamp_finals`: a final's text ends in " t=<send time>" (`time.time()`, microseconds). The
# placeholder has the stamp's width, so a message validated with it stays valid once the real
# stamp (taken just before the socket write) is substituted into the encoded text.
STAMP_PLACEHOLDER = "t=##########.######"


def stamp_text(now: float) -> str:
    """The stamp for wall-clock time `now`, as width-stable as the placeholder."""
    return f"t={now:.6f}"


def is_spoken_final(message: dict[str, Any]) -> bool:
    """A final `Results` with words; empty finals are left alone (apps skip them anyway)."""
    if message.get("type") != "Results" or not message.get("is_final"):
        return False
    return bool(message["channel"]["alternatives"][0]["words"])


def stamp_final(message: dict[str, Any], stamp: str) -> dict[str, Any]:
    """A copy of a final whose transcript and last word both end in `" " + stamp`."""
    alternative = dict(message["channel"]["alternatives"][0])
    words = [dict(word) for word in alternative["words"]]
    key = "punctuated_word" if "punctuated_word" in words[-1] else "word"
    words[-1][key] = f"{words[-1][key]} {stamp}"
    alternative["words"] = words
    alternative["transcript"] = transcript_of(words)
    return {**message, "channel": {**message["channel"], "alternatives": [alternative]}}


def metadata_fields(
    *,
    request_id: str,
    sha256: str,
    created: str,
    duration: float,
    model: ModelInfo | None,
    channels: int = 1,
) -> dict[str, Any]:
    """The metadata object shared by live `Metadata` and the REST response."""
    body: dict[str, Any] = {
        "transaction_key": "deprecated",
        "request_id": request_id,
        "sha256": sha256,
        "created": created,
        "duration": round(duration, 3),
        "channels": channels,
    }
    if model is not None:
        body["models"] = [model.uuid]
        body["model_info"] = {model.uuid: model.as_dict()}
    return body


@dataclass(frozen=True)
class RestOptions:
    """Query flags that shape a REST transcription."""

    punctuate: bool
    diarize: bool
    utterances: bool
    paragraphs: bool
    detect_language: bool


def rest_results(utterances: list[Utterance], options: RestOptions) -> dict[str, Any]:
    """The `results` object of a pre-recorded response."""
    return multichannel_results([utterances], options)


def multichannel_results(
    per_channel: list[list[Utterance]], options: RestOptions
) -> dict[str, Any]:
    """The `results` object with one entry in `channels` per channel; utterances in time order,
    each saying its channel."""
    punctuate = options.punctuate or options.paragraphs
    channels, pairs = [], []
    for utterances in per_channel:
        per_utt = [_utterance_words(u, options, punctuate) for u in utterances]
        channels.append(_channel_object(utterances, per_utt, options))
        pairs += zip(utterances, per_utt, strict=True)
    results: dict[str, Any] = {"channels": channels}
    if options.utterances:
        pairs.sort(key=lambda pair: (pair[0].start, pair[0].channel))
        results["utterances"] = [_utterance_object(u, words, options) for u, words in pairs]
    return results


def _channel_object(
    utterances: list[Utterance], per_utt: list[list[dict[str, Any]]], options: RestOptions
) -> dict[str, Any]:
    all_words = [w for words in per_utt for w in words]
    alternative: dict[str, Any] = {
        "transcript": transcript_of(all_words),
        "confidence": WORD_CONFIDENCE if all_words else 0.0,
        "words": all_words,
    }
    if options.paragraphs:
        alternative["paragraphs"] = _paragraphs(utterances, per_utt, options.diarize)
    channel: dict[str, Any] = {"alternatives": [alternative]}
    if options.detect_language:
        channel["detected_language"] = "en"
        channel["language_confidence"] = WORD_CONFIDENCE
    return channel


def _speaker(utterance: Utterance, options: RestOptions) -> int | None:
    return utterance.index % 2 if options.diarize else None


def _utterance_words(u: Utterance, options: RestOptions, punctuate: bool) -> list[dict[str, Any]]:
    style = WordStyle(punctuate, _speaker(u, options), speaker_confidence=True)
    return timed_words(u.tokens, u.start, u.end, style)


def _utterance_object(
    u: Utterance, words: list[dict[str, Any]], options: RestOptions
) -> dict[str, Any]:
    return {
        "start": round(u.start, 3),
        "end": round(u.end, 3),
        "confidence": WORD_CONFIDENCE if words else 0.0,
        "channel": u.channel,
        "transcript": transcript_of(words),
        "words": words,
        "speaker": _speaker(u, options) or 0,
        "id": str(uuid.uuid4()),
    }


def _paragraphs(
    utterances: list[Utterance], per_utt: list[list[dict[str, Any]]], diarize: bool
) -> dict[str, Any]:
    paragraphs = []
    texts = []
    for u, words in zip(utterances, per_utt, strict=True):
        if not words:
            continue
        paragraph: dict[str, Any] = {
            "sentences": _sentences(words),
            "num_words": len(words),
            "start": words[0]["start"],
            "end": words[-1]["end"],
        }
        text = transcript_of(words)
        if diarize:
            paragraph["speaker"] = u.index % 2
            text = f"Speaker {u.index % 2}: {text}"
        paragraphs.append(paragraph)
        texts.append(text)
    return {"transcript": "\n" + "\n\n".join(texts), "paragraphs": paragraphs}


def _sentences(words: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sentences: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    for word in words:
        current.append(word)
        if word.get("punctuated_word", "")[-1:] in (".", "?", "!") or word is words[-1]:
            sentences.append(
                {"text": transcript_of(current), "start": current[0]["start"], "end": word["end"]}
            )
            current = []
    return sentences
