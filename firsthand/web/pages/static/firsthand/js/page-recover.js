// "I lost my key: recover with my sheet" on "My key" (docs/recovery.md). The 24 words
// of the recovery sheet rebuild the recovery key in this page; it signs
//   - a `recovery` (subject = the lost key, new-key = a key made here, which co-signs),
//     after which this browser keeps the new key; or
//   - a `revocation` (subject = the lost key), with an optional `from` log index.
// The lost key is named by the fingerprint printed on the sheet (looked up in
// /api/v1/authors/<fingerprint>, whose `keys` lists it) or by its verifier key.
// The recovery key is forgotten once the statement is signed, or the preview voided.
import { fingerprint } from "/static/firsthand/js/identity.js";
import {
  generateIdentity,
  loadIdentity,
  saveIdentity,
  savePendingRecovery,
  sealKeyFile,
  signerFromSeed,
} from "/static/firsthand/js/keys.js";
import { Verifier } from "/static/firsthand/js/note.js";
import { RecoveryWordsError, seedFromWords } from "/static/firsthand/js/recovery-words.js";
import { prepareStatement, signPrepared } from "/static/firsthand/js/statement.js";
import { explained, localDigits, message } from "./page-messages.js";
import { RECOVERY_KEY_NAME } from "./page-recovery-sheet.js";
import { askEveryTime, checkName, downloadKeyFile, postStatement, requireGesture, showFingerprint } from "./page-signing.js";

const MIN_PASSPHRASE = 12;
const $ = (id) => document.getElementById(id);
const prefix = document.documentElement.lang === "fa" ? "/fa" : "";
const pageLang = document.documentElement.lang === "fa" ? "fa" : "en";
// The statement shown in the preview and not signed: {kind, recoverySigner, newSigner, prepared}.
let pending = null;
let edits = 0;

function say(text, isError = false) {
  const box = $("recover-message");
  box.textContent = text;
  box.classList.toggle("error", isError);
}

function what() {
  return $("recover-what").value === "revocation" ? "revocation" : "recovery";
}

function showFields() {
  const text = $("recover-text");
  const other = what() === "recovery" ? "revocation" : "recovery";
  if (text.value === text.dataset[other]) text.value = text.dataset[what()];
  for (const element of document.querySelectorAll("#recover .for-recovery")) element.hidden = what() !== "recovery";
  voidPreview();
}

function voidPreview() {
  edits += 1;
  pending?.recoverySigner.forget();
  pending?.newSigner?.forget();
  pending = null;
  $("recover-preview").hidden = true;
  for (const id of ["recover-head", "recover-body", "recover-lost-fingerprint", "recover-new-fingerprint"]) {
    $(id).textContent = "";
  }
}

// The words' errors in the page's language, naming the word that is not on the list.
async function recoveryKeyFromWords(text) {
  let seed;
  try {
    seed = await seedFromWords(text);
  } catch (error) {
    if (!(error instanceof RecoveryWordsError)) throw error;
    if (error.reason === "count") throw new Error(message("words-count", { count: localDigits(error.count) }));
    if (error.reason === "unknown") {
      throw new Error(message("words-unknown", { word: error.word, position: localDigits(error.position) }));
    }
    throw new Error(message("words-checksum"));
  }
  try {
    return await signerFromSeed(RECOVERY_KEY_NAME, seed);
  } finally {
    seed.fill(0);
  }
}

// The lost key: its verifier key as typed, or the key this site logged under the fingerprint.
async function lostKey(text) {
  const typed = text.trim();
  if (!typed) throw new Error(message("lost-key-missing"));
  if (typed.includes("+")) return Verifier.fromText(typed);
  const wanted = typed.replace(/[\s-]/g, "").toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(wanted)) throw new Error(message("lost-key-missing"));
  const headers = { "Accept-Language": pageLang };
  const response = await fetch(`/api/v1/authors/${wanted}`, { credentials: "omit", headers });
  if (response.ok) {
    for (const key of (await response.json()).keys ?? []) {
      const verifier = await Verifier.fromText(key);
      if ((await fingerprint(verifier)) === wanted) return verifier;
    }
  }
  throw new Error(message("lost-key-unknown"));
}

function fromIndex() {
  const from = $("recover-from").value.trim().replace(/[۰-۹]/g, (d) => String("۰۱۲۳۴۵۶۷۸۹".indexOf(d)));
  if (!from) return null;
  if (!/^(0|[1-9][0-9]{0,18})$/.test(from)) throw new Error(message("from-invalid"));
  return from;
}

