// Audio capture: getUserMedia → AudioWorklet → 16 kHz PCM16 frames of ~100 ms; with two
// channels the shared tab or screen audio is the worklet's second input (the right channel).

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
  // `channels` 2 records the microphone (unless `microphone` is false: silence) and the
  // shared audio given to setShared(); `deviceId` picks a microphone, null the default.
  constructor({ workletUrl, onFrame, onLevel, channels = 1, microphone = true, deviceId = null }) {
    this.workletUrl = workletUrl;
    this.onFrame = onFrame;
    this.onLevel = onLevel;
    this.channels = channels;
    this.microphone = microphone;
    this.deviceId = deviceId;
    this.fellBack = false; // the chosen microphone was gone: the default one is used
    this.stream = null;
    this.shared = null;
    this.sharedSource = null;
    this.context = null;
    this.node = null;
  }

  // Asks for the microphone; throws MicrophoneError with words a person can act on.
  async open() {
    if (!this.microphone) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new MicrophoneError("This browser cannot record audio here. Use a current browser over HTTPS (or localhost).");
    }
    try {
      this.stream = await this.ask(this.deviceId);
    } catch (error) {
      const vanished = error && ["OverconstrainedError", "NotFoundError"].includes(error.name);
      if (!this.deviceId || !vanished) throw new MicrophoneError(describeMediaError(error));
      this.fellBack = true;
      this.deviceId = null;
      await this.open();
    }
  }

  ask(deviceId) {
    const audio = { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    if (deviceId) audio.deviceId = { exact: deviceId };
    return navigator.mediaDevices.getUserMedia({ audio });
  }

  // Feeds `stream` (the shared tab or screen, or null for silence) into the right channel.
  setShared(stream) {
    if (this.sharedSource) this.sharedSource.disconnect();
    this.sharedSource = null;
    this.shared = stream;
    if (!stream || !this.context || !this.node) return;
    this.sharedSource = this.context.createMediaStreamSource(stream);
    this.sharedSource.connect(this.node, 0, 1);
  }

  // Starts producing frames; call after open().
  async start() {
    this.context = new AudioContext({ latencyHint: "interactive" });
    await this.context.audioWorklet.addModule(this.workletUrl);
    this.node = new AudioWorkletNode(this.context, "pcm-capture", {
      numberOfInputs: this.channels,
      processorOptions: { targetRate: TARGET_SAMPLE_RATE, frameMs: FRAME_MS, channels: this.channels },
    });
    this.node.port.onmessage = (event) => {
      if (event.data.flushed) {
        if (this.flushed) this.flushed();
        return;
      }
      this.onLevel(event.data.peak, event.data.peaks);
      this.onFrame(event.data.pcm);
    };
    if (this.stream) this.context.createMediaStreamSource(this.stream).connect(this.node, 0, 0);
    if (this.channels === 2) this.setShared(this.shared);
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
    if (this.sharedSource) this.sharedSource.disconnect();
    this.sharedSource = null;
    this.shared = null; // the page that shared it stops it
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
