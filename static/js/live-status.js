// Live job status: listens on /ws/events/ and hands each event to the page: events about
// the person's own recordings, and about those the page shows that others shared with them.
//
// Events only say what changed after the socket opened, so on every (re)connect the
// page's current recordings are fetched once to catch up. The socket reconnects on its
// own after a network blip; a 4401 close (logged out) stops it. A recording the page shows
// that stops being shared with the person is said so (`unshared`), and heard no more.

import { CLOSE, pageNotice, socketUrl } from "./common.js";

const MAX_RETRY_SECONDS = 30;
const UNSHARED = "A recording on this page is no longer shared with you: it no longer updates here.";
const MAX_IDS = 100; // the status endpoint and /ws/events/ read no more (params.py)

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

  // `id=1&id=2…`: the recordings the page shows, for the status endpoint and the socket
  // (which also sends it the events of those among them that are shared with this person).
  idsQuery() {
    return this.trackedIds().slice(0, MAX_IDS).map((id) => `id=${encodeURIComponent(id)}`).join("&");
  }

  connect() {
    const socket = new WebSocket(socketUrl(`/ws/events/?${this.idsQuery()}`));
    socket.addEventListener("open", () => {
      this.retrySeconds = 1;
      this.refresh();
    });
    socket.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      if (event.type === "unshared") pageNotice("unshared", UNSHARED);
      else this.onEvent(event);
    });
    socket.addEventListener("close", (event) => this.reconnectLater(event.code));
    this.socket = socket;
  }

  reconnectLater(code) {
    if (code === CLOSE.UNAUTHENTICATED) return;
    window.setTimeout(() => this.connect(), this.retrySeconds * 1000);
    this.retrySeconds = Math.min(MAX_RETRY_SECONDS, this.retrySeconds * 2);
  }

  async refresh() {
    const query = this.idsQuery();
    if (!query) return;
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
