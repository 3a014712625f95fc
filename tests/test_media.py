"""Recognising uploads by content."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest

from transcripts import media

SPEECH_WAV = Path(__file__).parent / "fixtures" / "speech.wav"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", media.WAV),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", media.MP3),
        (b"\xff\xfb\x90\x64\x00\x00\x00\x00", media.MP3),
        (b"\xff\xf1\x50\x80\x00\x1f\xfc", media.AAC),
        (b"fLaC\x00\x00\x00\x22", media.FLAC),
        (b"OggS\x00\x02\x00\x00\x00\x00", media.OGG),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", media.WEBM),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska", media.MATROSKA),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", media.M4A),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", media.MP4),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", media.MOV),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", media.MOV),
    ],
)
def test_accepted_containers_are_recognised_by_their_first_bytes(
    head: bytes, expected: media.MediaFormat
) -> None:
    assert media.sniff(head) == expected


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"Meeting notes: buy milk\n",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"PK\x03\x04\x14\x00\x06\x00",
        b"RIFF\x24\x08\x00\x00AVI LIST",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
    ],
    ids=["empty", "text", "pdf", "png", "zip", "avi", "jpeg"],
)
def test_other_files_are_not_accepted(head: bytes) -> None:
    assert media.sniff(head) is None


def test_a_real_wav_file_is_recognised() -> None:
    assert media.sniff(SPEECH_WAV.read_bytes()[: media.SNIFF_BYTES]) == media.WAV


def test_a_generated_wav_is_recognised() -> None:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\x00\x00" * 100)
    assert media.sniff(buffer.getvalue()[:64]) == media.WAV


@pytest.mark.parametrize(
    ("head", "text"),
    [(b"Agenda\n- intro\n", True), (b"caf\xc3\xa9 au lait", True), (b"\x00\x01\x02", False)],
)
def test_text_is_told_apart_from_binary(head: bytes, text: bool) -> None:
    assert media.looks_like_text(head) is text
