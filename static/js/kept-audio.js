// The audio a recording has captured, kept in the page for a while so that it can be sent
// again after a lost connection, counted in sample frames (one sample per channel).

import { TARGET_SAMPLE_RATE } from "./capture.js";

// 16 kHz, 2 bytes a sample per channel: 300 s is ~9.6 MB mono, ~19 MB with two channels.
const BUFFER_SECONDS = 300;

export class KeptAudio {
  constructor(channels = 1) {
    this.frameBytes = 2 * channels; // PCM16, interleaved when two channels
    this.position = 0; // sample frames captured for this recording (pauses excluded)
    this.frames = []; // recent frames as {start, pcm}
  }

  get seconds() {
    return this.position / TARGET_SAMPLE_RATE;
  }

  add(pcm) {
    this.frames.push({ start: this.position, pcm });
    this.position += pcm.byteLength / this.frameBytes;
    const oldest = this.position - BUFFER_SECONDS * TARGET_SAMPLE_RATE;
    while (this.frames.length && this.frames[0].start < oldest) this.frames.shift();
  }

  // The kept audio from `fromSeconds` on (what the server has not got yet), frame by frame.
  *since(fromSeconds) {
    const from = Math.round(fromSeconds * TARGET_SAMPLE_RATE);
    for (const { start, pcm } of this.frames) {
      const end = start + pcm.byteLength / this.frameBytes;
      if (end <= from) continue;
      yield start >= from ? pcm : pcm.slice((from - start) * this.frameBytes);
    }
  }
}
