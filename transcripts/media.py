"""Recognising audio and video containers by their first bytes, never by file name."""

from __future__ import annotations

from dataclasses import dataclass

# Enough of the head of a file for every signature below.
SNIFF_BYTES = 64

ACCEPTED_DESCRIPTION = "WAV, MP3, M4A/AAC, Ogg/Opus, WebM, FLAC, MP4 or MOV"


@dataclass(frozen=True, slots=True)
class MediaFormat:
    """A container Parley accepts, with the extension and MIME type it is stored under."""

    name: str
    extension: str
    mime: str


WAV = MediaFormat("wav", "wav", "audio/wav")
MP3 = MediaFormat("mp3", "mp3", "audio/mpeg")
AAC = MediaFormat("aac", "aac", "audio/aac")
FLAC = MediaFormat("flac", "flac", "audio/flac")
OGG = MediaFormat("ogg", "ogg", "audio/ogg")
WEBM = MediaFormat("webm", "webm", "video/webm")
MATROSKA = MediaFormat("mkv", "mkv", "video/x-matroska")
M4A = MediaFormat("m4a", "m4a", "audio/mp4")
MP4 = MediaFormat("mp4", "mp4", "video/mp4")
MOV = MediaFormat("mov", "mov", "video/quicktime")

FORMATS_BY_NAME = {
    media_format.name: media_format
    for media_format in (WAV, MP3, AAC, FLAC, OGG, WEBM, MATROSKA, M4A, MP4, MOV)
}

# ISO base media brands (bytes 8-12 of an ftyp box) that mean audio-only or QuickTime.
AUDIO_BRANDS = (b"M4A ", b"M4B ", b"M4P ", b"F4A ")
QUICKTIME_BRANDS = (b"qt  ",)
# Boxes a QuickTime file may begin with instead of ftyp.
QUICKTIME_FIRST_BOXES = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")


def sniff(head: bytes) -> MediaFormat | None:
    """The container `head` (a file's first bytes) starts, or None if not one we accept."""
    for check in (_riff, _tagged, _iso_media, _matroska, _mpeg_audio):
        found = check(head)
        if found is not None:
            return found
    return None


def looks_like_text(head: bytes) -> bool:
    """Whether `head` is plain text (a renamed document, say), to say so in the refusal."""
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(char.isprintable() or char in "\r\n\t" for char in decoded)


def _riff(head: bytes) -> MediaFormat | None:
    return WAV if head[:4] == b"RIFF" and head[8:12] == b"WAVE" else None


def _tagged(head: bytes) -> MediaFormat | None:
    if head.startswith(b"ID3"):
        return MP3
    if head.startswith(b"fLaC"):
        return FLAC
    if head.startswith(b"OggS"):
        return OGG
    return None


def _iso_media(head: bytes) -> MediaFormat | None:
    box = head[4:8]
    if box == b"ftyp":
        brand = head[8:12]
        if brand in AUDIO_BRANDS:
            return M4A
        return MOV if brand in QUICKTIME_BRANDS else MP4
    return MOV if box in QUICKTIME_FIRST_BOXES and len(head) >= 8 else None


def _matroska(head: bytes) -> MediaFormat | None:
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return None
    return WEBM if b"webm" in head[:SNIFF_BYTES] else MATROSKA


def _mpeg_audio(head: bytes) -> MediaFormat | None:
    # A frame sync: eleven set bits. Layer bits 00 are AAC in ADTS, others MPEG audio.
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    return AAC if head[1] & 0x06 == 0 else MP3
