// The review page: the transcript beside the player, driven by the keyboard.
//
// n/p move between the words the engine was unsure of, Enter or k plays from the focused
// word, r replays the last 3 seconds, a accepts a word, e corrects its passage, c comments
// on it, Shift+A approves and Shift+C asks for changes. Keys are left alone while typing.
// The review actions are posted to /review/<id>/<action>/ and the page is loaded again.

import {
  accept, describe, edit, focusWord, lowWords, nextLow, passage, player, post, segments, state,
} from "./review-transcript.js";

const root = document.getElementById("review");
const transcript = document.getElementById("transcript");
const status = document.getElementById("review-status");
const holding = root.dataset.holding === "true";
const dialog = document.getElementById("changes-dialog");
const DONE_KEY = "parley-review-done";

function say(message) {
  status.textContent = message;
}

function play(from) {
  if (!player) return say("This recording has no audio to play.");
  if (from !== undefined) player.currentTime = Math.max(0, from);
  player.play().catch(() => {});
}

function needsHolding() {
  if (!holding) say("Take the transcript for review first.");
  return !holding;
}

function move(direction) {
  const word = nextLow(direction);
  if (!word) {
    const lows = lowWords().length;
    say(lows ? `That was the ${direction > 0 ? "last" : "first"} unsure word.` : "No unsure words left.");
    return;
  }
  focusWord(word);
  say(describe(word));
}

async function acceptFocused() {
  const word = state.focused;
  if (needsHolding()) return;
  if (!word?.classList.contains("low")) return say("Go to an unsure word first (n).");
  try {
    const left = await accept(word);
    say(`Accepted “${word.textContent}”. ${left} unsure word${left === 1 ? "" : "s"} left.`);
  } catch (error) {
    say(error.message);
  }
}

async function editPassage() {
  const segment = passage();
  if (needsHolding() || !segment) return;
  const saved = await edit(segment);
  say(saved ? "Passage saved." : "Edit cancelled.");
  const word = segment.querySelector(".word.low") || segment.querySelector(".word");
  if (word) focusWord(word);
}

function commentOnPassage() {
  const segment = passage();
  if (!segment) return;
  const holder = segment.querySelector(".segment-threads");
  let form = holder.querySelector("form[data-passage]");
  if (!form) {
    form = document.getElementById("passage-comment").content.firstElementChild.cloneNode(true);
    form.dataset.passage = "true";
    const textarea = form.querySelector("textarea");
    textarea.id = `passage-comment-${segment.dataset.index}`;
    form.querySelector("label").htmlFor = textarea.id;
    form.elements.segment.value = segment.dataset.index;
    const quote = segment.querySelector(".text").textContent.replace(/\s+/g, " ").trim();
    form.elements.quote.value = quote.length > 280 ? `${quote.slice(0, 279)}…` : quote;
    holder.append(form);
  }
  form.querySelector("textarea").focus();
}

// The review steps' endpoints, from the page (review/urls.py names them).
const STEP_URLS = JSON.parse(document.getElementById("review-step-urls").textContent);

async function act(action, fields = {}) {
  const body = await post(STEP_URLS[action], fields);
  window.sessionStorage.setItem(DONE_KEY, body.message || body.label || "Done.");
  window.location.reload();
}

async function actFromButton(button) {
  const problem = document.getElementById("action-error");
  button.disabled = true;
  try {
    await act(button.dataset.action);
  } catch (error) {
    problem.textContent = error.message;
    problem.hidden = false;
    button.disabled = false;
  }
}

function askForChanges() {
  if (needsHolding()) return;
  dialog.showModal();
  dialog.querySelector("textarea").focus();
}

const KEYS = {
  n: () => move(1),
  p: () => move(-1),
  k: () => play(state.focused ? Number(state.focused.dataset.start) : undefined),
  r: () => play(player ? player.currentTime - 3 : 0),
  a: acceptFocused,
  e: editPassage,
  c: commentOnPassage,
  A: () => { if (!needsHolding()) actFromButton(root.querySelector("[data-action=approve]")); },
  C: askForChanges,
};

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable], dialog") !== null;
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  const onPage = event.target === document.body || event.target.matches("main, .word");
  if (event.key === "Enter" && onPage) {
    event.preventDefault();
    KEYS.k();
    return;
  }
  const handler = Object.hasOwn(KEYS, event.key) ? KEYS[event.key] : null;
  // A capital without Shift (Caps Lock) is not a decision.
  const capital = event.key !== event.key.toLowerCase();
  if (!handler || event.repeat || (capital && !event.shiftKey)) return;
  event.preventDefault();
  handler();
});

if (transcript) {
  transcript.addEventListener("click", (event) => {
    const target = event.target;
    if (target.matches("[data-seek]")) play(Number(target.dataset.seek));
    else if (target.matches(".word")) {
      focusWord(target);
      say(describe(target));
    }
  });
  transcript.addEventListener("click", (event) => {
    if (!event.target.matches("[data-cancel]")) return;
    event.target.closest("form")?.remove();
    state.focused?.focus();
  });
  transcript.addEventListener("review:cancel", (event) => {
    event.target.remove();
    state.focused?.focus();
  });
}

root.querySelectorAll(".review-actions [data-action]").forEach((button) => {
  if (button.dataset.action === "request_changes") button.addEventListener("click", askForChanges);
  else button.addEventListener("click", (event) => { event.preventDefault(); actFromButton(button); });
});

dialog.querySelector("[data-cancel]").addEventListener("click", () => dialog.close());
dialog.querySelector("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const problem = dialog.querySelector(".field-error");
  try {
    await act("request_changes", { note: dialog.querySelector("textarea").value });
  } catch (error) {
    problem.textContent = error.message;
    problem.hidden = false;
  }
});

document.addEventListener("review:comment", () => state.focused?.focus({ preventScroll: true }));

const done = window.sessionStorage.getItem(DONE_KEY);
if (done) {
  window.sessionStorage.removeItem(DONE_KEY);
  const notice = document.getElementById("action-done");
  notice.textContent = done;
  notice.hidden = false;
}
if (!segments.length) say("This recording has no transcript to review.");
