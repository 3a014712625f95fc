// Small helpers shared by the pages' scripts.

// The sockets' application close codes, one meaning each (transcripts/protocol.py).
export const CLOSE = Object.freeze({
  BAD_MESSAGE: 4400,
  UNAUTHENTICATED: 4401,
  NOT_FOUND: 4404,
  CONSENT_REQUIRED: 4412,
  CONFLICT: 4409,
  AT_CAPACITY: 4429,
  ENGINE_FAILED: 4502,
  ENGINE_UNAVAILABLE: 4503,
});

// m:ss, or h:mm:ss from an hour on, for a moment in a recording.
export function formatClock(seconds) {
  const total = Math.floor(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

// A WebSocket URL on this page's host, ws: or wss: as the page is.
export function socketUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}

// A transcript line as the pages show it: time, the speaker's label if any, the text.
// Who said a segment (the rule of transcripts/segments.py speaker_label): in a two-channel
// recording the microphone's channel (0) is the person recording, `you`; the shared audio's
// (1) is "Others", or "Other N" / the given name when diarization told them apart.
export function speakerLabel(segment, { you, speakerNames = {} }) {
  const speaker = segment.speaker;
  const hasSpeaker = speaker !== null && speaker !== undefined;
  if (segment.channel === 0) return you;
  if (segment.channel === 1) {
    return hasSpeaker ? speakerNames[String(speaker)] || `Other ${speaker + 1}` : "Others";
  }
  return hasSpeaker ? speakerNames[String(speaker)] || `Speaker ${speaker + 1}` : "";
}

// The provisional text under a live transcript: one line per channel in a two-channel
// recording (both sides may be speaking), each after its label.
export class InterimLines {
  constructor(element, labelOf) {
    this.element = element;
    this.labelOf = labelOf;
    this.lines = new Map();
  }

  show(message) {
    const channel = message.channel ?? null;
    if (message.text) this.lines.set(channel, message.text);
    else this.lines.delete(channel);
    this.render();
  }

  clear(channel) {
    if (channel === undefined) this.lines.clear();
    else this.lines.delete(channel ?? null);
    this.render();
  }

  render() {
    const parts = [...this.lines].sort(([a], [b]) => (a ?? -1) - (b ?? -1)).map(([channel, text]) =>
      channel === null ? text : `${this.labelOf({ channel, speaker: null })}: ${text}`);
    this.element.textContent = parts.join(" · ");
  }
}

// Add a segment's item to a live transcript in time order: a two-channel recording's finals
// arrive as each channel's engine gives them, so one side's may come a moment late.
export function placeInTime(list, item) {
  const start = Number(item.dataset.start);
  const later = Array.from(list.children).find((other) => Number(other.dataset.start) > start);
  list.insertBefore(item, later ?? null);
}

export function segmentItem(segment, speakerLabel) {
  const item = document.createElement("li");
  item.className = "segment";
  item.dataset.segment = String(segment.segment);
  item.dataset.start = String(segment.start);
  item.dataset.end = String(segment.end);
  if (segment.channel !== null && segment.channel !== undefined) {
    item.dataset.channel = String(segment.channel);
  }
  const time = document.createElement("span");
  time.className = "time";
  time.textContent = formatClock(segment.start);
  const body = document.createElement("div");
  if (speakerLabel) {
    const speaker = document.createElement("span");
    speaker.className = "speaker";
    speaker.textContent = speakerLabel;
    body.append(speaker);
  }
  const text = document.createElement("p");
  text.className = "text";
  text.textContent = segment.text;
  body.append(text);
  item.append(time, body);
  return item;
}

// POST form fields to one of Parley's endpoints and read its JSON answer; a refusal
// throws an Error carrying the server's message.
export async function postForm(url, fields, csrfToken) {
  const response = await fetch(url, {
    method: "POST",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
    body: new URLSearchParams(fields),
  });
  const body = await response.json().catch(() => ({ error: `The server answered ${response.status}.` }));
  if (!response.ok) throw new Error(body.error || `The server answered ${response.status}.`);
  return body;
}

// A page that updates itself by reloading never throws away what someone is typing: while
// an edit is open (an element marked data-unsaved), the reload waits until it is saved or
// cancelled (editFinished) and the page says so.
const EDIT_FINISHED = "parley:edit-finished";
const WAITING_NOTICE = "update-waiting";

export function reloadWhenIdle() {
  if (!document.querySelector("[data-unsaved]")) {
    window.location.reload();
    return;
  }
  pageNotice(WAITING_NOTICE, "This page has an update: it shows once you save or cancel your edit.");
  document.addEventListener(EDIT_FINISHED, reloadWhenIdle, { once: true });
}

// A notice at the top of the page, said by screen readers; shown once however often asked.
export function pageNotice(id, text) {
  if (document.getElementById(id)) return;
  const notice = document.createElement("p");
  notice.id = id;
  notice.className = "notice";
  notice.setAttribute("role", "status");
  notice.textContent = text;
  document.getElementById("main").prepend(notice);
}

export function editFinished() {
  document.dispatchEvent(new Event(EDIT_FINISHED));
}
