// Microphone capture: getUserMedia → AudioWorklet → 16 kHz PCM16 frames of ~100 ms.

export const TARGET_SAMPLE_RATE = 16000;
const FRAME_MS = 100;

export class MicrophoneError extends Error {}

function describeMediaError(error) {
  switch (error && error.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "Microphone access was refused. Allow the microphone for this site in your browser's settings, then try again.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No microphone was found. Connect one and try again.";
    case "NotReadableError":
      return "The microphone is in use by another application or could not be opened.";
    default:
      return `The microphone could not be started (${(error && error.message) || error}).`;
  }
}

export class Capture {
  constructor({ workletUrl, onFrame, onLevel }) {
    this.workletUrl = workletUrl;
    this.onFrame = onFrame;
    this.onLevel = onLevel;
    this.stream = null;
    this.context = null;
    this.node = null;
  }

  // Asks for the microphone; throws MicrophoneError with words a person can act on.
  async open() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new MicrophoneError("This browser cannot record audio here. Use a current browser over HTTPS (or localhost).");
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (error) {
      throw new MicrophoneError(describeMediaError(error));
    }
  }

  // Starts producing frames; call after open().
  async start() {
    this.context = new AudioContext({ latencyHint: "interactive" });
    await this.context.audioWorklet.addModule(this.workletUrl);
    const source = this.context.createMediaStreamSource(this.stream);
    this.node = new AudioWorkletNode(this.context, "pcm-capture", {
      processorOptions: { targetRate: TARGET_SAMPLE_RATE, frameMs: FRAME_MS },
    });
    this.node.port.onmessage = (event) => {
      if (event.data.flushed) {
        if (this.flushed) this.flushed();
        return;
      }
      this.onLevel(event.data.peak);
      this.onFrame(event.data.pcm);
    };
    source.connect(this.node);
    // The node writes silence; connecting it keeps the graph pulling audio through it.
    this.node.connect(this.context.destination);
    if (this.context.state === "suspended") await this.context.resume();
  }

  // Resolves once the worklet has handed over every sample captured so far.
  flush() {
    if (!this.node) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushed = resolve;
      this.node.port.postMessage("flush");
    });
  }

  async close() {
    if (this.node) {
      this.node.port.onmessage = null;
      this.node.disconnect();
      this.node = null;
    }
    if (this.stream) {
      this.stream.getTracks().forEach((track) => track.stop());
      this.stream = null;
    }
    if (this.context) {
      const context = this.context;
      this.context = null;
      await context.close();
    }
  }
}
