// The record page: capture audio, stream it over /ws/record/ (docs/protocol.md), show text.

import { Capture, MicrophoneError, TARGET_SAMPLE_RATE } from "./capture.js";
import {
  CLOSE, InterimLines, formatClock, placeInTime, segmentItem, socketUrl, speakerLabel,
} from "./common.js";
import { ConsentStep } from "./consent.js";
import { KeptAudio } from "./kept-audio.js";
import { Marks } from "./marks.js";
import { Meters } from "./meters.js";
import { Microphones } from "./microphones.js";
import { Sources } from "./sources.js";

const root = document.getElementById("recorder");
const ui = {
  start: document.getElementById("start-button"),
  stop: document.getElementById("stop-button"),
  pause: document.getElementById("pause-button"),
  refine: document.getElementById("refine"),
  title: document.getElementById("title"),
  language: document.getElementById("language"),
  diarize: document.getElementById("diarize"),
  saveTo: document.getElementById("save-to"),
  status: document.getElementById("status"),
  error: document.getElementById("error"),
  elapsed: document.getElementById("elapsed"),
  transcript: document.getElementById("transcript"),
  empty: document.getElementById("transcript-empty"),
  interim: document.getElementById("interim"),
};

const CLOSE_MESSAGES = {
  [CLOSE.UNAUTHENTICATED]: "You have been logged out. Log in again to keep recording.",
};
// Closes that end the recording on purpose; any other close is a lost connection, retried.
const FINAL_CLOSES = new Set([1000, ...Object.values(CLOSE)]);
const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 8000];
// On the record page the person recording is "You" (the transcript page uses their name).
const labelOf = (segment) => speakerLabel(segment, { you: "You" });
const RECORDING = "Recording… speak normally.";
const PAUSED = "Paused. Nothing is being recorded until you resume.";

class RecorderPage {
  constructor() {
    this.state = "idle"; // idle → starting → recording → stopping → idle
    this.socket = null;
    this.capture = null;
    this.recordingId = null;
    this.timer = null;
    this.serverError = null;
    this.streaming = false;
    this.ready = false; // the server said started/resumed on this socket: audio may flow
    this.paused = false;
    this.interims = new InterimLines(ui.interim, labelOf);
    this.stopRequested = false;
    this.kept = new KeptAudio(); // the audio captured, to send again after a lost connection
    this.retries = 0;
    this.meters = new Meters();
    this.channels = 1; // of the recording under way: 2 with a shared tab or screen
    this.sources = new Sources({
      onShared: (stream) => this.onShared(stream),
      onEnded: () => this.onSharingEnded(),
      onError: (message) => this.showError(message),
    });
    this.microphones = new Microphones({
      userId: root.dataset.userId,
      onMessage: (message) => this.showError(message),
    });
    this.consent = new ConsentStep({
      saveTo: ui.saveTo,
      onChange: () => this.setState(this.state),
    });
    ui.start.addEventListener("click", () => this.start());
    ui.stop.addEventListener("click", () => this.stop());
    ui.pause.addEventListener("click", () => this.togglePause());
    window.addEventListener("beforeunload", (event) => {
      if (this.state !== "idle") event.preventDefault();
    });
    // A mark points at the audio captured so far: what the speaker said just now.
    this.marks = new Marks({
      root: document.getElementById("marks"),
      moment: () => (this.recordingId === null ? null : this.kept.seconds),
    });
    this.setState("idle"); // a notice to confirm keeps Start off until it is
  }

  setState(state, message) {
    this.state = state;
    const busy = state !== "idle";
    ui.start.disabled =
      busy || root.dataset.engineConfigured !== "true" || !this.consent.given();
    this.consent.disable(busy);
    ui.stop.disabled = !(state === "recording" || state === "reconnecting");
    ui.pause.disabled = state !== "recording";
    ui.title.disabled = busy;
    ui.language.disabled = busy;
    ui.diarize.disabled = busy || ui.diarize.dataset.unavailable === "true";
    if (ui.refine) ui.refine.disabled = busy;
    if (ui.saveTo) ui.saveTo.disabled = busy;
    ui.status.classList.toggle("recording", state === "recording" && !this.paused);
    if (this.marks) this.marks.setRecording(busy ? this.recordingId : null);
    this.sources.setRecording(busy);
    this.microphones.lock(busy);
    if (message) ui.status.textContent = message;
  }

  showError(message) {
    ui.error.textContent = message;
    ui.error.hidden = false;
  }

  clearError() {
    ui.error.hidden = true;
    ui.error.textContent = "";
  }

