// The microphone picker: the audio inputs the browser lists, each with a level meter while
// they are tested, and the choice remembered per user.

import { showMeter } from "./meters.js";

const NO_NAMES = "Allow the microphone to see names: press Test microphones.";
const DEFAULT = "Default microphone";

function peakOf(analyser, samples) {
  analyser.getFloatTimeDomainData(samples);
  return samples.reduce((peak, value) => Math.max(peak, Math.abs(value)), 0);
}

function showPeak(meter, peak) {
  showMeter(meter, meter.firstChild, peak);
}

// One device's row: a radio button with its name, and its meter beside it.
function deviceRow(id, name, index) {
  const row = document.createElement("div");
  row.className = "device";
  const label = document.createElement("label");
  label.className = "radio";
  const radio = document.createElement("input");
  Object.assign(radio, { type: "radio", name: "microphone", value: id, id: `microphone-${index}` });
  label.append(radio, ` ${name}`);
  const meter = document.createElement("span");
  meter.className = "level-track";
  meter.setAttribute("role", "meter");
  meter.setAttribute("aria-label", `Level of ${name}`);
  for (const [key, value] of [["aria-valuemin", "0"], ["aria-valuemax", "100"], ["aria-valuenow", "0"]]) {
    meter.setAttribute(key, value);
  }
  meter.append(Object.assign(document.createElement("span"), { className: "level-fill" }));
  meter.dataset.deviceId = id;
  row.append(label, meter);
  return row;
}

export class Microphones {
  // onMessage(text) tells the person something.
  constructor({ userId, onMessage }) {
    this.list = document.getElementById("microphone-list");
    this.hint = document.getElementById("microphone-hint");
    this.test = document.getElementById("microphone-test");
    this.key = `parley.microphone.${userId}`;
    this.onMessage = onMessage;
    this.preview = null; // {context, streams, frame} while testing
    this.list.addEventListener("change", () => this.onChange());
    this.test.addEventListener("click", () => this.togglePreview());
    if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
      navigator.mediaDevices.addEventListener("devicechange", () => this.onDevicesChanged());
    }
    this.showRows([["", DEFAULT]], window.localStorage.getItem(this.key) || "");
    this.relist();
  }

  // A device came or went: the list is drawn again, and the test goes on with the new list.
  onDevicesChanged() {
    if (this.preview) this.startPreview();
    else this.relist();
  }

  relist() {
    this.refresh().catch((error) => this.onMessage(`The microphones could not be listed (${error}).`));
  }

  // The chosen microphone's id, or null for the browser's default.
  selected() {
    const checked = this.list.querySelector("input[name=microphone]:checked");
    return (checked && checked.value) || null;
  }

  async refresh() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return;
    const devices = (await navigator.mediaDevices.enumerateDevices())
      .filter((device) => device.kind === "audioinput");
    const named = devices.length > 0 && devices.every((device) => device.label);
    const listed = devices.filter((device) => device.deviceId && device.deviceId !== "default");
    const options = [["", DEFAULT]].concat(listed.map((device, index) =>
      [device.deviceId, device.label || `Microphone ${index + 1}`]));
    const stored = window.localStorage.getItem(this.key);
    const known = !stored || options.some(([id]) => id === stored);
    if (!known && !named) options.push([stored, "The microphone you chose"]);
    this.showRows(options, known || !named ? stored || "" : "");
    this.hint.hidden = named;
    this.hint.textContent = NO_NAMES;
    if (!known && named) this.vanished();
  }

  showRows(options, chosen) {
    const rows = options.map(([id, name], index) => deviceRow(id, name, index));
    this.list.replaceChildren(...rows);
    const radio = this.list.querySelector(`input[value="${CSS.escape(chosen)}"]`);
    (radio || this.list.querySelector("input")).checked = true;
    this.lock(this.test.disabled);
  }

  // The chosen microphone is not connected any more: the default one is used.
  vanished() {
    this.list.querySelector("input[value='']").checked = true;
    this.onMessage("The microphone you chose is not connected: using the default microphone.");
  }

  onChange() {
    window.localStorage.setItem(this.key, this.selected() || "");
  }

  async togglePreview() {
    if (this.preview) this.stopPreview();
    else await this.startPreview();
  }

  // The chosen microphone's stream; the default one if the chosen one is gone.
  async open() {
    if (!this.selected()) return navigator.mediaDevices.getUserMedia({ audio: true });
    try {
      return await this.openDevice(this.selected());
    } catch (error) {
      if (!["OverconstrainedError", "NotFoundError"].includes(error && error.name)) throw error;
      this.vanished();
      return navigator.mediaDevices.getUserMedia({ audio: true });
    }
  }

  openDevice(id) {
    return navigator.mediaDevices.getUserMedia({ audio: id ? { deviceId: { exact: id } } : true });
  }

  // Every listed microphone is opened, each drawing its own meter, until the test stops.
  async startPreview() {
    this.stopPreview();
    let first;
    try {
      first = await this.open(); // asks for permission; then the devices have names
      await this.refresh();
    } catch (error) {
      if (first) first.getTracks().forEach((track) => track.stop());
      this.onMessage(`The microphone could not be tested (${(error && error.message) || error}).`);
      return;
    }
    first.getTracks().forEach((track) => track.stop());
    const context = new AudioContext();
    this.preview = { context, streams: [], frame: 0 };
    const meters = [...this.list.querySelectorAll("[role=meter]")];
    const opened = await Promise.all(meters.map((meter) => this.listen(meter)));
    if (!this.preview || this.preview.context !== context) return;
    this.drawLevels(opened.filter(Boolean));
    this.test.textContent = "Stop the test";
    this.test.setAttribute("aria-pressed", "true");
  }

  // One device's analyser for its meter, or null (and a quiet meter) if it cannot be opened.
  async listen(meter) {
    const preview = this.preview;
    let stream;
    try {
      stream = await this.openDevice(meter.dataset.deviceId);
    } catch {
      meter.setAttribute("aria-valuetext", "Not available");
      return null;
    }
    if (this.preview !== preview) {
      stream.getTracks().forEach((track) => track.stop());
      return null;
    }
    preview.streams.push(stream);
    const analyser = preview.context.createAnalyser();
    preview.context.createMediaStreamSource(stream).connect(analyser);
    return { meter, analyser, samples: new Float32Array(analyser.fftSize) };
  }

  drawLevels(listening) {
    const draw = () => {
      for (const { meter, analyser, samples } of listening) showPeak(meter, peakOf(analyser, samples));
      if (this.preview) this.preview.frame = window.requestAnimationFrame(draw);
    };
    draw();
  }

  stopPreview() {
    if (!this.preview) return;
    const { streams, context, frame } = this.preview;
    this.preview = null;
    window.cancelAnimationFrame(frame);
    streams.forEach((stream) => stream.getTracks().forEach((track) => track.stop()));
    context.close();
    this.list.querySelectorAll("[role=meter]").forEach((meter) => showPeak(meter, 0));
    this.test.textContent = "Test microphones";
    this.test.setAttribute("aria-pressed", "false");
  }

  lock(busy) {
    if (busy) this.stopPreview();
    this.list.querySelectorAll("input").forEach((radio) => { radio.disabled = busy; });
    this.test.disabled = busy;
  }
}
