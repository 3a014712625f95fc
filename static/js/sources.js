// What the record page records: the microphone, the meeting's tab or screen audio, or both.
// The shared audio is asked for with getDisplayMedia (or the test hook documented in
// docs/two-channels.md); only its audio track is kept.

const STORAGE_KEY = "parley.record.source";
const MODES = ["microphone", "shared", "both"];
export const NO_AUDIO =
  "The shared tab has no audio: choose a tab and tick 'Share tab audio'.";

const MICROPHONE_ONLY =
  "Sharing stopped: recording your microphone only. Share again to bring the meeting back.";
const NOTHING_SHARED = "Sharing stopped: nothing is being heard until you share again.";

export class SourceError extends Error {}

function describeShareError(error) {
  if (error && error.name === "NotAllowedError") {
    return "Sharing was cancelled or refused. Choose a tab or screen to share its audio.";
  }
  return `The tab or screen could not be shared (${(error && error.message) || error}).`;
}

// Playwright replaces the browser's picker with a stream made in the page; nothing else uses it.
function pickDisplay() {
  const hooks = window.parleyTestHooks;
  if (hooks && typeof hooks.displayMedia === "function") return hooks.displayMedia();
  if (!navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) {
    throw new SourceError("This browser cannot share a tab or screen's audio. Choose Microphone.");
  }
  return navigator.mediaDevices.getDisplayMedia({ audio: true, video: true });
}

export class Sources {
  // onShared(stream) when a new tab or screen is shared; onEnded() when sharing stops.
  constructor({ onShared, onEnded, onError }) {
    this.radios = Array.from(document.querySelectorAll("input[name='source']"));
    this.controls = document.getElementById("share-controls");
    this.button = document.getElementById("share-button");
    this.label = document.getElementById("shared-label");
    this.sharedMeter = document.getElementById("shared-level");
    this.microphoneField = document.getElementById("microphone-field");
    this.onShared = onShared;
    this.onEnded = onEnded;
    this.onError = onError;
    this.stream = null;
    this.recording = false;
    const saved = window.localStorage.getItem(STORAGE_KEY);
    const chosen = this.radios.find((radio) => radio.value === saved);
    if (MODES.includes(saved) && chosen) chosen.checked = true;
    this.radios.forEach((radio) => radio.addEventListener("change", () => this.onModeChange()));
    this.button.addEventListener("click", () => this.shareFromButton());
    this.render();
  }

  mode() {
    const checked = this.radios.find((radio) => radio.checked);
    return checked ? checked.value : "microphone";
  }

  channels() {
    return this.mode() === "microphone" ? 1 : 2;
  }

  usesMicrophone() {
    return this.mode() !== "shared";
  }

  // While recording, what the person should know about a share that stopped; else null.
  lostShare() {
    if (!this.recording || this.channels() === 1 || this.stream) return null;
    return this.usesMicrophone() ? MICROPHONE_ONLY : NOTHING_SHARED;
  }

  onModeChange() {
    window.localStorage.setItem(STORAGE_KEY, this.mode());
    if (this.mode() === "microphone") this.release();
    this.render();
  }

  // Asks for a tab or screen; keeps its audio track, refuses one without audio.
  async choose() {
    let stream;
    try {
      stream = await pickDisplay();
    } catch (error) {
      throw error instanceof SourceError ? error : new SourceError(describeShareError(error));
    }
    const video = stream.getVideoTracks();
    const name = video.length && video[0].label ? video[0].label : "a tab or screen";
    video.forEach((track) => track.stop()); // only the sound is recorded
    const audio = stream.getAudioTracks();
    if (!audio.length) {
      this.showLabel(`Shared ${name}, without audio.`);
      throw new SourceError(NO_AUDIO);
    }
    this.release();
    this.stream = new MediaStream(audio);
    audio[0].addEventListener("ended", () => this.ended(audio[0]));
    this.showLabel(`Sharing: ${name}`);
    this.render();
    return this.stream;
  }

  async shareFromButton() {
    try {
      const stream = await this.choose();
      if (this.recording) this.onShared(stream);
    } catch (error) {
      this.onError(error.message || String(error));
    }
  }

  ended(track) {
    if (!this.stream || !this.stream.getAudioTracks().includes(track)) return;
    this.stream = null;
    this.showLabel("Sharing stopped.");
    this.render();
    if (this.recording) this.onEnded();
  }

  // Stops sharing (the browser's sharing indicator goes away).
  release() {
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    this.stream = null;
  }

  setRecording(recording) {
    this.recording = recording;
    this.radios.forEach((radio) => { radio.disabled = recording; });
    this.render();
  }

  showLabel(text) {
    this.label.textContent = text;
  }

  render() {
    const shared = this.channels() === 2;
    this.controls.hidden = !shared;
    this.sharedMeter.hidden = !shared;
    this.microphoneField.hidden = !this.usesMicrophone(); // a tab alone opens no microphone
    // While recording the button only brings a stopped share back; before, it picks one.
    this.button.hidden = this.recording && this.stream !== null;
    this.button.textContent = this.recording ? "Share again"
      : this.stream ? "Share something else" : "Choose what to share";
    if (!shared) this.showLabel("");
  }
}
