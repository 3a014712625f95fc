// The microphone picker: the audio inputs the browser lists, the choice remembered per
// user, and a level preview of the chosen one while nothing is being recorded.

const NO_NAMES = "Allow the microphone to see names: press Test microphone.";

export class Microphones {
  // showLevel(peak) draws the microphone meter; onMessage(text) tells the person something.
  constructor({ userId, showLevel, onMessage }) {
    this.select = document.getElementById("microphone");
    this.hint = document.getElementById("microphone-hint");
    this.test = document.getElementById("microphone-test");
    this.key = `parley.microphone.${userId}`;
    this.showLevel = showLevel;
    this.onMessage = onMessage;
    this.preview = null; // {stream, context, frame} while testing
    this.select.addEventListener("change", () => this.onChange());
    this.test.addEventListener("click", () => this.togglePreview());
    if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
      navigator.mediaDevices.addEventListener("devicechange", () => this.relist());
    }
    this.relist();
  }

  relist() {
    this.refresh().catch((error) => this.onMessage(`The microphones could not be listed (${error}).`));
  }

  // The chosen microphone's id, or null for the browser's default.
  selected() {
    return this.select.value || null;
  }

  async refresh() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return;
    const devices = (await navigator.mediaDevices.enumerateDevices())
      .filter((device) => device.kind === "audioinput");
    const named = devices.length > 0 && devices.every((device) => device.label);
    const listed = devices.filter((device) => device.deviceId && device.deviceId !== "default");
    const options = [["", "Default microphone"]].concat(listed.map((device, index) =>
      [device.deviceId, device.label || `Microphone ${index + 1}`]));
    const stored = window.localStorage.getItem(this.key);
    const known = !stored || options.some(([id]) => id === stored);
    if (!known && !named) options.push([stored, "The microphone you chose"]);
    this.select.replaceChildren(...options.map(([id, label]) => new Option(label, id)));
    this.select.value = known || !named ? stored || "" : "";
    this.hint.hidden = named;
    this.hint.textContent = NO_NAMES;
    if (!known && named) this.vanished();
  }

  // The chosen microphone is not connected any more: the default one is used.
  vanished() {
    this.select.value = "";
    this.onMessage("The microphone you chose is not connected: using the default microphone.");
  }

  onChange() {
    window.localStorage.setItem(this.key, this.select.value);
    if (this.preview) this.startPreview();
  }

  async togglePreview() {
    if (this.preview) this.stopPreview();
    else await this.startPreview();
  }

  // The chosen microphone's stream; the default one if the chosen one is gone.
  async open() {
    if (!this.selected()) return navigator.mediaDevices.getUserMedia({ audio: true });
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: { deviceId: { exact: this.selected() } } });
    } catch (error) {
      if (!["OverconstrainedError", "NotFoundError"].includes(error && error.name)) throw error;
      this.vanished();
      return navigator.mediaDevices.getUserMedia({ audio: true });
    }
  }

  async startPreview() {
    this.stopPreview();
    let stream;
    try {
      stream = await this.open();
    } catch (error) {
      this.onMessage(`The microphone could not be tested (${(error && error.message) || error}).`);
      return;
    }
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    this.preview = { stream, context, frame: 0 };
    const draw = () => {
      analyser.getFloatTimeDomainData(samples);
      this.showLevel(samples.reduce((peak, value) => Math.max(peak, Math.abs(value)), 0));
      if (this.preview) this.preview.frame = window.requestAnimationFrame(draw);
    };
    draw();
    this.test.textContent = "Stop the test";
    this.test.setAttribute("aria-pressed", "true");
    this.relist(); // with permission given, the devices have names
  }

  stopPreview() {
    if (!this.preview) return;
    const { stream, context, frame } = this.preview;
    this.preview = null;
    window.cancelAnimationFrame(frame);
    stream.getTracks().forEach((track) => track.stop());
    context.close();
    this.showLevel(0);
    this.test.textContent = "Test microphone";
    this.test.setAttribute("aria-pressed", "false");
  }

  lock(busy) {
    if (busy) this.stopPreview();
    this.select.disabled = busy;
    this.test.disabled = busy;
  }
}
