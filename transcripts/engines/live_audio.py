"""A live stream's audio on its way to the local engine: the browser's PCM resampled to
Whisper's 16 kHz, and Silero VAD run as a stream (its recurrent state carried between
windows, so the probabilities equal those of the whole recording)."""

from __future__ import annotations

from typing import Any

import numpy as np

from transcripts.engines.whisper import SAMPLE_RATE, pcm16_to_float

WINDOW = 512  # samples per VAD decision: 32 ms at 16 kHz
CONTEXT = 64  # samples of the previous window Silero VAD looks at


class StreamingVad:
    """Silero VAD over a stream: one speech probability per 32 ms window, state carried."""

    def __init__(self) -> None:
        from faster_whisper.vad import get_vad_model

        self._session = get_vad_model().session
        self._state = np.zeros((1, 1, 128), dtype=np.float32), np.zeros((1, 1, 128), np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)

    def feed(self, audio: np.ndarray) -> np.ndarray:
        """Probabilities for the whole windows completed by `audio`."""
        data = np.concatenate([self._pending, audio]) if self._pending.size else audio
        count = data.size // WINDOW
        self._pending = data[count * WINDOW :]
        if count == 0:
            return np.zeros(0, dtype=np.float32)
        windows = data[: count * WINDOW].reshape(count, WINDOW)
        contexts = np.concatenate([self._context[None, :], windows[:-1, -CONTEXT:]])
        batch = np.ascontiguousarray(np.concatenate([contexts, windows], axis=1), np.float32)
        h, c = self._state
        probabilities, h, c = self._session.run(None, {"input": batch, "h": h, "c": c})
        self._state = h, c
        self._context = windows[-1, -CONTEXT:].copy()
        return np.asarray(probabilities, dtype=np.float32).reshape(-1)


class Resampler:
    """PCM16LE mono at the browser's rate in, float32 at 16 kHz out."""

    def __init__(self, rate: int) -> None:
        self._rate = rate
        self._resampler: Any = None
        if rate != SAMPLE_RATE:
            import av

            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)

    def convert(self, pcm: bytes) -> np.ndarray:
        """The samples of `pcm` at 16 kHz (a resampler may hold a few back)."""
        if self._resampler is None:
            return pcm16_to_float(pcm)
        import av

        samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = self._rate
        return self._joined(self._resampler.resample(frame))

    def flush(self) -> np.ndarray:
        """The samples the resampler still holds."""
        if self._resampler is None:
            return np.zeros(0, dtype=np.float32)
        return self._joined(self._resampler.resample(None))

    @staticmethod
    def _joined(frames: list[Any]) -> np.ndarray:
        if not frames:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.float32)
