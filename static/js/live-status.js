// Live job status: listens on /ws/events/ and hands each event to the page.
//
// Events only say what changed after the socket opened, so on every (re)connect the
// page's current recordings are fetched once to catch up. The socket reconnects on its
// own after a network blip; a 4401 close (logged out) stops it.

import { CLOSE, socketUrl } from "./common.js";

const MAX_RETRY_SECONDS = 30;

export class LiveStatus {
  // statusUrl: /recordings/status/; trackedIds(): ids to refresh; onEvent(event): apply one.
  constructor({ statusUrl, trackedIds, onEvent }) {
    this.statusUrl = statusUrl;
    this.trackedIds = trackedIds;
    this.onEvent = onEvent;
    this.retrySeconds = 1;
    this.socket = null;
    this.connect();
  }

  connect() {
    const socket = new WebSocket(socketUrl("/ws/events/"));
    socket.addEventListener("open", () => {
      this.retrySeconds = 1;
      this.refresh();
    });
    socket.addEventListener("message", (event) => this.onEvent(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => this.reconnectLater(event.code));
    this.socket = socket;
  }

  reconnectLater(code) {
    if (code === CLOSE.UNAUTHENTICATED) return;
    window.setTimeout(() => this.connect(), this.retrySeconds * 1000);
    this.retrySeconds = Math.min(MAX_RETRY_SECONDS, this.retrySeconds * 2);
  }

  async refresh() {
    const ids = this.trackedIds();
    if (ids.length === 0) return;
    const query = ids.map((id) => `id=${encodeURIComponent(id)}`).join("&");
    const response = await fetch(`${this.statusUrl}?${query}`, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const body = await response.json();
    body.recordings.forEach((event) => this.onEvent(event));
  }
}

// Updates every element of the page that shows a recording's state.
export function showStatus(event) {
  document.querySelectorAll(`[data-recording="${event.recording}"]`).forEach((element) => {
    element.dataset.status = event.status;
    element.querySelectorAll("[data-role=status]").forEach((badge) => {
      badge.textContent = event.status_label;
      badge.className = `badge badge-${event.status}`;
    });
    element.querySelectorAll("[data-role=progress]").forEach((bar) => {
      bar.hidden = event.status !== "transcribing";
      bar.value = event.progress;
      bar.textContent = `${event.progress} %`;
    });
    element.querySelectorAll("[data-role=error]").forEach((text) => {
      text.textContent = event.error;
      text.hidden = !event.error;
    });
  });
}

export const ACTIVE_STATUSES = new Set(["queued", "transcribing"]);