  async start() {
    if (this.state !== "idle") return;
    this.clearError();
    this.serverError = null;
    this.recordingId = null;
    this.paused = false;
    this.stopRequested = false;
    document.getElementById("share-hint").hidden = true;
    this.marks.reset();
    this.channels = this.sources.channels();
    this.kept = new KeptAudio(this.channels);
    this.setState("starting", "Waiting for the microphone…");
    if (this.channels === 2 && !this.sources.stream) {
      this.setState("starting", "Choose the tab or screen to share…");
      try {
        await this.sources.choose();
      } catch (error) {
        await this.fail(error.message || String(error));
        return;
      }
    }
    this.capture = new Capture({
      workletUrl: root.dataset.workletUrl,
      onFrame: (pcm) => this.sendFrame(pcm),
      onLevel: (peak, peaks) => this.meters.show(peak, peaks),
      channels: this.channels,
      microphone: this.sources.usesMicrophone(),
      deviceId: this.microphones.selected(),
    });
    this.capture.setShared(this.sources.stream);
    try {
      await this.capture.open();
    } catch (error) {
      await this.fail(error instanceof MicrophoneError ? error.message : String(error));
      return;
    }
    if (this.capture.fellBack) this.microphones.vanished();
    this.setState("starting", "Connecting…");
    this.openSocket();
  }

  openSocket() {
    const socket = new WebSocket(socketUrl(root.dataset.socketPath));
    socket.binaryType = "arraybuffer";
    socket.addEventListener("open", () => this.onSocketOpen());
    socket.addEventListener("message", (event) => this.onMessage(event));
    socket.addEventListener("close", (event) => this.onSocketClose(event));
    this.socket = socket;
  }

  async onSocketOpen() {
    if (this.recordingId !== null) {
      this.send({
        type: "resume", recording: this.recordingId, sample_rate: TARGET_SAMPLE_RATE,
        ...(this.channels === 2 ? { channels: 2 } : {}),
      });
      return;
    }
    this.send({
      type: "start",
      title: ui.title.value.trim(),
      language: ui.language.value,
      sample_rate: TARGET_SAMPLE_RATE,
      diarize: ui.diarize.checked,
      refine: ui.refine ? ui.refine.checked : true,
      team: ui.saveTo && ui.saveTo.value ? Number(ui.saveTo.value) : null,
      consent: this.consent.version(),
      ...(this.channels === 2 ? { channels: 2 } : {}),
    });
    const capture = this.capture;
    try {
      await capture.start();
    } catch (error) {
      // The server may have refused and the page stopped meanwhile (the capture closed
      // under it): its reason stays on the page.
      if (this.capture !== capture) return;
      await this.fail(`Audio capture could not start: ${error.message || error}`);
      return;
    }
    if (this.capture !== capture) return;
    this.streaming = true;
    this.timer = window.setInterval(() => this.tick(), 250);
    this.setState("recording", this.ongoing());
  }

  // A new tab or screen was shared mid-recording: its audio is the right channel from now.
  onShared(stream) {
    if (!this.capture) return;
    this.capture.setShared(stream);
    if (this.state === "recording") this.setState(this.state, this.ongoing());
  }

  // The person stopped sharing: the right channel carries silence, the recording goes on.
  onSharingEnded() {
    if (!this.capture) return;
    this.capture.setShared(null);
    this.setState(this.state, this.ongoing());
  }

