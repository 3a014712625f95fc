// The share panel on a transcript page: a Copy button for the watch link.
// Without this script the link is still there to select and copy by hand.

const input = document.getElementById("share-link");
const button = document.getElementById("copy-share-link");
const status = document.getElementById("share-copy-status");

async function copyLink() {
  try {
    await navigator.clipboard.writeText(input.value);
    status.textContent = "Link copied.";
  } catch {
    // No clipboard access (a page served over plain HTTP, or permission refused).
    input.focus();
    input.select();
    status.textContent = "The link is selected: press Ctrl+C (⌘C on a Mac) to copy it.";
  }
}

if (input && button) {
  button.hidden = false;
  button.addEventListener("click", copyLink);
  input.addEventListener("focus", () => input.select());
}
