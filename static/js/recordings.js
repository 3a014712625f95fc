// History and transcript pages: recordings still queued or transcribing update live.
// A transcript page whose recording finishes reloads to show the text.

import { reloadWhenIdle } from "./common.js";
import { ACTIVE_STATUSES, LiveStatus, showStatus } from "./live-status.js";

const root = document.querySelector("[data-status-url]");
const watched = () => Array.from(document.querySelectorAll("[data-recording]"))
  .filter((element) => ACTIVE_STATUSES.has(element.dataset.status))
  .map((element) => element.dataset.recording);

if (root && watched().length > 0) {
  const reloadWhenDone = root.dataset.reloadWhenDone === "true";
  new LiveStatus({
    statusUrl: root.dataset.statusUrl,
    trackedIds: watched,
    onEvent: (event) => {
      const element = document.querySelector(`[data-recording="${event.recording}"]`);
      const wasActive = element && ACTIVE_STATUSES.has(element.dataset.status);
      showStatus(event);
      if (reloadWhenDone && wasActive && !ACTIVE_STATUSES.has(event.status)) reloadWhenIdle();
    },
  });
}
