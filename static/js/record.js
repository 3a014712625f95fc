// The record page: capture audio, stream it over /ws/record/, show interim and final text.
// The socket contract is documented in docs/protocol.md.

import { Capture, MicrophoneError, TARGET_SAMPLE_RATE } from "./capture.js";

const root = document.getElementById("recorder");
const ui = {
  start: document.getElementById("start-button"),
  stop: document.getElementById("stop-button"),
  title: document.getElementById("title"),
  language: document.getElementById("language"),
  diarize: document.getElementById("diarize"),
  status: document.getElementById("status"),
  error: document.getElementById("error"),
  elapsed: document.getElementById("elapsed"),
  meter: document.getElementById("level-meter"),
  meterFill: document.getElementById("level-fill"),
  transcript: document.getElementById("transcript"),
  empty: document.getElementById("transcript-empty"),
  interim: document.getElementById("interim"),
};

const CLOSE_MESSAGES = {
  4401: "You have been logged out. Log in again to keep recording.",
  1006: "The connection to Parley was lost. Everything transcribed so far is saved.",
};

function formatClock(seconds) {
  const total = Math.floor(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

function socketUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}

class RecorderPage {
  constructor() {
    this.state = "idle"; // idle → starting → recording → stopping → idle
    this.socket = null;
    this.capture = null;
    this.recordingId = null;
    this.startedAt = 0;
    this.timer = null;
    this.serverError = null;
    this.streaming = false;
    ui.start.addEventListener("click", () => this.start());
    ui.stop.addEventListener("click", () => this.stop());
    window.addEventListener("beforeunload", (event) => {
      if (this.state === "recording" || this.state === "stopping") event.preventDefault();
    });
  }

  setState(state, message) {
    this.state = state;
    const busy = state !== "idle";
    ui.start.disabled = busy || root.dataset.engineConfigured !== "true";
    ui.stop.disabled = state !== "recording";
    ui.title.disabled = busy;
    ui.language.disabled = busy;
    ui.diarize.disabled = busy;
    ui.status.classList.toggle("recording", state === "recording");
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
    this.setState("starting", "Waiting for the microphone…");
    this.capture = new Capture({
      workletUrl: root.dataset.workletUrl,
      onFrame: (pcm) => this.sendFrame(pcm),
      onLevel: (peak) => this.showLevel(peak),
    });
    try {
      await this.capture.open();
    } catch (error) {
      await this.fail(error instanceof MicrophoneError ? error.message : String(error));
      return;
    }
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
    this.send({
      type: "start",
      title: ui.title.value.trim(),
      language: ui.language.value,
      sample_rate: TARGET_SAMPLE_RATE,
      diarize: ui.diarize.checked,
    });
    try {
      await this.capture.start();
    } catch (error) {
      await this.fail(`Audio capture could not start: ${error.message || error}`);
      return;
    }
    this.streaming = true;
    this.startedAt = performance.now();
    this.timer = window.setInterval(() => this.tick(), 250);
    this.setState("recording", "Recording… speak normally.");
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  sendFrame(pcm) {
    if (this.streaming && this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(pcm);
    }
  }

  onMessage(event) {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    const handlers = {
      started: () => { this.recordingId = message.recording; },
      interim: () => this.showInterim(message.text),
      final: () => this.addFinal(message),
      stopped: () => this.onStopped(message),
      error: () => { this.serverError = message.message; this.showError(message.message); },
    };
    const handler = handlers[message.type];
    if (handler) handler();
  }

  showInterim(text) {
    ui.interim.textContent = text;
  }

  addFinal(segment) {
    ui.empty.hidden = true;
    const item = document.createElement("li");
    item.className = "segment";
    const time = document.createElement("span");
    time.className = "time";
    time.textContent = formatClock(segment.start);
    const body = document.createElement("div");
    if (segment.speaker !== null && segment.speaker !== undefined) {
      const speaker = document.createElement("span");
      speaker.className = "speaker";
      speaker.textContent = `Speaker ${segment.speaker + 1}`;
      body.append(speaker);
    }
    const text = document.createElement("p");
    text.className = "text";
    text.textContent = segment.text;
    body.append(text);
    item.append(time, body);
    ui.transcript.append(item);
    ui.interim.textContent = "";
    item.scrollIntoView({ block: "nearest" });
  }

  async stop() {
    if (this.state !== "recording") return;
    this.setState("stopping", "Finishing — saving the last words…");
    await this.capture.flush();
    this.streaming = false;
    await this.releaseCapture();
    this.send({ type: "stop" });
  }

  onStopped(message) {
    ui.interim.textContent = "";
    const link = document.createElement("a");
    link.href = `${root.dataset.recordingsUrl}${message.recording}/`;
    link.textContent = "Open the transcript";
    const count = message.segments === 1 ? "1 segment" : `${message.segments} segments`;
    this.setState("idle", `Saved ${count}. `);
    ui.status.append(link);
    this.socket = null;
  }

  async onSocketClose(event) {
    if (this.state === "idle") return;
    const message = this.serverError || CLOSE_MESSAGES[event.code]
      || `The connection to Parley closed unexpectedly (code ${event.code}). Everything transcribed so far is saved.`;
    await this.fail(message);
  }

  async fail(message) {
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
    this.showLevel(0);
    if (this.capture) {
      const capture = this.capture;
      this.capture = null;
      await capture.close();
    }
  }

  tick() {
    ui.elapsed.textContent = formatClock((performance.now() - this.startedAt) / 1000);
  }

  showLevel(peak) {
    const percent = Math.min(100, Math.round(Math.sqrt(peak) * 100));
    ui.meterFill.style.width = `${percent}%`;
    ui.meter.setAttribute("aria-valuenow", String(percent));
  }
}

if (root) new RecorderPage();
