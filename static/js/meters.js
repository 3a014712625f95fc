// The record page's level meters: the microphone's, and the shared audio's with two channels.

// Draws a level meter (a `role=meter` track and its fill) at a peak from 0 to 1.
export function showMeter(meter, fill, peak) {
  const percent = Math.min(100, Math.round(Math.sqrt(peak) * 100));
  fill.style.width = `${percent}%`;
  meter.setAttribute("aria-valuenow", String(percent));
}

export class Meters {
  constructor() {
    this.microphone = [document.getElementById("level-meter"), document.getElementById("level-fill")];
    this.shared = [document.getElementById("shared-meter"), document.getElementById("shared-fill")];
  }

  // `peaks` has one peak per channel; with two, the microphone is the left, the shared the right.
  show(peak, peaks) {
    const two = peaks && peaks.length === 2;
    showMeter(...this.microphone, two ? peaks[0] : peak);
    showMeter(...this.shared, two ? peaks[1] : 0);
  }
}
