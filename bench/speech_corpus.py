"""Speech for the local-engine benchmark: meeting sentences spoken by espeak-ng, noise, WER.

Every clip is made from fixed text, voices, speeds and seeds, so every run hears the same
audio. Clips are cached under bench/results/corpus/<digest>/ (with a manifest.json of what
each one says) and made again whenever anything that shapes them changes.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from itertools import cycle
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_RATE = 16000
SAMPLE_BYTES = 2  # PCM16LE mono
SEED = 20261121
CORPUS_VERSION = 1  # bump when the making of clips changes in a way the digest cannot see
ESPEAK = "/usr/bin/espeak-ng"
SOX = "/usr/bin/sox"

# Meeting talk, 8-25 words each, no digits or number words (Whisper writes those either
# way), no hyphenated compounds and no words spelt differently in British English.
SENTENCES = (
    "Good morning everyone, thanks for joining the weekly planning meeting.",
    "Let's start with the project status and then move on to the budget review.",
    "The design team finished the new dashboard last week, and the feedback from customers "
    "has been very positive.",
    "We still need a decision on the vendor contract before the end of the month.",
    "Can someone take an action item to follow up with the legal department about the agreement?",
    "Sales were lower than we expected this quarter, mostly because several large deals "
    "were delayed.",
    "I think we should hire another engineer before we commit to the new release schedule.",
    "The marketing campaign will launch on Monday, so please send your comments on the "
    "slides by Friday.",
    "Our main risk is the database migration. If it takes longer than planned, the whole "
    "timeline moves.",
    "Please review the proposal and let me know whether the pricing makes sense for our "
    "largest customers.",
    "We agreed to cancel the office move this year and spend that money on training, new "
    "laptops and better equipment for the support team.",
    "That is everything on the agenda for today. I will share the notes and the action items "
    "after the meeting.",
)
VOICES = ("en-us", "en-gb", "en-us+f3", "en+m3")
SPEEDS = (140, 175)  # words per minute
NOISE_SNR_DB = (20, 10)
CLEAN = "clean"
SPEECH_LEVEL = 300  # |sample| above this (about -40 dBFS) counts as speech when trimming
NOISE_FLOOR_RMS = 10.0  # a microphone's hiss under the live meetings (about -70 dBFS)


@dataclass(frozen=True, slots=True)
class Clip:
    """One corpus file: what is said, by which voice, how fast, in what noise."""

    path: Path
    text: str
    sentence: int
    voice: str
    speed: int
    condition: str  # CLEAN or "snr 20 dB"
    duration: float
    speech_start: float  # seconds from the file's start to the first and last loud sample
    speech_end: float


@dataclass(frozen=True, slots=True)
class Utterance:
    """One clip inside a live meeting, placed in stream seconds."""

    text: str
    voice: str
    start: float  # the clip's first loud sample
    end: float  # its last loud sample


@dataclass(frozen=True, slots=True)
class Meeting:
    """A session's audio: utterances separated by pauses, as PCM16LE at 16 kHz."""

    pcm: bytes
    utterances: tuple[Utterance, ...]

    @property
    def duration(self) -> float:
        """Seconds of audio."""
        return len(self.pcm) / (SAMPLE_RATE * SAMPLE_BYTES)


def condition_name(snr_db: int) -> str:
    """The label of a noise level."""
    return f"snr {snr_db} dB"


def conditions() -> list[str]:
    """Clean first, then the noise levels from quiet to loud."""
    return [CLEAN, *(condition_name(snr) for snr in NOISE_SNR_DB)]


# --- making the clips ---------------------------------------------------------------------


def spoken_plan() -> list[tuple[int, int, int]]:
    """(sentence, voice, speed) to speak: each sentence in every voice, speeds alternating."""
    return [
        (sentence, voice, SPEEDS[(sentence + voice) % len(SPEEDS)])
        for sentence in range(len(SENTENCES))
        for voice in range(len(VOICES))
    ]


def quick_subset(clips: Sequence[Clip]) -> list[Clip]:
    """One voice per sentence (rotating), for --quick."""
    return [c for c in clips if VOICES.index(c.voice) == c.sentence % len(VOICES)]


def load_corpus(cache_root: Path) -> list[Clip]:
    """Every clip (clean and noisy), made on first use and cached under `cache_root`."""

    def make(staging: Path) -> list[dict[str, object]]:
        return [asdict(c) | {"path": c.path.name} for c in _make_all(staging)]

    return [Clip(**entry) for entry in cached(cache_root / _digest(), make)]


