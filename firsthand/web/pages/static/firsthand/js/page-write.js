// The "Write" page: compose, preview exactly what will be signed, sign in the page
// with the key kept in this browser once the author confirms that preview with a click,
// publish, then open the statement's page. The key never leaves the device: only the
// signed statement is sent. The signing rule is in page-signing.js.
import { Verifier } from "/static/firsthand/js/note.js";
import { prepareStatement, signPrepared } from "/static/firsthand/js/statement.js";
import { discardDraft, forgetDrafts, loadDraft, saveDraft } from "./page-drafts.js";
import { uploadMedia } from "./page-media.js";
import { explained, isolate, localDigits, message, refuseSigningWithoutEd25519 } from "./page-messages.js";
import {
  checkName,
  loadKeptIdentity,
  needsPassphrase,
  pendingRecoveryKey,
  postStatement,
  recoveryKeyNamed,
  requireGesture,
  withSigner,
} from "./page-signing.js";

const $ = (id) => document.getElementById(id);
const prefix = document.documentElement.lang === "fa" ? "/fa" : "";
const pageLang = document.documentElement.lang || "en";
let identity = null;
let previewed = null; // the statement shown in the preview, not signed (prepareStatement)
let edits = 0; // counts edits, so a preview still being made when one happens is dropped
// Files attached to the statement: photos are cleaned on this device first, then every
// file is cleaned again and verified by the server before it is listed (page-media.js).
// {state: "cleaning" | "ready" | "failed", media: {sha256, type, size} | null}
const attachments = [];

function fail(text) {
  const box = $("compose-error");
  box.textContent = text;
  box.hidden = false;
  box.focus?.();
}

function clearError() {
  $("compose-error").hidden = true;
}

// The fields a draft keeps (page-drafts.js), by element id; photos are added again.
const DRAFTED = ["kind", "lang", "text", "denied", "seen-at", "refers", "subject", "display-name"];
let draftTimer = null;

function draftSay(which, values = {}) {
  const box = $("draft-status");
  let text = box.dataset[which] || "";
  for (const [name, value] of Object.entries(values)) text = text.replace(`{${name}}`, value);
  box.textContent = text;
}

// Kept half a second after the last keystroke, encrypted (page-drafts.js).
function keepDraftSoon() {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(async () => {
    const fields = Object.fromEntries(DRAFTED.map((id) => [id, $(id).value]));
    if (!DRAFTED.some((id) => id !== "kind" && id !== "lang" && fields[id].trim())) return;
    try {
      await saveDraft(identity.signer, fields);
      draftSay("saved");
    } catch (error) {
      draftSay("failed", { error: error.message || String(error) });
    }
  }, 500);
}

async function restoreDraft() {
  const draft = await loadDraft(identity.signer);
  if (draft === null) return;
  const kindInLink = new URLSearchParams(window.location.search).has("kind");
  for (const id of DRAFTED) {
    if (id === "kind" && kindInLink) continue; // a link to write a denial writes a denial
    if (typeof draft[id] === "string" && (id !== "kind" || [...$("kind").options].some((o) => o.value === draft[id]))) {
      $(id).value = draft[id];
    }
  }
  const when = new Date(draft.savedAt);
  draftSay("restored", { time: Number.isNaN(when.getTime()) ? "" : when.toLocaleString(document.documentElement.lang) });
}

async function discard() {
  const typed = DRAFTED.some((id) => id !== "kind" && id !== "lang" && $(id).value.trim());
  if (typed && !window.confirm($("draft-status").dataset.confirm)) return;
  clearTimeout(draftTimer);
  await discardDraft();
  for (const id of DRAFTED) if (id !== "kind" && id !== "lang") $(id).value = "";
  invalidate();
  draftSay("discarded");
}

// Any edit after the preview voids it: the author must see again what they will sign.
function invalidate() {
  edits += 1;
  previewed = null;
  $("preview").hidden = true;
  $("preview-head").textContent = "";
  $("preview-body").textContent = "";
}

function showSections() {
  const kind = $("kind").value;
  document.querySelector(".for-denial").hidden = kind !== "denial";
  document.querySelector(".for-reference").hidden = !["correction", "retraction"].includes(kind);
  document.querySelector(".for-vouch").hidden = kind !== "vouch";
  document.querySelector(".for-profile").hidden = kind !== "profile";
  invalidate();
}

async function api(path, options = {}) {
  // The API answers in the language asked for (its path names none): this page's.
  const headers = { "Accept-Language": pageLang, ...options.headers };
  const response = await fetch(path, { credentials: "omit", ...options, headers });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || message("server-error", { status: localDigits(response.status) }));
  return data;
}

async function fields() {
  const kind = $("kind").value;
  const result = { kind, lang: $("lang").value, refers: [], media: attachedMedia() };
  // A new key's first statement names its recovery key (docs/recovery.md).
  result.recovery = await pendingRecoveryKey(identity);
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
  if (kind === "profile") {
    const name = $("display-name").value.trim();
    if (!name) throw new Error(message("display-name-missing"));
    checkName(name);
    result.name = name;
  }
  if (kind === "vouch") {
    const subject = $("subject").value.trim();
    if (!subject) throw new Error(message("subject-missing"));
    checkName((await Verifier.fromText(subject)).name);
    result.subject = subject;
  }
  return result;
}

