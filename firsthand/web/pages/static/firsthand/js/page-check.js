// "Who said it?": a result link checks its text again, and the copy buttons.
//
// The page works without this script: the form posts, the server renders the verdict, the
// link and the citation. A result link carries the text in its fragment (#check=…), which a
// browser never sends to a server: base64url (no padding) of the raw DEFLATE of the JSON
// {"t": text, "a": author} (firsthand/web/pages/check.py, share_fragment). This script opens
// it, fills the form and posts it, so that the check runs again on today's log.
import { message } from "./page-messages.js";

const form = document.getElementById("check-form");
const status = document.querySelector(".check-share .copied");

function fromBase64Url(text) {
  const base = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base + "=".repeat((4 - (base.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const buffer = await new Response(stream).arrayBuffer();
  return new TextDecoder("utf-8", { fatal: true }).decode(buffer);
}

function problem(text) {
  const shown = document.createElement("p");
  shown.className = "error";
  shown.setAttribute("role", "alert");
  shown.textContent = text;
  form.after(shown);
}

async function checkTheLink() {
  const fragment = location.hash.slice(1);
  if (!form || !fragment.startsWith("check=") || document.getElementById("verdict")) return;
  let sent;
  try {
    sent = JSON.parse(await inflate(fromBase64Url(fragment.slice("check=".length))));
    if (typeof sent.t !== "string" || !sent.t.trim()) throw new Error("no text");
  } catch {
    problem(message("link-broken"));
    return;
  }
  form.querySelector("#check-text").value = sent.t;
  form.querySelector("#check-author").value = typeof sent.a === "string" ? sent.a : "";
  const note = document.createElement("p");
  note.className = "hint";
  note.setAttribute("role", "status");
  note.textContent = message("checking-link");
  form.after(note);
  form.requestSubmit();
}

function copyButtons() {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const target = document.getElementById(button.dataset.copy);
    if (!target) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      const value = target.tagName === "A" ? target.href : target.value;
      try {
        await navigator.clipboard.writeText(value);
        if (status) status.textContent = message("copied");
      } catch {
        if (target.select) target.select();
        if (status) status.textContent = message("copy-failed");
      }
    });
  }
}

copyButtons();
checkTheLink();