def cached(directory: Path, make: Callable[[Path], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The manifest entries of a corpus in `directory`, made there by `make` on first use
    (each entry's "path" a file name it made); paths come back whole."""
    manifest = directory / "manifest.json"
    if not manifest.is_file():
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="making-", dir=directory.parent))
        try:
            (staging / "manifest.json").write_text(json.dumps(make(staging), indent=1))
            staging.rename(directory)  # all or nothing: a half-made corpus is never reused
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return [
        entry | {"path": directory / entry["path"]} for entry in json.loads(manifest.read_text())
    ]


def _digest() -> str:
    """Names the cache after everything that shapes the audio, espeak-ng's version included."""
    version = subprocess.run([ESPEAK, "--version"], capture_output=True, text=True, check=True)
    spec = [CORPUS_VERSION, SEED, SENTENCES, VOICES, SPEEDS, NOISE_SNR_DB, version.stdout]
    return hashlib.sha256(json.dumps(spec).encode()).hexdigest()[:12]


def _make_all(directory: Path) -> list[Clip]:
    """Speak every planned sentence and mix its noisy variants."""
    clips = []
    for sentence, voice, speed in spoken_plan():
        stem = f"{sentence:02d}-{VOICES[voice].replace('+', '_')}-{speed}"
        clean = directory / f"{stem}-clean.wav"
        samples = _speak(SENTENCES[sentence], VOICES[voice], speed, clean)
        start, end = speech_bounds(samples)
        variants = [(CLEAN, clean, samples)]
        for snr in NOISE_SNR_DB:
            seed = [SEED, sentence, voice, speed, snr]
            noisy = add_noise(samples, snr, np.random.default_rng(seed), start, end)
            path = directory / f"{stem}-snr{snr}.wav"
            write_wav(path, noisy)
            variants.append((condition_name(snr), path, noisy))
        clips += [
            Clip(
                path,
                SENTENCES[sentence],
                sentence,
                VOICES[voice],
                speed,
                label,
                len(audio) / SAMPLE_RATE,
                start / SAMPLE_RATE,
                end / SAMPLE_RATE,
            )
            for label, path, audio in variants
        ]
    return clips


def _speak(text: str, voice: str, speed: int, out: Path) -> np.ndarray:
    """espeak-ng's 22 kHz speech, converted by sox to 16 kHz mono PCM16 in `out`."""
    raw = out.with_suffix(".raw.wav")
    subprocess.run([ESPEAK, "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
    subprocess.run(
        [SOX, "-V1", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(out)], check=True
    )
    raw.unlink()
    return read_wav(out)


def speech_bounds(samples: np.ndarray) -> tuple[int, int]:
    """Indexes of the first loud sample and just after the last one."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SPEECH_LEVEL)
    if loud.size == 0:
        raise ValueError("a clip without speech: espeak-ng produced silence")
    return int(loud[0]), int(loud[-1]) + 1


def add_noise(
    samples: np.ndarray, snr_db: float, rng: np.random.Generator, start: int, end: int
) -> np.ndarray:
    """White noise at `snr_db` below the power of the speech between `start` and `end`."""
    speech = samples[start:end].astype(np.float64)
    noise_rms = np.sqrt(np.mean(speech**2)) / 10 ** (snr_db / 20)
    mixed = samples + rng.normal(0.0, noise_rms, samples.size)
    return np.clip(np.round(mixed), -32768, 32767).astype(np.int16)


def read_wav(path: Path) -> np.ndarray:
    """A 16 kHz mono PCM16 WAV file's samples."""
    with wave.open(str(path), "rb") as wav:
        if (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) != (SAMPLE_RATE, 1, 2):
            raise ValueError(f"{path} is not 16 kHz mono PCM16")
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def write_wav(path: Path, samples: np.ndarray) -> None:
    """Write samples as a 16 kHz mono PCM16 WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_BYTES)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(samples.astype("<i2").tobytes())


# --- live meetings ------------------------------------------------------------------------


def make_meeting(clips: Sequence[Clip], seconds: float, seed: int) -> Meeting:
    """Clean clips in a seeded order, each followed by 1-2 s of pause, over a faint hiss.

    Clips are added while they fit in `seconds` (at least one), so a meeting runs a little
    short of `seconds` rather than over it.
    """
    rng = np.random.default_rng([SEED, seed])
    pieces = [np.zeros(SAMPLE_RATE // 2, dtype=np.int16)]  # half a second before anyone talks
    utterances: list[Utterance] = []
    offset = pieces[0].size
    for index in cycle(rng.permutation(len(clips))):
        clip = clips[index]
        audio = read_wav(clip.path)
        pause = np.zeros(int(rng.uniform(1.0, 2.0) * SAMPLE_RATE), dtype=np.int16)
        if utterances and offset + audio.size + pause.size > seconds * SAMPLE_RATE:
            break
        start = offset / SAMPLE_RATE
        utterances.append(
            Utterance(clip.text, clip.voice, start + clip.speech_start, start + clip.speech_end)
        )
        pieces += [audio, pause]
        offset += audio.size + pause.size
    floor = rng.normal(0.0, NOISE_FLOOR_RMS, offset)
    mixed = np.clip(np.concatenate(pieces) + np.round(floor), -32768, 32767)
    return Meeting(mixed.astype("<i2").tobytes(), tuple(utterances))


# --- word error rate ----------------------------------------------------------------------

_PUNCTUATION = re.compile(r"[^\w\s]")


def normalise(text: str) -> list[str]:
    """Words for scoring: lower case, hyphens split, other punctuation (apostrophes) removed."""
    return _PUNCTUATION.sub("", text.lower().replace("-", " ")).split()


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Substitutions + deletions + insertions turning `reference` into `hypothesis`."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, start=1):
            substitution = previous[j - 1] + (ref_word != hyp_word)
            current.append(min(substitution, previous[j] + 1, current[j - 1] + 1))
        previous = current
    return previous[-1]


@dataclass(frozen=True, slots=True)
class WerCount:
    """Word errors against the reference's word count."""

    errors: int
    words: int

    @classmethod
    def of(cls, reference: str, hypothesis: str) -> WerCount:
        """Score one hypothesis against its reference text."""
        ref = normalise(reference)
        return cls(word_errors(ref, normalise(hypothesis)), len(ref))

    @classmethod
    def total(cls, counts: Sequence[WerCount]) -> WerCount:
        """Pooled over many: errors and words summed."""
        return cls(sum(c.errors for c in counts), sum(c.words for c in counts))

    @property
    def rate(self) -> float:
        """Word error rate, 0-1 (and above, with many insertions)."""
        return self.errors / self.words if self.words else 0.0
