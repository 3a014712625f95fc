// The recording's page: its marks beside the transcript and as flags on the player's
// timeline; a mark's time plays from there; owners and editors tick action items done.

import { MarkTimeline, Marks } from "./marks.js";

const root = document.getElementById("marks");
const player = document.getElementById("player");
const flags = document.getElementById("mark-timeline");

function seek(seconds) {
  if (!player) return;
  player.currentTime = seconds;
  player.play().catch(() => {});
}

if (root) {
  const marks = new Marks({
    root,
    moment: () => null,
    seek: player ? seek : null,
    recordingId: Number(root.dataset.marksUrl.match(/recordings\/(\d+)\//)[1]),
  });
  if (flags) {
    marks.timeline = new MarkTimeline({ element: flags, duration: Number(flags.dataset.duration), seek });
    for (const mark of marks.marks.values()) marks.timeline.show(mark);
  }
}
