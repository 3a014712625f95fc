// The watch page: someone else's recording, read-only, with new text as it is said.
// Listens on /ws/watch/<token>/ (docs/protocol.md). On every (re)connect it says how many
// segments the page already shows (?from=N) and the server sends the ones it missed;
// segments are keyed by id, so one that arrives twice is shown once.

import {
  CLOSE, InterimLines, placeInTime, segmentItem, socketUrl, speakerLabel,
} from "./common.js";
import { Marks } from "./marks.js";

const root = document.getElementById("watch");
const ui = {
  badge: document.getElementById("watch-badge"),
  status: document.getElementById("watch-status"),
  stopped: document.getElementById("watch-stopped"),
  transcript: document.getElementById("transcript"),
  empty: document.getElementById("transcript-empty"),
  interim: document.getElementById("interim"),
};

const MAX_RETRY_SECONDS = 30;
const LIVE_NOTE = "Live: new text appears here as it is said.";
const ENDED_NOTE = "This recording has ended.";
// Closes after which reconnecting cannot help.
const FINAL_CLOSES = {
  [CLOSE.UNAUTHENTICATED]: "You have been logged out. Log in again to keep watching.",
  [CLOSE.NOT_FOUND]: "This link no longer works: the owner stopped sharing the recording.",
};
const REVOKED_NOTE = "The owner stopped sharing this recording. The text above stays on this page, but nothing new will arrive.";

function nearBottom() {
  return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 80;
}

class WatchPage {
  constructor() {
    this.shown = new Set(Array.from(ui.transcript.children, (item) => item.dataset.segment));
    this.speakerNames = JSON.parse(document.getElementById("speaker-names").textContent);
    this.ownerName = JSON.parse(document.getElementById("owner-name").textContent);
    this.interims = new InterimLines(ui.interim, (segment) => this.label(segment));
    this.live = root.dataset.live === "true";
    this.retrySeconds = 1;
    this.finished = false;
    // A follower marks what they have just read: the end of the latest text on the page,
    // which is where the meeting was when the text arrived (the transcript's delay).
    this.heardUntil = Number(ui.transcript.lastElementChild?.dataset.end || 0);
    const marksRoot = document.getElementById("marks");
    this.marks = new Marks({
      root: marksRoot,
      moment: () => (this.live ? this.heardUntil : null),
      recordingId: Number(marksRoot.dataset.marksUrl.match(/recordings\/(\d+)\//)[1]),
    });
    this.marks.enable(this.live);
    this.connect();
  }

  connect() {
    const path = `${root.dataset.socketPath}?from=${this.shown.size}`;
    const socket = new WebSocket(socketUrl(path));
    socket.addEventListener("open", () => {
      this.retrySeconds = 1;
      this.showLive(this.live);
    });
    socket.addEventListener("message", (event) => this.onMessage(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => this.onClose(event.code));
  }

  onMessage(message) {
    const handlers = {
      interim: () => { this.showInterim(message); this.heard(message.end); },
      final: () => { this.addFinal(message); this.heard(message.end); },
      mark: () => this.marks.show(message),
      ended: () => this.showLive(false),
      revoked: () => this.finish(REVOKED_NOTE),
    };
    const handler = handlers[message.type];
    if (handler) handler();
  }

  heard(end) {
    if (typeof end === "number" && end > this.heardUntil) this.heardUntil = end;
  }

  // Interims come only from a running session: a recording that had ended carries on
  // (its owner's page reconnected), while missed finals are also sent on reconnect.
  showInterim(message) {
    if (message.text && !this.live) this.showLive(true);
    this.interims.show(message);
  }

  addFinal(segment) {
    this.interims.clear(segment.channel);
    if (this.shown.has(String(segment.segment))) return;
    this.shown.add(String(segment.segment));
    const follow = nearBottom();
    const item = this.segmentItem(segment);
    placeInTime(ui.transcript, item);
    ui.empty.hidden = true;
    if (follow) item.scrollIntoView({ block: "nearest" });
  }

  label(segment) {
    return speakerLabel(segment, { you: this.ownerName, speakerNames: this.speakerNames });
  }

  segmentItem(segment) {
    return segmentItem(segment, this.label(segment));
  }

  showLive(live) {
    this.live = live;
    ui.badge.textContent = live ? "Live" : "Ended";
    ui.badge.className = `badge ${live ? "badge-live" : "badge-ended"}`;
    ui.status.classList.toggle("recording", live);
    const note = live ? LIVE_NOTE : ENDED_NOTE;
    if (ui.status.textContent !== note) ui.status.textContent = note; // announced on change
    if (!live) this.interims.clear();
    this.marks.enable(live && !this.finished);
  }

  finish(message) {
    this.finished = true;
    this.marks.enable(false);
    this.interims.clear();
    ui.badge.textContent = "Not shared";
    ui.badge.className = "badge badge-ended";
    ui.status.classList.remove("recording");
    ui.status.textContent = "";
    ui.stopped.textContent = message;
    ui.stopped.hidden = false;
  }

  onClose(code) {
    if (this.finished) return;
    if (FINAL_CLOSES[code]) {
      this.finish(FINAL_CLOSES[code]);
      return;
    }
    ui.status.classList.remove("recording");
    ui.status.textContent = "Connection lost; reconnecting…";
    window.setTimeout(() => this.connect(), this.retrySeconds * 1000);
    this.retrySeconds = Math.min(MAX_RETRY_SECONDS, this.retrySeconds * 2);
  }
}

if (root) new WatchPage();
