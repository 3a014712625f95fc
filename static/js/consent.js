// The record page's consent step: where a notice applies to the chosen "Save to", the
// person confirms it before recording, and the start message says which version they saw.

export class ConsentStep {
  constructor({ saveTo, onChange }) {
    this.saveTo = saveTo;
    this.notices = [...document.querySelectorAll("[data-consent-for]")];
    for (const notice of this.notices) {
      notice.querySelector("input").addEventListener("change", onChange);
    }
    if (saveTo) saveTo.addEventListener("change", () => { this.show(); onChange(); });
    this.show();
  }

  // The notice for the chosen destination, or null when none applies.
  current() {
    const destination = this.saveTo ? this.saveTo.value : "";
    return this.notices.find((notice) => notice.dataset.consentFor === destination) || null;
  }

  show() {
    const current = this.current();
    for (const notice of this.notices) notice.hidden = notice !== current;
  }

  // True when recording may start: no notice applies, or it is confirmed.
  given() {
    const current = this.current();
    return !current || current.querySelector("input").checked;
  }

  // The confirmed notice's version for the start message (null when none applies).
  version() {
    const current = this.current();
    return current && this.given() ? current.dataset.version : null;
  }

  disable(busy) {
    for (const notice of this.notices) notice.querySelector("input").disabled = busy;
  }
}
