// The transcript page while its live recording is refined: progress as it happens, then
// a reload that shows the refined transcript (or says in words why there is none).
//
// The recording keeps its own state while it is refined, so the job's state travels in
// each event's `refine` part (transcripts/realtime.py, job_event).

import { reloadWhenIdle } from "./common.js";
import { LiveStatus } from "./live-status.js";

const ACTIVE = new Set(["queued", "running", "waiting"]);
const LABELS = { queued: "Waiting to refine…", waiting: "Refining at Deepgram…" };
const root = document.getElementById("recording");
const panel = document.getElementById("refine-state");

function show(refine) {
  panel.dataset.refineState = refine.status;
  panel.querySelector("[data-role=refine-label]").textContent =
    LABELS[refine.status] || "Refining…";
  const bar = panel.querySelector("[data-role=refine-progress]");
  bar.hidden = refine.status !== "running";
  bar.value = refine.progress;
  bar.textContent = `${refine.progress} %`;
  const note = panel.querySelector("[data-role=refine-error]");
  note.textContent = refine.error;
  note.hidden = !refine.error;
}

if (root && panel && ACTIVE.has(panel.dataset.refineState)) {
  const id = root.dataset.recording;
  new LiveStatus({
    statusUrl: root.dataset.statusUrl,
    trackedIds: () => [id],
    onEvent: (event) => {
      if (event.type !== "job" || String(event.recording) !== id) return;
      if (event.refine && ACTIVE.has(event.refine.status)) show(event.refine);
      else reloadWhenIdle();
    },
  });
}
