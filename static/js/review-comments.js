// Review comments: start a thread, reply, resolve and reopen without leaving the page.
//
// Every form also works without JS (a post and a redirect back). With JS, the server
// answers with the thread's HTML, which replaces the thread or joins the list.

function csrfToken(form) {
  return form.querySelector("[name=csrfmiddlewaretoken]").value;
}

function announce(message) {
  const status = document.querySelector("[data-comments-status]");
  if (status) status.textContent = message;
}

function showError(form, message) {
  const problem = form.querySelector(".field-error");
  if (!problem) return;
  problem.textContent = message;
  problem.hidden = !message;
}

async function send(form) {
  const response = await fetch(form.action, {
    method: "POST",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
    body: new FormData(form),
  });
  const body = await response.json().catch(() => ({ error: `The server answered ${response.status}.` }));
  if (!response.ok) throw new Error(body.error || `The server answered ${response.status}.`);
  return body;
}

function threadFrom(html) {
  const holder = document.createElement("div");
  holder.innerHTML = html;
  return holder.firstElementChild;
}

// Puts the answered thread in place: replacing the one the form is in, or new in the list.
function place(form, body) {
  const thread = threadFrom(body.html);
  const existing = document.getElementById(thread.id);
  if (existing) {
    existing.replaceWith(thread);
  } else {
    const box = form.closest("[data-comments]");
    const list = box.matches(".threads") ? box : box.querySelector(".threads");
    list.querySelector(".threads-empty")?.remove();
    list.append(thread);
    if (form.dataset.passage) form.remove();
    else form.reset();
  }
  return thread;
}

export function onCommentAdded(handler) {
  document.addEventListener("review:comment", (event) => handler(event.detail));
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches(".comment-form, .thread-action")) return;
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const body = await send(form);
    showError(form, "");
    const thread = place(form, body);
    announce(body.message);
    document.dispatchEvent(new CustomEvent("review:comment", { detail: { thread } }));
    const next = thread.querySelector("textarea") || thread.querySelector(".thread-action button");
    if (next && form.matches(".thread-action, .reply-form")) next.focus();
  } catch (error) {
    showError(form, error.message);
    button.disabled = false;
  }
});

// Ctrl+Enter (or ⌘+Enter) sends a comment; Escape closes a passage's new comment.
document.addEventListener("keydown", (event) => {
  const form = event.target.closest?.(".comment-form");
  if (!form || event.target.tagName !== "TEXTAREA") return;
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    form.requestSubmit();
  } else if (event.key === "Escape" && form.dataset.passage) {
    event.preventDefault();
    form.dispatchEvent(new CustomEvent("review:cancel", { bubbles: true }));
  }
});
