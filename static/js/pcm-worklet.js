// AudioWorklet: microphone audio → 16-bit mono PCM at the target rate, in fixed-length frames.
//
// The browser captures at its own rate (often 44.1 or 48 kHz, stereo). Each output
// sample is the average of the input it spans (a box filter), which both resamples by
// any ratio, integer or not, and keeps aliasing down for speech.

class PcmCaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const { targetRate = 16000, frameMs = 100 } = options.processorOptions || {};
    this.span = sampleRate / targetRate; // input samples per output sample
    this.frameLength = Math.round((targetRate * frameMs) / 1000);
    this.frame = new Int16Array(this.frameLength);
    this.filled = 0;
    this.sum = 0; // weighted input accumulated for the current output sample
    this.covered = 0; // how much of the current output sample's span is accumulated
    this.peak = 0;
    this.port.onmessage = (event) => {
      if (event.data === "flush") this.flush();
    };
  }

  // Sends the partial frame still being filled, then confirms.
  flush() {
    if (this.filled > 0) {
      const pcm = this.frame.slice(0, this.filled).buffer;
      this.port.postMessage({ pcm, peak: this.peak }, [pcm]);
      this.filled = 0;
      this.peak = 0;
    }
    this.port.postMessage({ flushed: true });
  }

  process(inputs) {
    const channels = inputs[0];
    if (channels && channels.length > 0) {
      this.consume(channels);
    }
    return true;
  }

  consume(channels) {
    const length = channels[0].length;
    for (let i = 0; i < length; i += 1) {
      let mono = 0;
      for (let c = 0; c < channels.length; c += 1) mono += channels[c][i];
      mono /= channels.length;
      const magnitude = Math.abs(mono);
      if (magnitude > this.peak) this.peak = magnitude;
      this.accumulate(mono);
    }
  }

  accumulate(sample) {
    let remaining = 1;
    while (remaining > 0) {
      const take = Math.min(remaining, this.span - this.covered);
      this.sum += sample * take;
      this.covered += take;
      remaining -= take;
      if (this.covered >= this.span - 1e-9) {
        this.emit(this.sum / this.span);
        this.sum = 0;
        this.covered = 0;
      }
    }
  }

  emit(value) {
    const clamped = Math.max(-1, Math.min(1, value));
    this.frame[this.filled] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    this.filled += 1;
    if (this.filled === this.frameLength) {
      const pcm = this.frame.buffer;
      this.port.postMessage({ pcm, peak: this.peak }, [pcm]);
      this.frame = new Int16Array(this.frameLength);
      this.filled = 0;
      this.peak = 0;
    }
  }
}

registerProcessor("pcm-capture", PcmCaptureProcessor);
