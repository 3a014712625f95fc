// Marks: the moments people mark during a meeting (a bookmark, an action item, a
// decision), made with the buttons or the keys B, A and D (outside text fields), each
// saved at once at the meeting time it points to; a note can be typed right after
// (Enter saves it, Escape skips). The list shows every mark in meeting order and takes
// the ones others make live (`mark` events, docs/protocol.md).

import { formatClock, postForm } from "./common.js";

const KEYS = { b: "bookmark", a: "action", d: "decision" };
const LABELS = { bookmark: "Bookmark", action: "Action item", decision: "Decision" };

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}

export class Marks {
  // root: the marks section; moment(): the meeting time to mark now (null: not yet);
  // seek(seconds): play from a mark (optional); recordingId: null until it exists.
  constructor({ root, moment, seek = null, recordingId = null }) {
    this.root = root;
    this.moment = moment;
    this.seekTo = seek;
    this.recordingId = recordingId;
    this.list = root.querySelector(".mark-list");
    this.empty = root.querySelector(".marks-empty");
    this.announce = root.querySelector(".marks-announce");
    this.error = root.querySelector(".marks-error");
    this.buttons = [...root.querySelectorAll("[data-mark-kind]")];
    this.csrfToken = root.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
    this.me = root.dataset.me || "";
    this.canEdit = root.dataset.canEdit === "true";
    this.marks = new Map();
    this.timeline = null;
    for (const button of this.buttons) {
      button.addEventListener("click", () => this.mark(button.dataset.markKind));
    }
    if (this.buttons.length) document.addEventListener("keydown", (event) => this.onKey(event));
    this.list.addEventListener("click", (event) => this.onListClick(event));
    this.list.addEventListener("change", (event) => this.onListChange(event));
    const initial = document.getElementById("marks-data");
    for (const mark of initial ? JSON.parse(initial.textContent) : []) this.show(mark);
    this.enable(recordingId !== null);
  }

  url(suffix = "") {
    return `${this.root.dataset.marksUrl.replace(/\/0\/marks\/$/, `/${this.recordingId}/marks/`)}${suffix}`;
  }

  enable(on) {
    for (const button of this.buttons) button.disabled = !on;
  }

  // A new recording on the same page starts with no marks.
  reset() {
    this.marks.clear();
    this.list.replaceChildren();
    if (this.empty) this.empty.hidden = false;
    this.showError("");
  }

  setRecording(recordingId) {
    this.recordingId = recordingId;
    this.enable(recordingId !== null);
  }

  onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    const kind = KEYS[event.key.toLowerCase()];
    if (!kind || this.recordingId === null || this.buttons[0].disabled) return;
    event.preventDefault();
    this.mark(kind);
  }

  async mark(kind) {
    const at = this.moment();
    if (at === null || this.recordingId === null) return;
    this.showError("");
    try {
      const mark = await postForm(this.url(), { kind, at: at.toFixed(3) }, this.csrfToken);
      this.show(mark);
      this.say(`${LABELS[kind]} marked at ${formatClock(mark.at)}.`);
      this.askNote(mark.mark);
    } catch (error) {
      this.showError(error.message);
    }
  }

  // Everyone's marks, mine and others', live and from the page: one item each, in order.
  show(mark) {
    this.marks.set(mark.mark, mark);
    const old = this.list.querySelector(`[data-mark="${mark.mark}"]`);
    const item = this.item(mark);
    if (old) {
      old.replaceWith(item);
    } else {
      const after = [...this.list.children].find((other) => Number(other.dataset.at) > mark.at);
      this.list.insertBefore(item, after || null);
    }
    if (this.empty) this.empty.hidden = true;
    if (this.timeline) this.timeline.show(mark);
  }

  item(mark) {
    const item = document.createElement("li");
    item.className = `mark mark-${mark.kind}${mark.done ? " done" : ""}`;
    item.dataset.mark = mark.mark;
    item.dataset.at = mark.at;
    const time = document.createElement(this.seekTo ? "button" : "span");
    time.className = this.seekTo ? "seek mark-time" : "mark-time";
    time.textContent = formatClock(mark.at);
    if (this.seekTo) {
      time.type = "button";
      time.dataset.seek = mark.at;
      time.setAttribute("aria-label", `Play from ${formatClock(mark.at)}`);
    }
    const kind = document.createElement("span");
    kind.className = "mark-kind";
    kind.textContent = mark.kind_label;
    const note = document.createElement("span");
    note.className = "mark-note";
    note.textContent = mark.note;
    const author = document.createElement("span");
    author.className = "muted mark-author";
    author.textContent = `— ${mark.author}`;
    item.append(time, kind, note, author);
    if (mark.kind === "action" && this.canEdit) item.append(this.doneBox(mark));
    else if (mark.kind === "action" && mark.done) item.append(this.doneTag());
    return item;
  }

  doneBox(mark) {
    const label = document.createElement("label");
    label.className = "checkbox mark-done";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = mark.done;
    box.dataset.done = mark.mark;
    label.append(box, " Done");
    return label;
  }

  doneTag() {
    const tag = document.createElement("span");
    tag.className = "badge badge-completed";
    tag.textContent = "Done";
    return tag;
  }

  askNote(markId) {
    const item = this.list.querySelector(`[data-mark="${markId}"]`);
    if (!item || item.querySelector(".mark-note-editor")) return;
    const returnTo = document.activeElement;
    const input = document.createElement("input");
    input.type = "text";
    input.maxLength = 200;
    input.className = "mark-note-editor";
    input.placeholder = "Add a note (Enter saves, Escape skips)";
    input.setAttribute("aria-label", "Note for this mark");
    item.querySelector(".mark-note").replaceWith(input);
    input.focus();
    const done = () => {
      const current = this.marks.get(markId);
      if (current) this.show(current);
      if (returnTo && returnTo !== document.body && document.contains(returnTo)) returnTo.focus();
    };
    input.addEventListener("keydown", async (event) => {
      if (event.key === "Escape") { event.preventDefault(); done(); }
      if (event.key !== "Enter") return;
      event.preventDefault();
      if (!input.value.trim()) { done(); return; }
      try {
        this.marks.set(markId, await postForm(this.url(`${markId}/note/`), { note: input.value }, this.csrfToken));
        this.say("Note saved.");
        done();
      } catch (error) {
        this.showError(error.message);
      }
    });
  }

  async onListChange(event) {
    const box = event.target.closest("[data-done]");
    if (!box) return;
    try {
      const mark = await postForm(this.url(`${box.dataset.done}/done/`), { done: box.checked ? "1" : "0" }, this.csrfToken);
      this.show(mark);
      this.list.querySelector(`[data-done="${mark.mark}"]`)?.focus();
    } catch (error) {
      box.checked = !box.checked;
      this.showError(error.message);
    }
  }

  onListClick(event) {
    const time = event.target.closest("[data-seek]");
    if (time && this.seekTo) this.seekTo(Number(time.dataset.seek));
  }

  say(text) {
    if (this.announce) this.announce.textContent = text;
  }

  showError(text) {
    if (!this.error) return;
    this.error.textContent = text;
    this.error.hidden = !text;
  }
}

// Marks on the player's timeline: a small flag per mark at its place along the audio.
export class MarkTimeline {
  constructor({ element, duration, seek }) {
    this.element = element;
    this.duration = duration;
    this.seek = seek;
    element.addEventListener("click", (event) => {
      const flag = event.target.closest("[data-at]");
      if (flag) this.seek(Number(flag.dataset.at));
    });
  }

  show(mark) {
    if (!(this.duration > 0)) return;
    let flag = this.element.querySelector(`[data-flag="${mark.mark}"]`);
    if (!flag) {
      flag = document.createElement("span");
      flag.dataset.flag = mark.mark;
      this.element.append(flag);
    }
    flag.className = `mark-flag mark-${mark.kind}`;
    flag.dataset.at = mark.at;
    flag.title = `${mark.kind_label} at ${formatClock(mark.at)}${mark.note ? `: ${mark.note}` : ""}`;
    flag.style.left = `${Math.min(100, (100 * mark.at) / this.duration)}%`;
  }
}
