// AudioWorklet: audio → 16-bit PCM at the target rate, in fixed-length frames.
//
// The browser captures at its own rate (often 44.1 or 48 kHz, stereo). Each output
// sample is the average of the input it spans (a box filter), which both resamples by
// any ratio, integer or not, and keeps aliasing down for speech.
//
// With `channels: 2` the node has two inputs (0: the microphone, 1: the shared tab or
// screen), each mixed to mono and resampled on the same context clock, and the frames are
// interleaved stereo (left = input 0, right = input 1). An input with nothing connected
// (the microphone not used, or sharing stopped) is silence, so the two stay aligned.

const QUANTUM = 128; // samples per render quantum when no input says otherwise

class PcmCaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const { targetRate = 16000, frameMs = 100, channels = 1 } = options.processorOptions || {};
    this.channels = channels;
    this.span = sampleRate / targetRate; // input samples per output sample
    this.frameLength = Math.round((targetRate * frameMs) / 1000);
    this.frame = new Int16Array(this.frameLength * channels);
    this.filled = 0; // output sample frames in the current frame
    this.sums = new Float64Array(channels); // weighted input accumulated per channel
    this.covered = 0; // how much of the current output sample's span is accumulated
    this.peaks = new Float64Array(channels);
    this.mixed = new Float32Array(channels);
    this.port.onmessage = (event) => {
      if (event.data === "flush") this.flush();
    };
  }

  post(pcm) {
    const peaks = Array.from(this.peaks);
    this.port.postMessage({ pcm, peak: Math.max(...peaks), peaks }, [pcm]);
    this.peaks.fill(0);
  }

  // Sends the partial frame still being filled, then confirms.
  flush() {
    if (this.filled > 0) {
      this.post(this.frame.slice(0, this.filled * this.channels).buffer);
      this.filled = 0;
    }
    this.port.postMessage({ flushed: true });
  }

  process(inputs) {
    if (this.channels === 1) {
      const channels = inputs[0];
      if (channels && channels.length > 0) this.consume([channels], channels[0].length);
      return true;
    }
    const sources = inputs.slice(0, this.channels);
    const live = sources.find((channels) => channels && channels.length > 0);
    this.consume(sources, live ? live[0].length : QUANTUM);
    return true;
  }

  consume(sources, length) {
    for (let i = 0; i < length; i += 1) {
      for (let s = 0; s < this.channels; s += 1) {
        const channels = sources[s];
        let mono = 0;
        if (channels && channels.length > 0) {
          for (let c = 0; c < channels.length; c += 1) mono += channels[c][i];
          mono /= channels.length;
        }
        const magnitude = Math.abs(mono);
        if (magnitude > this.peaks[s]) this.peaks[s] = magnitude;
        this.mixed[s] = mono;
      }
      this.accumulate();
    }
  }

  accumulate() {
    let remaining = 1;
    while (remaining > 0) {
      const take = Math.min(remaining, this.span - this.covered);
      for (let s = 0; s < this.channels; s += 1) this.sums[s] += this.mixed[s] * take;
      this.covered += take;
      remaining -= take;
      if (this.covered >= this.span - 1e-9) {
        this.emit();
        this.sums.fill(0);
        this.covered = 0;
      }
    }
  }

  emit() {
    for (let s = 0; s < this.channels; s += 1) {
      const clamped = Math.max(-1, Math.min(1, this.sums[s] / this.span));
      this.frame[this.filled * this.channels + s] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    }
    this.filled += 1;
    if (this.filled === this.frameLength) {
      const pcm = this.frame.buffer;
      this.post(pcm);
      this.frame = new Int16Array(this.frameLength * this.channels);
      this.filled = 0;
    }
  }
}

registerProcessor("pcm-capture", PcmCaptureProcessor);