function attachedMedia() {
  if (attachments.some((a) => a.state === "cleaning")) throw new Error(message("media-wait"));
  if (attachments.some((a) => a.state === "failed")) throw new Error(message("media-remove-failed"));
  return attachments.map((a) => a.media);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function previewOf(answer, name) {
  if (answer.type.startsWith("video/")) {
    const video = element("video");
    video.controls = true;
    video.preload = "none";
    video.poster = answer.preview_url;
    video.src = answer.url;
    video.setAttribute("aria-label", message("media-preview-alt", { name: isolate(name) }));
    return video;
  }
  const img = element("img");
  img.src = answer.preview_url;
  img.alt = message("media-preview-alt", { name: isolate(name) });
  return img;
}

async function attach(file) {
  const entry = { state: "cleaning", media: null };
  attachments.push(entry);
  invalidate();
  const item = element("li", "attachment");
  item.dataset.state = "cleaning";
  const status = element("p", "status", message("media-cleaning"));
  const remove = element("button", "button secondary remove", message("media-remove"));
  remove.type = "button";
  remove.setAttribute("aria-label", message("media-remove-named", { name: isolate(file.name) }));
  remove.addEventListener("click", () => {
    attachments.splice(attachments.indexOf(entry), 1);
    item.remove();
    invalidate();
  });
  const fileName = element("p", "file-name", file.name);
  fileName.dir = "auto"; // the author's own name for the file, in any script
  item.append(fileName, status, remove);
  $("attachments").append(item);
  try {
    const { answer, details, onDevice } = await uploadMedia(file, status, (body, headers) =>
      api("/api/v1/media", { method: "POST", headers: { ...headers, "Accept-Language": pageLang }, body }),
    );
    entry.media = { sha256: answer.sha256, type: answer.type, size: answer.size };
    entry.state = "ready";
    item.dataset.sha256 = answer.sha256;
    item.dataset.cleanedOnDevice = onDevice ? "yes" : "no";
    status.textContent = message("media-ready", { type: isolate(answer.type) });
    status.after(previewOf(answer, file.name), ...details);
  } catch (error) {
    entry.state = "failed";
    status.textContent = message("media-failed", { error: explained(error) });
    status.classList.add("error");
  }
  item.dataset.state = entry.state;
  invalidate();
}

function onFiles(event) {
  for (const file of event.target.files) attach(file);
  event.target.value = ""; // the same file can be chosen again after a removal
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

// Show exactly what will be signed: the head's note text (every byte the signature
// covers) and the body. Nothing is signed here.
async function preview() {
  clearError();
  invalidate();
  const startedAt = edits;
  const text = bodyText();
  if (!$("text").value.trim()) throw new Error(message("text-missing"));
  checkName(identity.signer.name);
  const prepared = await prepareStatement(identity.signer, text, await fields());
  if (edits !== startedAt) return; // edited meanwhile: this preview is void already
  $("preview-head").textContent = prepared.text;
  $("preview-body").textContent = prepared.body;
  $("sign-passphrase-step").hidden = !needsPassphrase(identity);
  $("preview").hidden = false;
  previewed = prepared;
  $("preview-heading").scrollIntoView({ block: "start" });
}

// THE SIGNING RULE (page-signing.js): the statement is signed here and nowhere else, in
// the click handler of "Sign with my key and publish", for a person's click
// (event.isTrusted), and only the head and body the preview shows. An edit after the
// preview voided it (invalidate), so there is nothing to sign until it is shown again.
async function signAndPublish(event) {
  requireGesture(event);
  clearError();
  const prepared = previewed;
  if (prepared === null || $("preview-head").textContent !== prepared.text || $("preview").hidden) {
    throw new Error(message("preview-first"));
  }
  $("publish-button").disabled = true;
  try {
    const signed = await withSigner(identity, $("sign-passphrase"), (signer) => signPrepared(prepared, signer));
    const answer = await postStatement(signed.fileBytes);
    await recoveryKeyNamed(prepared);
    clearTimeout(draftTimer);
    await discardDraft(); // published: the draft has done its work
    window.location.assign(`${prefix}/statements/${answer.index}`);
  } finally {
    $("publish-button").disabled = false;
  }
}

function guarded(action) {
  return async (event) => {
    try {
      await action(event);
    } catch (error) {
      fail(explained(error));
    }
  };
}

async function start() {
  identity = await loadKeptIdentity();
  if (identity === null) {
    // The page already says how to get a key. Drafts live only beside one: forget any
    // left from a key this browser no longer holds.
    await forgetDrafts();
    return;
  }
  const status = $("identity-status");
  status.textContent = message("signing-as", { name: isolate(identity.signer.name) });
  // Without WebCrypto's Ed25519 nothing can be signed here: say so in place of whom as.
  await refuseSigningWithoutEd25519(status, [$("preview-button"), $("publish-button")]);
  const initial = $("kind").dataset.initial;
  if ([...$("kind").options].some((o) => o.value === initial)) $("kind").value = initial;
  $("lang").value = document.documentElement.lang === "fa" ? "fa" : "en";
  await restoreDraft();
  showSections();
  $("kind").addEventListener("change", showSections);
  $("kind").addEventListener("change", keepDraftSoon);
  for (const id of DRAFTED) $(id).addEventListener("input", keepDraftSoon);
  $("discard-draft").addEventListener("click", guarded(discard));
  for (const id of ["lang", "text", "denied", "seen-at", "refers", "subject", "display-name"]) {
    $(id).addEventListener("input", invalidate);
  }
  $("media").addEventListener("change", onFiles);
  $("preview-button").addEventListener("click", guarded(preview));
  $("publish-button").addEventListener("click", guarded(signAndPublish));
  // Shown only now: text typed before the draft was restored would be overwritten by it,
  // and a Preview clicked before its handler was attached would do nothing.
  $("compose").hidden = false;
}

guarded(start)();