// Rebuild the recovery key, make the new key (for a recovery) and show exactly what will
// be signed. Nothing is signed here.
async function preview() {
  voidPreview();
  const startedAt = edits;
  say("");
  const kind = what();
  const body = $("recover-text").value.replace(/\r\n?/g, "\n");
  if (!body.trim()) throw new Error(message("rotation-text-missing"));
  const revokedFrom = fromIndex();
  let newSigner = null;
  if (kind === "recovery") {
    const name = $("recover-name").value.trim();
    if (!name) throw new Error(message("name-missing"));
    checkName(name);
    if ($("recover-passphrase").value.length < MIN_PASSPHRASE) {
      throw new Error(message("passphrase-too-short", { n: localDigits(MIN_PASSPHRASE) }));
    }
    newSigner = await generateIdentity(name);
  }
  const subject = await lostKey($("recover-lost").value);
  const recoverySigner = await recoveryKeyFromWords($("recover-words").value);
  const fields = { kind, lang: pageLang, subject, revokedFrom };
  if (newSigner !== null) fields.newKey = await newSigner.verifier();
  const prepared = await prepareStatement(recoverySigner, body, fields);
  await showFingerprint($("recover-lost-fingerprint"), subject);
  if (newSigner !== null) await showFingerprint($("recover-new-fingerprint"), newSigner);
  if (edits !== startedAt) {
    recoverySigner.forget();
    newSigner?.forget();
    return;
  }
  $("recover-head").textContent = prepared.text;
  $("recover-body").textContent = prepared.body;
  $("recover-preview").hidden = false;
  pending = { kind, recoverySigner, newSigner, prepared };
  $("recover-preview-heading").focus({ preventScroll: true });
  $("recover-preview").scrollIntoView({ block: "start" });
}

// THE SIGNING RULE (page-signing.js): the recovery or revocation is signed here and
// nowhere else, in the click handler of "Sign with my recovery key and publish", for a
// person's click (event.isTrusted), and only the head and body its preview shows. The
// recovery key signs first, then (a recovery) the new key: the server wants both.
async function signAndPublish(event) {
  requireGesture(event);
  const current = pending;
  if (current === null || $("recover-preview").hidden || $("recover-head").textContent !== current.prepared.text) {
    throw new Error(message("preview-first"));
  }
  if (current.newSigner !== null && (await loadIdentity()) !== null && !window.confirm(message("replace-key"))) return;
  const button = $("recover-confirm-button");
  button.disabled = true;
  try {
    say(message("working"));
    // Sealed before anything is published: a new key that cannot be kept is never announced.
    const sealed = current.newSigner && (await sealKeyFile(current.newSigner, $("recover-passphrase").value));
    const cosigners = current.newSigner ? [current.newSigner] : [];
    const signed = await signPrepared(current.prepared, current.recoverySigner, ...cosigners);
    const answer = await postStatement(signed.fileBytes);
    const index = localDigits(answer.index);
    const recoveryKey = current.prepared.head.author.text;
    current.recoverySigner.forget();
    pending = null;
    $("recover-preview").hidden = true;
    $("recover-words").value = "";
    $("recover-passphrase").value = "";
    if (current.newSigner === null) {
      showDone(message("revocation-done"), answer.index, index);
      return;
    }
    const newSigner = current.newSigner;
    try {
      await saveIdentity(newSigner, { sealedKeyFile: sealed, keepSigningKey: askEveryTime() !== true });
      // The same sheet keeps protecting the identity: the new key's first statement names it.
      await savePendingRecovery(newSigner, recoveryKey, { sheetSaved: true });
    } catch (error) {
      downloadKeyFile(sealed, newSigner.name);
      say(message("rotation-save-failed", { error: error.message || String(error) }), true);
      return;
    } finally {
      newSigner.forget();
    }
    document.dispatchEvent(new CustomEvent("firsthand:identity-changed"));
    showDone(message("recovery-done"), answer.index, index);
    const download = document.createElement("button");
    download.type = "button";
    download.id = "recover-export-button";
    download.textContent = $("export-button").textContent;
    download.addEventListener("click", () => downloadKeyFile(sealed, newSigner.name));
    $("recover-message").after(download);
  } finally {
    button.disabled = false;
  }
}

function showDone(text, index, label) {
  const box = $("recover-message");
  const [before, after = ""] = text.split("{index}");
  const link = document.createElement("a");
  link.href = `${prefix}/statements/${index}`;
  link.id = "recover-statement";
  link.textContent = label;
  box.replaceChildren(before, link, after);
  box.classList.remove("error");
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

$("recover-what").addEventListener("change", showFields);
for (const id of ["recover-words", "recover-lost", "recover-name", "recover-passphrase", "recover-from", "recover-text"]) {
  $(id).addEventListener("input", voidPreview);
}
$("recover-preview-button").addEventListener("click", guarded(preview));
$("recover-confirm-button").addEventListener("click", guarded(signAndPublish));
