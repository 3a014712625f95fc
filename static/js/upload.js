// The upload page: files are announced, sent in pieces with a progress bar each, then
// followed live through their transcription. A link is sent instead of a file: the server
// downloads it, and its row follows it the same way. The protocol is in transcripts/upload_api.py.

import { LiveStatus } from "./live-status.js";

const root = document.getElementById("uploader");
const ui = {
  input: document.getElementById("files"),
  dropzone: document.getElementById("dropzone"),
  list: document.getElementById("file-list"),
  title: document.getElementById("title"),
  language: document.getElementById("language"),
  diarize: document.getElementById("diarize"),
  saveTo: document.getElementById("save-to"),
  linkForm: document.getElementById("link-import"),
  linkUrl: document.getElementById("link-url"),
  linkError: document.getElementById("link-error"),
};
const csrfToken = root.querySelector("[name=csrfmiddlewaretoken]").value;
const maxBytes = Number(root.dataset.maxBytes);
const PIECE_ATTEMPTS = 4;

function formatBytes(bytes) {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} ${units[0]}` : `${value.toFixed(1)} ${units[unit]}`;
}

class UploadError extends Error {}

async function readJson(response) {
  const type = response.headers.get("Content-Type") || "";
  if (type.startsWith("application/json")) return response.json();
  if (response.status === 403) throw new UploadError("The page's security token expired. Reload the page and try again.");
  if (response.redirected) throw new UploadError("You have been logged out. Log in again and retry.");
  throw new UploadError(`The server answered ${response.status}. Try again.`);
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify(body),
  });
  const answer = await readJson(response);
  if (!response.ok) throw new UploadError(answer.error || `The server answered ${response.status}.`);
  return answer;
}

// One PUT of a piece with upload progress; resolves to {status, body}.
function putPiece(url, offset, blob, onProgress, row) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    row.xhr = xhr;
    xhr.open("PUT", url);
    xhr.setRequestHeader("Upload-Offset", String(offset));
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("X-CSRFToken", csrfToken);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { error: `The server answered ${xhr.status}.` };
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new UploadError("The connection dropped."));
    xhr.onabort = () => reject(new UploadError("cancelled"));
    xhr.send(blob);
  });
}

class UploadRow {
  constructor(file) {
    this.file = file;
    this.recording = null;
    this.cancelled = false;
    this.element = document.createElement("li");
    this.element.className = "file-row";
    this.element.innerHTML = `
      <div><span class="file-name"></span><span class="file-size"></span></div>
      <div class="file-actions"><button type="button" class="button">Cancel</button></div>
      <div><progress max="100" value="0"></progress><p class="file-status" role="status"></p></div>`;
    this.element.querySelector(".file-name").textContent = file.name;
    this.element.querySelector(".file-size").textContent = file.size === null ? "link" : formatBytes(file.size);
    this.bar = this.element.querySelector("progress");
    this.bar.setAttribute("aria-label", `Progress of ${file.name}`);
    this.statusText = this.element.querySelector(".file-status");
    this.actions = this.element.querySelector(".file-actions");
    this.cancelButton = this.actions.querySelector("button");
    this.cancelButton.setAttribute("aria-label", `Cancel ${file.name}`);
    this.cancelButton.addEventListener("click", () => this.cancel());
    ui.list.append(this.element);
  }

  show(text, state, percent) {
    this.statusText.textContent = text;
    this.element.className = `file-row ${state || ""}`;
    if (percent !== undefined) this.bar.value = percent;
  }

  fail(message) {
    this.show(message, "failed");
    this.bar.hidden = true;
    this.cancelButton.hidden = true;
  }

  async cancel() {
    this.cancelled = true;
    this.cancelButton.disabled = true;
    if (this.recording === null) {
      if (this.xhr) this.xhr.abort();
      if (this.pieceUrl) await fetch(this.pieceUrl, { method: "DELETE", headers: { "X-CSRFToken": csrfToken } });
      this.fail("Upload cancelled.");
      return;
    }
    const response = await fetch(`${root.dataset.recordingsUrl}${this.recording}/cancel/`, {
      method: "POST",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
    });
    const body = await readJson(response).catch((error) => ({ error: error.message }));
    if (body.error) this.show(body.error, "failed");
    else this.apply(body);
  }

  uploaded(answer) {
    this.recording = answer.recording;
    this.element.dataset.recording = answer.recording;
    const link = document.createElement("a");
    link.href = answer.url;
    link.textContent = "Open";
    link.setAttribute("aria-label", `Open the recording of ${this.file.name}`);
    this.actions.prepend(link);
    this.apply(answer);
  }

  // A job event (or the answer to the last piece) for this row's recording.
  apply(event) {
    const labels = {
      queued: "Queued for transcription.",
      transcribing: event.downloading
        ? `Downloading…${event.progress ? ` ${event.progress} %` : ""}`
        : `Transcribing… ${event.progress || 0} %`,
      completed: "Transcribed.",
      cancelled: "Cancelled.",
    };
    const text = event.status === "failed" ? `Failed: ${event.error}` : labels[event.status] || event.status_label;
    const percent = event.status === "completed" ? 100 : event.progress || 0;
    // A queued job's note says when it is tried again; a transcribing one's that Deepgram has it.
    const note = ["queued", "transcribing"].includes(event.status) && event.error;
    this.show(note ? event.error : text, event.status, percent);
    const finished = !["queued", "transcribing"].includes(event.status);
    this.cancelButton.hidden = finished;
    this.bar.hidden = event.status === "failed" || event.status === "cancelled";
  }
}

async function sendPieces(row, started) {
  const { size } = row.file;
  let offset = 0;
  let attempts = 0;
  while (true) {
    const end = Math.min(size, offset + started.chunk_bytes);
    const onProgress = (loaded) => {
      const percent = Math.floor(((offset + loaded) / size) * 100);
      row.show(`Uploading… ${percent} % (${formatBytes(offset + loaded)} of ${formatBytes(size)})`, "uploading", percent);
    };
    let answer;
    try {
      answer = await putPiece(started.url, offset, row.file.slice(offset, end), onProgress, row);
    } catch (error) {
      if (row.cancelled || (attempts += 1) >= PIECE_ATTEMPTS) throw error;
      await new Promise((resume) => window.setTimeout(resume, 1000 * 2 ** attempts));
      continue;
    }
    if (answer.status === 409) offset = answer.body.received;
    else if (answer.status === 200) offset = answer.body.received;
    else if (answer.status === 201) return answer.body;
    else throw new UploadError(answer.body.error || `The server answered ${answer.status}.`);
    attempts = 0;
  }
}

async function upload(row, title) {
  const { file } = row;
  if (file.size === 0) return row.fail(`“${file.name}” is empty.`);
  if (file.size > maxBytes) return row.fail(`“${file.name}” is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`);
  try {
    row.show("Starting…", "uploading", 0);
    const started = await postJson(root.dataset.startUrl, {
      filename: file.name,
      size: file.size,
      title,
      ...transcriptionFields(),
    });
    row.pieceUrl = started.url;
    row.uploaded(await sendPieces(row, started));
  } catch (error) {
    if (!row.cancelled) row.fail(error instanceof UploadError ? error.message : `Upload failed: ${error.message || error}`);
  }
}

function transcriptionFields() {
  return {
    language: ui.language.value,
    diarize: ui.diarize.checked,
    team: ui.saveTo && ui.saveTo.value ? Number(ui.saveTo.value) : null,
  };
}

function showLinkError(message) {
  ui.linkError.textContent = message;
  ui.linkError.hidden = !message;
  ui.linkUrl.setAttribute("aria-invalid", message ? "true" : "false");
  if (message) ui.linkUrl.focus();
}

// A link is sent as it is; the server checks it and says why when it refuses it.
async function importLink(event) {
  event.preventDefault();
  const url = ui.linkUrl.value.trim();
  if (!url) return showLinkError("Paste the link of an audio or video file first.");
  const button = ui.linkForm.querySelector("button");
  button.disabled = true;
  try {
    const answer = await postJson(root.dataset.urlImportUrl, { url, title: ui.title.value.trim(), ...transcriptionFields() });
    showLinkError("");
    ui.linkUrl.value = "";
    const row = new UploadRow({ name: url, size: null });
    rows.push(row);
    row.uploaded(answer);
  } catch (error) {
    showLinkError(error instanceof UploadError ? error.message : `The link could not be sent: ${error.message || error}`);
  } finally {
    button.disabled = false;
  }
}

function titleFor(file, count) {
  const title = ui.title.value.trim();
  if (!title) return "";
  return count > 1 ? `${title} — ${file.name}`.slice(0, 200) : title;
}

const rows = [];
let queue = Promise.resolve();

function addFiles(files) {
  const list = Array.from(files);
  list.forEach((file) => {
    const row = new UploadRow(file);
    rows.push(row);
    const title = titleFor(file, list.length);
    queue = queue.then(() => (row.cancelled ? null : upload(row, title)));
  });
}

if (root.dataset.engineConfigured === "true") {
  ui.input.addEventListener("change", () => {
    addFiles(ui.input.files);
    ui.input.value = "";
  });
  ["dragenter", "dragover"].forEach((name) =>
    ui.dropzone.addEventListener(name, (event) => {
      event.preventDefault();
      ui.dropzone.classList.add("dragging");
    }));
  ["dragleave", "drop"].forEach((name) =>
    ui.dropzone.addEventListener(name, () => ui.dropzone.classList.remove("dragging")));
  ui.dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    addFiles(event.dataTransfer.files);
  });
  ui.linkForm.addEventListener("submit", importLink);
  window.addEventListener("beforeunload", (event) => {
    if (rows.some((row) => row.element.classList.contains("uploading"))) event.preventDefault();
  });
  new LiveStatus({
    statusUrl: root.dataset.statusUrl,
    trackedIds: () => rows.filter((row) => row.recording !== null).map((row) => row.recording),
    onEvent: (event) => rows.filter((row) => row.recording === event.recording).forEach((row) => row.apply(event)),
  });
}