  // What the status says while recording: paused or not, and whether sharing stopped.
  ongoing() {
    const lost = this.sources.lostShare();
    if (this.paused) return lost ? `${PAUSED} ${lost}` : PAUSED;
    return lost || RECORDING;
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  sendFrame(pcm) {
    if (!this.streaming || this.paused) return;
    this.kept.add(pcm);
    if (this.ready && this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(pcm);
    }
  }

  // After a resume: the audio the server has not got yet, from its `audio_seconds` on.
  sendKeptAudio(fromSeconds) {
    for (const pcm of this.kept.since(fromSeconds)) this.socket.send(pcm);
  }

  togglePause() {
    if (this.state !== "recording") return;
    this.paused = !this.paused;
    this.send({ type: this.paused ? "pause" : "unpause" });
    ui.pause.textContent = this.paused ? "Resume recording" : "Pause recording";
    ui.pause.setAttribute("aria-pressed", String(this.paused));
    this.setState("recording", this.ongoing());
  }

  onMessage(event) {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    const handlers = {
      started: () => this.onStarted(message),
      resumed: () => this.onResumed(message),
      interim: () => this.showInterim(message),
      final: () => this.addFinal(message),
      stopped: () => this.onStopped(message),
      reconnecting: () => this.setState(this.state,
        "The transcription service dropped the connection; reconnecting… Your audio is kept."),
      reconnected: () => this.setState(this.state, this.ongoing()),
      transcription_paused: () => this.setState(this.state, message.message),
      lagging: () => this.setState(this.state, message.message),
      caught_up: () => this.setState(this.state, this.ongoing()),
      error: () => { this.serverError = message.message; this.showError(message.message); },
    };
    const handler = handlers[message.type];
    if (handler) handler();
  }

  showInterim(message) {
    this.interims.show(message);
  }

  addFinal(segment) {
    ui.empty.hidden = true;
    const item = segmentItem(segment, labelOf(segment));
    placeInTime(ui.transcript, item);
    this.interims.clear(segment.channel);
    item.scrollIntoView({ block: "nearest" });
  }

  onStarted(message) {
    this.recordingId = message.recording;
    this.marks.setRecording(message.recording);
    this.sendKeptAudio(0); // what the microphone caught while the recording was being created
    this.ready = true;
    const hint = document.getElementById("share-hint");
    document.getElementById("share-link").href =
      `${root.dataset.recordingsUrl}${message.recording}/#share`;
    hint.hidden = false;
  }

  onResumed(message) {
    this.retries = 0;
    this.ready = true;
    this.sendKeptAudio(message.audio_seconds);
    if (this.stopRequested) {
      this.setState("stopping", "Finishing — saving the last words…");
      this.send({ type: "stop" });
      return;
    }
    if (this.paused) this.send({ type: "pause" });
    this.setState("recording", this.paused ? this.ongoing() : `Reconnected. ${this.ongoing()}`);
  }

  async stop() {
    if (this.state !== "recording" && this.state !== "reconnecting") return;
    const offline = this.state === "reconnecting";
    this.setState(offline ? "reconnecting" : "stopping", offline
      ? "Stopped. Saving as soon as the connection is back…"
      : "Finishing — saving the last words…");
    await this.capture.flush();
    this.streaming = false;
    await this.releaseCapture();
    this.stopRequested = true;
    if (this.ready) this.send({ type: "stop" });
  }

  onStopped(message) {
    this.stopRequested = false;
    this.resetPause();
    this.interims.clear();
    const link = document.createElement("a");
    link.href = `${root.dataset.recordingsUrl}${message.recording}/`;
    link.textContent = "Open the transcript";
    const count = message.segments === 1 ? "1 segment" : `${message.segments} segments`;
    this.setState("idle", `Saved ${count}. `);
    ui.status.append(link);
    this.socket = null;
  }

  async onSocketClose(event) {
    this.ready = false;
    if (this.state === "idle") return;
    if (this.recordingId !== null && !this.serverError && !FINAL_CLOSES.has(event.code)) {
      this.reconnect();
      return;
    }
    const message = this.serverError || CLOSE_MESSAGES[event.code]
      || `The connection to Parley closed unexpectedly (code ${event.code}). Everything transcribed so far is saved.`;
    await this.fail(message);
  }

  // The socket dropped mid-recording: keep capturing, and resume the same recording.
  reconnect() {
    this.socket = null;
    const delay = RETRY_DELAYS_MS[Math.min(this.retries, RETRY_DELAYS_MS.length - 1)];
    this.retries += 1;
    this.setState("reconnecting", this.stopRequested
      ? "Stopped. Saving as soon as the connection is back…"
      : "Connection lost. Reconnecting… Your audio is kept and will be sent when it is back.");
    window.setTimeout(() => {
      if (this.state === "reconnecting") this.openSocket();
    }, delay);
  }

  resetPause() {
    this.paused = false;
    ui.pause.textContent = "Pause recording";
    ui.pause.setAttribute("aria-pressed", "false");
  }

  async fail(message) {
    this.resetPause();
    this.stopRequested = false;
    this.showError(message);
    await this.releaseCapture();
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.close();
    this.socket = null;
    const recordingLink = this.recordingId ? " The recording is in your list." : "";
    this.setState("idle", `Stopped.${recordingLink}`);
  }

  async releaseCapture() {
    this.streaming = false;
    window.clearInterval(this.timer);
    this.timer = null;
    this.meters.show(0);
    this.sources.release();
    if (this.capture) {
      const capture = this.capture;
      this.capture = null;
      await capture.close();
    }
  }

  tick() {
    ui.elapsed.textContent = formatClock(this.kept.seconds);
  }
}

if (root) new RecorderPage();
