// "Trusted contacts" (docs/recovery.md): the key kept in this browser signs a `contacts`
// statement naming k of n other authors' keys. Contacts are given by fingerprint (looked up
// in /api/v1/authors/<fingerprint>, whose `keys` lists the key) or by verifier key; the
// statement writes them in ascending fingerprint order (statement.js prepareStatement).
// The server sees the signed statement only, never a private key.
import { fingerprint, groupedFingerprint } from "/static/firsthand/js/identity.js";
import { Verifier } from "/static/firsthand/js/note.js";
import { MAX_CONTACTS, prepareStatement, signPrepared } from "/static/firsthand/js/statement.js";
import { explained, localDigits, message } from "./page-messages.js";
import {
  loadKeptIdentity,
  needsPassphrase,
  pendingRecoveryKey,
  postStatement,
  recoveryKeyNamed,
  requireGesture,
  showFingerprint,
  withSigner,
} from "./page-signing.js";

const $ = (id) => document.getElementById(id);
const prefix = document.documentElement.lang === "fa" ? "/fa" : "";
const pageLang = document.documentElement.lang === "fa" ? "fa" : "en";
const persianDigits = (text) => text.replace(/[۰-۹]/g, (d) => String("۰۱۲۳۴۵۶۷۸۹".indexOf(d)));
let pending = null; // {prepared, identity}: shown in the preview, not signed
let edits = 0;

function say(text, isError = false) {
  const box = $("contacts-message");
  box.textContent = text;
  box.classList.toggle("error", isError);
}

function voidPreview() {
  edits += 1;
  pending = null;
  $("contacts-preview").hidden = true;
  for (const id of ["contacts-head", "contacts-body"]) $(id).textContent = "";
  $("contacts-fingerprints").replaceChildren();
}

/** A contact's key: its verifier key as typed, or the key this site logged under the fingerprint. */
export async function contactKey(text, line) {
  const typed = text.trim();
  if (typed.includes("+")) {
    try {
      return await Verifier.fromText(typed);
    } catch {
      throw new Error(message("contact-unknown", { line: localDigits(line) }));
    }
  }
  const wanted = typed.replace(/[\s-]/g, "").toLowerCase();
  if (/^[0-9a-f]{64}$/.test(wanted)) {
    const response = await fetch(`/api/v1/authors/${wanted}`, { credentials: "omit" });
    if (response.ok) {
      for (const key of (await response.json()).keys ?? []) {
        const verifier = await Verifier.fromText(key);
        if ((await fingerprint(verifier)) === wanted) return verifier;
      }
    }
  }
  throw new Error(message("contact-unknown", { line: localDigits(line) }));
}

async function preview() {
  voidPreview();
  const startedAt = edits;
  say("");
  const identity = await loadKeptIdentity();
  if (identity === null) throw new Error(message("no-key-here"));
  const lines = $("contacts-keys")
    .value.split("\n")
    .map((line, i) => [line.trim(), i + 1])
    .filter(([line]) => line);
  if (lines.length === 0) throw new Error(message("contacts-missing"));
  const contacts = [];
  for (const [line, number] of lines) contacts.push(await contactKey(line, number));
  const threshold = persianDigits($("contacts-threshold").value.trim());
  const most = Math.min(contacts.length, MAX_CONTACTS);
  if (!/^[1-9][0-9]?$/.test(threshold) || Number(threshold) > most) {
    throw new Error(message("threshold-invalid", { n: localDigits(most) }));
  }
  const body = $("contacts-text").value.replace(/\r\n?/g, "\n");
  if (!body.trim()) throw new Error(message("rotation-text-missing"));
  const fields = { kind: "contacts", lang: pageLang, contacts, threshold: Number(threshold) };
  const recovery = await pendingRecoveryKey(identity);
  if (recovery !== null) fields.recovery = recovery;
  const prepared = await prepareStatement(await identity.signer.verifier(), body, fields);
  if (edits !== startedAt) return;
  for (const contact of prepared.head.contacts) {
    const item = document.createElement("li");
    const code = document.createElement("code");
    code.className = "fingerprint";
    code.textContent = groupedFingerprint(await fingerprint(contact));
    item.append(code);
    $("contacts-fingerprints").append(item);
  }
  $("contacts-head").textContent = prepared.text;
  $("contacts-body").textContent = prepared.body;
  $("contacts-passphrase-step").hidden = !needsPassphrase(identity);
  $("contacts-preview").hidden = false;
  pending = { prepared, identity };
  $("contacts-preview-heading").focus({ preventScroll: true });
}

// THE SIGNING RULE (page-signing.js): signed here and nowhere else, in the click handler of
// "Sign and publish" under the preview, for a person's click, and only what the preview shows.
async function signAndPublish(event) {
  requireGesture(event);
  const current = pending;
  if (current === null || $("contacts-preview").hidden || $("contacts-head").textContent !== current.prepared.text) {
    throw new Error(message("preview-first"));
  }
  const button = $("contacts-confirm-button");
  button.disabled = true;
  try {
    say(message("working"));
    const signed = await withSigner(current.identity, $("contacts-passphrase"), (signer) => signPrepared(current.prepared, signer));
    const answer = await postStatement(signed.fileBytes);
    await recoveryKeyNamed(current.prepared);
    pending = null;
    $("contacts-preview").hidden = true;
    const [before, after = ""] = message("contacts-done").split("{index}");
    const link = document.createElement("a");
    link.href = `${prefix}/statements/${answer.index}`;
    link.id = "contacts-statement";
    link.textContent = localDigits(answer.index);
    $("contacts-message").replaceChildren(before, link, after);
    $("contacts-message").classList.remove("error");
  } finally {
    button.disabled = false;
  }
}

function guarded(action) {
  return async (event) => {
    try {
      await action(event);
    } catch (error) {
      say(explained(error), true);
    }
  };
}

for (const id of ["contacts-keys", "contacts-threshold", "contacts-text"]) $(id).addEventListener("input", voidPreview);
$("contacts-preview-button").addEventListener("click", guarded(preview));
$("contacts-confirm-button").addEventListener("click", guarded(signAndPublish));
loadKeptIdentity().then(async (identity) => {
  if (identity === null) say(message("no-key-here"), true);
  else await showFingerprint($("contacts-author"), identity.signer);
});
