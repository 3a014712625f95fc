// Copy buttons for links shown to pass on (a watch link, a team invitation): each button
// has data-copies="<input id>" and data-status="<status id>".
// Without this script the link is still there to select and copy by hand.

async function copyLink(input, status) {
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

for (const button of document.querySelectorAll("button[data-copies]")) {
  const input = document.getElementById(button.dataset.copies);
  const status = document.getElementById(button.dataset.status);
  if (input && status) {
    button.hidden = false;
    button.addEventListener("click", () => copyLink(input, status));
    input.addEventListener("focus", () => input.select());
  }
}
