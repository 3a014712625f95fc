// The transcript page of a live recording whose audio is still being stored (it is encoded
// after stop): the page reloads once the audio is there, so the player appears by itself
// (after a correction being typed is saved or cancelled: common.js, reloadWhenIdle).

import { reloadWhenIdle } from "./common.js";
import { LiveStatus } from "./live-status.js";

const root = document.getElementById("recording");
const notice = document.getElementById("audio-pending");

if (root && notice) {
  const id = root.dataset.recording;
  new LiveStatus({
    statusUrl: root.dataset.statusUrl,
    trackedIds: () => [id],
    onEvent: (event) => {
      if (event.type === "job" && String(event.recording) === id && event.audio_ready) {
        reloadWhenIdle();
      }
    },
  });
}
