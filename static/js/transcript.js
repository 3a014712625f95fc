// The transcript page: play the recording beside its text, follow along, correct it.
//
// Clicking a time or a word seeks there; while playing, the current passage is
// highlighted and kept in view, and the word being said is marked. ?t=SECONDS opens the page at that moment. Passages are
// corrected in place and speakers named for the whole recording (plain forms without JS).

import { editFinished, postForm } from "./common.js";

const root = document.getElementById("recording");
const player = document.getElementById("player");
const transcript = document.getElementById("transcript");
const csrfToken = root ? root.querySelector("[name=csrfmiddlewaretoken]").value : "";
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

const segments = transcript ? Array.from(transcript.querySelectorAll(".segment")) : [];
const starts = segments.map((segment) => Number(segment.dataset.start));
let current = null;

// The passage playing at `time`: the last one that starts at or before it.
function segmentAt(time) {
  let low = 0;
  let high = starts.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (starts[middle] <= time + 0.05) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found >= 0 ? segments[found] : null;
}

let speaking = null;

// The word being said at `time` in the passage playing, marked while the player plays.
function followWord(segment, time) {
  let found = null;
  if (segment) {
    for (const word of segment.querySelectorAll(".word")) {
      if (Number(word.dataset.start) <= time + 0.05 && time < Number(word.dataset.end || Infinity)) found = word;
    }
  }
  if (found === speaking) return;
  if (speaking) speaking.classList.remove("speaking");
  speaking = found;
  if (found) found.classList.add("speaking");
}

function highlight(segment, scroll) {
  if (segment === current) return;
  if (current) {
    current.classList.remove("current");
    current.removeAttribute("aria-current");
  }
  current = segment;
  if (!segment) return;
  segment.classList.add("current");
  segment.setAttribute("aria-current", "true");
  if (scroll) segment.scrollIntoView({ block: "center", behavior: reducedMotion ? "auto" : "smooth" });
}

function seek(time, play) {
  highlight(segmentAt(time), true);
  if (!player) return;
  player.currentTime = time;
  if (play) player.play().catch(() => {});
}

function startFromQuery() {
  const wanted = Number(new URLSearchParams(window.location.search).get("t"));
  if (!Number.isFinite(wanted) || wanted <= 0) return;
  highlight(segmentAt(wanted), true);
  if (!player) return;
  const jump = () => { player.currentTime = wanted; };
  if (player.readyState >= 1) jump();
  else player.addEventListener("loadedmetadata", jump, { once: true });
}

function post(url, fields) {
  return postForm(url, fields, csrfToken);
}

function renderWords(paragraph, words, text) {
  paragraph.replaceChildren();
  if (!words.length) {
    paragraph.textContent = text;
    return;
  }
  words.forEach((word) => {
    const span = document.createElement("span");
    span.className = "word";
    span.dataset.start = word.start;
    span.dataset.end = word.end;
    span.textContent = word.word;
    paragraph.append(span, " ");
  });
}

function startEditing(segment) {
  const paragraph = segment.querySelector(".text");
  const button = segment.querySelector(".edit-segment");
  const editor = document.createElement("div");
  editor.innerHTML = `<label class="visually-hidden">Corrected text</label><textarea></textarea>
    <div class="edit-actions"><button type="button" class="button primary">Save</button>
    <button type="button" class="button">Cancel</button></div><p class="field-error" role="alert" hidden></p>`;
  const textarea = editor.querySelector("textarea");
  const id = `edit-${segment.dataset.index}`;
  textarea.id = id;
  editor.querySelector("label").htmlFor = id;
  textarea.value = paragraph.textContent.replace(/\s+/g, " ").trim();
  const [save, cancel] = editor.querySelectorAll("button");
  const problem = editor.querySelector(".field-error");
  editor.dataset.unsaved = "";
  const finish = () => {
    editor.remove();
    paragraph.hidden = false;
    button.hidden = false;
    button.focus();
    editFinished();
  };
  save.addEventListener("click", async () => {
    save.disabled = true;
    try {
      const url = root.dataset.segmentUrl.replace(/\/0\/$/, `/${segment.dataset.index}/`);
      const body = await post(url, { text: textarea.value });
      renderWords(paragraph, body.words, body.text);
      if (!segment.querySelector(".edited-tag")) button.insertAdjacentHTML("afterend", '<span class="muted edited-tag">edited</span>');
      finish();
    } catch (error) {
      problem.textContent = error.message;
      problem.hidden = false;
      save.disabled = false;
    }
  });
  cancel.addEventListener("click", finish);
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Escape") finish();
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) save.click();
  });
  paragraph.hidden = true;
  button.hidden = true;
  paragraph.after(editor);
  textarea.focus();
}

function nameSpeakers(form) {
  const field = form.elements.name;
  field.addEventListener("input", () => {
    if (field.value !== field.defaultValue) form.dataset.unsaved = "";
    else delete form.dataset.unsaved;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const speaker = form.dataset.speaker;
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const body = await post(form.action, { name: field.value });
      document.querySelectorAll(`.speaker[data-speaker="${speaker}"]`).forEach((label) => { label.textContent = body.name; });
      field.defaultValue = field.value;
      delete form.dataset.unsaved;
      editFinished();
      button.textContent = "Saved";
      window.setTimeout(() => { button.textContent = "Save name"; }, 1500);
    } catch (error) {
      let problem = form.querySelector(".field-error");
      if (!problem) {
        problem = document.createElement("p");
        problem.className = "field-error";
        problem.setAttribute("role", "alert");
        form.append(problem);
      }
      problem.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  });
}

if (transcript) {
  transcript.addEventListener("click", (event) => {
    const target = event.target;
    if (target.matches("[data-seek]")) seek(Number(target.dataset.seek), true);
    else if (target.matches(".word")) seek(Number(target.dataset.start), true);
    else if (target.matches(".edit-segment")) startEditing(target.closest(".segment"));
  });
  if (player) {
    player.addEventListener("timeupdate", () => {
      const segment = segmentAt(player.currentTime);
      highlight(segment, !player.paused);
      followWord(segment, player.currentTime);
    });
  }
  startFromQuery();
}
document.querySelectorAll(".speaker-form").forEach(nameSpeakers);
