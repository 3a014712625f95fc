// The review page's transcript: which word is focused, the passage playing, accepting a
// word and correcting a passage in place. static/js/review.js maps keys onto these.

import { postForm } from "./common.js";

const root = document.getElementById("review");
const transcript = document.getElementById("transcript");
const csrfToken = root.querySelector("[name=csrfmiddlewaretoken]").value;
const threshold = Number(root.dataset.threshold);
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

export const player = document.getElementById("player");
export const segments = transcript ? Array.from(transcript.querySelectorAll(".segment")) : [];
export const state = { focused: null, current: null };

export function post(url, fields) {
  return postForm(url, fields, csrfToken);
}

export function lowWords() {
  return transcript ? Array.from(transcript.querySelectorAll(".word.low")) : [];
}

export function markPassage(segment) {
  if (segment === state.current) return;
  state.current?.classList.remove("current");
  state.current = segment;
  segment?.classList.add("current");
}

export function focusWord(word) {
  state.focused?.classList.remove("focused");
  state.focused = word;
  word.classList.add("focused");
  word.focus({ preventScroll: true });
  word.scrollIntoView({ block: "center", behavior: reducedMotion ? "auto" : "smooth" });
  markPassage(word.closest(".segment"));
  if (player) player.currentTime = Number(word.dataset.start);
}

// "Word 3 of 12: Quarvex, 0.31" — its place among the words still unsure.
export function describe(word) {
  const lows = lowWords();
  const position = lows.indexOf(word);
  const place = position >= 0 ? `Word ${position + 1} of ${lows.length}` : "Word";
  const confidence = word.dataset.confidence ? `, ${word.dataset.confidence}` : "";
  return `${place}: ${word.textContent}${confidence}`;
}

// The next (or previous) unsure word from the focused one, or null past the last.
export function nextLow(direction) {
  const lows = lowWords();
  const from = state.focused?.isConnected ? state.focused : null;
  if (!from) return direction > 0 ? lows[0] || null : lows.at(-1) || null;
  const wanted = direction > 0 ? Node.DOCUMENT_POSITION_FOLLOWING : Node.DOCUMENT_POSITION_PRECEDING;
  const candidates = direction > 0 ? lows : lows.slice().reverse();
  return candidates.find((word) => from.compareDocumentPosition(word) & wanted) || null;
}

// The passage the keys act on: the focused word's, else the one playing, else the first.
export function passage() {
  return state.focused?.closest(".segment") || state.current || segments[0] || null;
}

function updateCount() {
  const count = document.getElementById("low-count");
  const left = lowWords().length;
  if (count) count.textContent = `${left} unsure word${left === 1 ? "" : "s"}`;
}

export async function accept(word) {
  const segment = word.closest(".segment");
  const url = root.dataset.acceptUrl.replace(
    /\/segments\/0\/words\/0\/accept\/$/, `/segments/${segment.dataset.index}/words/${word.dataset.n}/accept/`,
  );
  await post(url, {});
  word.classList.remove("low");
  word.classList.add("accepted");
  updateCount();
  return lowWords().length;
}

function wordSpan(word, n) {
  const span = document.createElement("span");
  const unsure = word.confidence !== null && word.confidence !== undefined && word.confidence < threshold && !word.accepted;
  span.className = `word${unsure ? " low" : ""}${word.accepted ? " accepted" : ""}`;
  span.tabIndex = -1;
  span.dataset.n = String(n);
  span.dataset.start = word.start;
  span.dataset.end = word.end;
  if (word.confidence !== null && word.confidence !== undefined) span.dataset.confidence = word.confidence.toFixed(2);
  span.textContent = word.word;
  return span;
}

function renderWords(paragraph, words, text) {
  paragraph.replaceChildren();
  if (!words.length) paragraph.textContent = text;
  words.forEach((word, n) => paragraph.append(wordSpan(word, n), " "));
}

// Opens the passage's editor; resolves with true when saved, false when cancelled.
export function edit(segment) {
  const paragraph = segment.querySelector(".text");
  const editor = document.createElement("div");
  editor.className = "passage-editor";
  editor.innerHTML = `<label class="visually-hidden">Corrected passage</label><textarea rows="3"></textarea>
    <p class="field-help muted">Enter saves, Escape cancels.</p><p class="field-error" role="alert" hidden></p>`;
  const textarea = editor.querySelector("textarea");
  textarea.id = `edit-${segment.dataset.index}`;
  editor.querySelector("label").htmlFor = textarea.id;
  textarea.value = paragraph.textContent.replace(/\s+/g, " ").trim();
  textarea.maxLength = Number(root.dataset.maxSegment);
  const problem = editor.querySelector(".field-error");
  paragraph.hidden = true;
  paragraph.after(editor);
  textarea.focus();
  return new Promise((resolve) => {
    const finish = (saved) => { editor.remove(); paragraph.hidden = false; resolve(saved); };
    textarea.addEventListener("keydown", async (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        finish(false);
      } else if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        try {
          const url = root.dataset.segmentUrl.replace(/\/0\/$/, `/${segment.dataset.index}/`);
          const body = await post(url, { text: textarea.value });
          renderWords(paragraph, body.words, body.text);
          if (!segment.querySelector(".edited-tag")) paragraph.insertAdjacentHTML("afterend", '<span class="muted edited-tag">edited</span>');
          updateCount();
          finish(true);
        } catch (error) {
          problem.textContent = error.message;
          problem.hidden = false;
        }
      }
    });
  });
}

// The passage playing and the word being said follow the player.
function follow() {
  const time = player.currentTime;
  let playing = null;
  for (const segment of segments) {
    if (Number(segment.dataset.start) <= time + 0.05) playing = segment;
    else break;
  }
  if (!player.paused) markPassage(playing);
  transcript.querySelector(".word.speaking")?.classList.remove("speaking");
  if (player.paused || !playing) return;
  const words = Array.from(playing.querySelectorAll(".word"));
  const said = words.filter((word) => Number(word.dataset.start) <= time + 0.05).at(-1);
  said?.classList.add("speaking");
}

if (player && transcript) player.addEventListener("timeupdate", follow);
