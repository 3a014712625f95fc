// A recording's review notices (approved, changes requested): once the page has shown
// them they are marked read, so they appear once. Without this script, "Dismiss" does it.

const form = document.querySelector("form[data-marks-read]");

async function markRead() {
  const response = await fetch(form.action, {
    method: "POST",
    headers: { Accept: "application/json", "X-CSRFToken": form.elements.csrfmiddlewaretoken.value },
    body: new URLSearchParams(new FormData(form)),
  });
  // Left in place when refused, so the person can still dismiss them by hand.
  if (response.ok) form.hidden = true;
}

if (form) markRead().catch((error) => console.warn("Review notices not marked read:", error.message));
