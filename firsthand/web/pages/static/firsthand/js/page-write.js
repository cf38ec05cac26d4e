// The "Write" page: compose, preview exactly what will be signed, sign in the page
// with the key kept in this browser, publish, then open the statement's page.
// The key never leaves the device: only the signed statement is sent.
import { loadIdentity } from "/static/firsthand/js/keys.js";
import { signStatement } from "/static/firsthand/js/statement.js";
import { message } from "./page-messages.js";

const $ = (id) => document.getElementById(id);
const prefix = document.documentElement.lang === "fa" ? "/fa" : "";
let identity = null;
let signed = null; // the statement previewed, signed, and not yet published

function fail(text) {
  const box = $("compose-error");
  box.textContent = text;
  box.hidden = false;
  box.focus?.();
}

function clearError() {
  $("compose-error").hidden = true;
}

function invalidate() {
  signed = null;
  $("preview").hidden = true;
}

function showSections() {
  const kind = $("kind").value;
  document.querySelector(".for-denial").hidden = kind !== "denial";
  document.querySelector(".for-reference").hidden = !["correction", "retraction"].includes(kind);
  document.querySelector(".for-vouch").hidden = kind !== "vouch";
  invalidate();
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "omit", ...options });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || message("server-error", { status: response.status }));
  return data;
}

async function fields() {
  const kind = $("kind").value;
  const result = { kind, lang: $("lang").value, refers: [] };
  if (kind === "denial") {
    const denied = $("denied").value;
    if (!denied.trim()) throw new Error(message("denied-missing"));
    const { sha256 } = await api("/api/v1/text-hash", {
      method: "POST",
      headers: { "Content-Type": "text/plain; charset=utf-8" },
      body: denied,
    });
    result.refers.push({ kind: "text", sha256 });
    const seenAt = $("seen-at").value.trim();
    if (seenAt) result.seenAt = seenAt;
  }
  if (kind === "correction" || kind === "retraction") {
    const index = $("refers").value.trim();
    if (!/^[0-9]+$/.test(index)) throw new Error(message("refers-missing"));
    const target = await api(`/api/v1/statements/${index}`);
    result.refers.push({ kind: "leaf", sha256: target.leaf_hash });
  }
  if (kind === "vouch") {
    const subject = $("subject").value.trim();
    if (!subject) throw new Error(message("subject-missing"));
    result.subject = subject;
  }
  return result;
}

function bodyText() {
  const kind = $("kind").value;
  let text = $("text").value.replace(/\r\n?/g, "\n");
  if (kind === "denial") {
    // The denied text is quoted in the body too, so a reader sees what is denied.
    const denied = $("denied").value.replace(/\r\n?/g, "\n").trim();
    text = `${text.trim()}\n\n${message("denied-quote-label")}\n${denied}\n`;
  }
  return text;
}

async function preview() {
  clearError();
  const text = bodyText();
  if (!$("text").value.trim()) throw new Error(message("text-missing"));
  signed = await signStatement(identity.signer, text, await fields());
  $("preview-head").textContent = signed.fileText.slice(0, signed.fileText.length - text.length - 1);
  $("preview-body").textContent = text;
  $("preview").hidden = false;
  $("preview-heading").scrollIntoView({ block: "start" });
}

async function publish() {
  clearError();
  if (signed === null) throw new Error(message("preview-first"));
  $("publish-button").disabled = true;
  try {
    const answer = await api("/api/v1/statements", {
      method: "POST",
      headers: { "Content-Type": "text/plain; charset=utf-8" },
      body: signed.fileBytes,
    });
    window.location.assign(`${prefix}/statements/${answer.index}`);
  } finally {
    $("publish-button").disabled = false;
  }
}

function guarded(action) {
  return async () => {
    try {
      await action();
    } catch (error) {
      fail(error.message || String(error));
    }
  };
}

async function start() {
  identity = await loadIdentity();
  if (identity === null) return; // the page already says how to get a key
  const status = $("identity-status");
  status.textContent = message("signing-as", { name: identity.signer.name });
  $("compose").hidden = false;
  const initial = $("kind").dataset.initial;
  if ([...$("kind").options].some((o) => o.value === initial)) $("kind").value = initial;
  $("lang").value = document.documentElement.lang === "fa" ? "fa" : "en";
  showSections();
  $("kind").addEventListener("change", showSections);
  for (const id of ["lang", "text", "denied", "seen-at", "refers", "subject"]) {
    $(id).addEventListener("input", invalidate);
  }
  $("preview-button").addEventListener("click", guarded(preview));
  $("publish-button").addEventListener("click", guarded(publish));
}

guarded(start)();
