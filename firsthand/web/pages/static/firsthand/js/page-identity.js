// The "My key" page: make, keep, export, import, replace and forget the author's key.
// The key is made and kept in this browser (IndexedDB, non-extractable), with a
// copy sealed by the author's passphrase for export. Nothing here is sent anywhere,
// except the signed key-rotation statement when the author replaces their key.
import {
  forgetIdentity,
  generateIdentity,
  isSealedKeyFile,
  loadIdentity,
  loadPendingRecovery,
  parseKeyFile,
  saveIdentity,
  sealKeyFile,
} from "/static/firsthand/js/keys.js";
import { prepareStatement, signPrepared } from "/static/firsthand/js/statement.js";
import { forgetDrafts } from "./page-drafts.js";
import { explained, localDigits, message, refuseSigningWithoutEd25519 } from "./page-messages.js";
import { clearSheet, makeRecoverySheet, sheetSaved, sheetShown } from "./page-recovery-sheet.js";
import {
  askEveryTime,
  checkName,
  downloadKeyFile,
  loadKeptIdentity,
  needsPassphrase,
  pendingRecoveryKey,
  postStatement,
  recoveryKeyNamed,
  requireGesture,
  setAskEveryTime,
  showFingerprint,
  withSigner,
} from "./page-signing.js";

const MIN_PASSPHRASE = 12;
const $ = (id) => document.getElementById(id);
const prefix = document.documentElement.lang === "fa" ? "/fa" : "";
const pageLang = document.documentElement.lang === "fa" ? "fa" : "en";
// The key rotation shown in its preview and not signed: {identity, newSigner, prepared}.
let rotation = null;
let edits = 0; // counts edits, so a preview still being made when one happens is dropped

function say(text, isError = false, where = "identity-message") {
  const box = $(where);
  box.textContent = text;
  box.classList.toggle("error", isError);
}

async function show() {
  const identity = await loadKeptIdentity();
  $("current").hidden = identity === null;
  $("rotate").hidden = identity === null;
  const pending = identity === null ? null : await loadPendingRecovery(identity.signer);
  $("sheet-lost").hidden = pending === null || pending.sheetSaved || sheetShown();
  if (identity === null) return;
  $("current-name").textContent = identity.signer.name;
  $("current-vkey").textContent = identity.verifierKey;
  await showFingerprint($("current-fingerprint"), identity.signer);
  const keyId = Array.from(identity.signer.keyId, (b) => b.toString(16).padStart(2, "0")).join("");
  $("current-page").href = `${prefix}/authors/${keyId}`;
  $("export-button").disabled = !identity.sealedKeyFile;
  $("ask-passphrase").checked = askEveryTime() === true;
  if (!$("rotate-name").value) $("rotate-name").value = identity.signer.name;
}

function checkPassphrase(passphrase) {
  if (passphrase.length < MIN_PASSPHRASE) {
    throw new Error(message("passphrase-too-short", { n: localDigits(MIN_PASSPHRASE) }));
  }
}

function checkNewName(name) {
  if (!name) throw new Error(message("name-missing"));
  checkName(name);
}

/** Keep a signer made or opened here, as the setting says, then drop its seed. */
async function keep(signer, sealedKeyFile) {
  try {
    await saveIdentity(signer, { sealedKeyFile, keepSigningKey: askEveryTime() !== true });
  } finally {
    signer.forget();
  }
}

async function create() {
  const name = $("create-name").value.trim();
  const passphrase = $("create-passphrase").value;
  checkNewName(name);
  checkPassphrase(passphrase);
  if ((await loadIdentity()) !== null && !window.confirm(message("replace-key"))) return;
  say(message("working"));
  const signer = await generateIdentity(name);
  await keep(signer, await sealKeyFile(signer, passphrase));
  $("create-passphrase").value = "";
  voidRotation();
  $("rotate-name").value = "";
  await show();
  say(message("key-made"));
  await makeRecoverySheet(signer); // before anything can be signed with the new key
  // On a phone the page's status line is far below: say it at the top, where the eyes are.
  $("key-made").hidden = false;
  $("key-made").scrollIntoView({ block: "start" });
  $("key-made").focus({ preventScroll: true });
}

async function newSheet() {
  const identity = await loadIdentity();
  if (identity === null) return;
  await makeRecoverySheet(identity.signer);
  await show();
}

async function tickSaved() {
  if (!$("sheet-saved").checked) return;
  const identity = await loadIdentity();
  const pending = identity === null ? null : await loadPendingRecovery(identity.signer);
  if (pending === null) {
    clearSheet();
    return;
  }
  await sheetSaved(identity.signer, pending.recoveryKey);
  await show();
  say(message("sheet-saved"));
  $("current-heading").scrollIntoView({ block: "start" });
}

async function importKey() {
  const file = $("import-file").files[0];
  if (!file) throw new Error(message("choose-file"));
  const text = await file.text();
  const passphrase = $("import-passphrase").value;
  say(message("working"));
  const signer = await parseKeyFile(text, { passphrase });
  try {
    checkName(signer.name); // the server would refuse every statement it signs
  } catch (error) {
    signer.forget();
    throw error;
  }
  let sealed = text;
  if (!isSealedKeyFile(text)) {
    checkPassphrase(passphrase);
    sealed = await sealKeyFile(signer, passphrase);
  }
  await keep(signer, sealed);
  $("import-passphrase").value = "";
  voidRotation();
  $("rotate-name").value = "";
  await show();
  say(message("key-imported"));
}

async function exportKey(event, where = "identity-message") {
  const identity = await loadIdentity();
  if (!identity?.sealedKeyFile) throw new Error(message("no-export"));
  downloadKeyFile(identity.sealedKeyFile, identity.signer.name);
  if (where) say(message("key-exported"), false, where);
}

async function forget() {
  if (!window.confirm(message("forget-confirm"))) return;
  await forgetIdentity();
  await forgetDrafts(); // drafts open only with this key's drafts key (page-drafts.js)
  $("key-made").hidden = true;
  clearSheet();
  voidRotation();
  await show();
  say(message("key-forgotten"));
}

async function changeSetting() {
  const on = $("ask-passphrase").checked;
  const identity = await loadIdentity();
  if (on && !identity?.sealedKeyFile) {
    $("ask-passphrase").checked = false;
    throw new Error(message("setting-needs-file"));
  }
  setAskEveryTime(on);
  voidRotation(); // the confirmation step asks for the passphrase, or not, as the setting says
  await show();
  say(on ? message("setting-on") : identity?.sealed ? message("setting-off") : "");
}

// --- Replacing the key: a key-rotation statement signed by the old key and the new -------

// Any edit after the preview voids it, and the new key made for it.
function voidRotation() {
  edits += 1;
  rotation?.newSigner.forget();
  rotation = null;
  $("rotate-preview").hidden = true;
  for (const id of ["rotate-head", "rotate-body", "rotate-old-fingerprint", "rotate-new-fingerprint"]) {
    $(id).textContent = "";
  }
}

// Make the new key in this browser and show exactly what both keys will sign.
// Nothing is signed here.
async function previewRotation() {
  voidRotation();
  const startedAt = edits;
  $("rotate-export-button")?.remove();
  say("", false, "rotate-message");
  const identity = await loadKeptIdentity();
  if (identity === null) return;
  const name = $("rotate-name").value.trim();
  checkNewName(name);
  checkName(identity.signer.name);
  checkPassphrase($("rotate-passphrase").value);
  const body = $("rotate-text").value.replace(/\r\n?/g, "\n");
  if (!body.trim()) throw new Error(message("rotation-text-missing"));
  const recovery = await pendingRecoveryKey(identity); // a first statement names the recovery key
  const newSigner = await generateIdentity(name);
  const newKey = await newSigner.verifier();
  const prepared = await prepareStatement(identity.signer, body, { kind: "key-rotation", lang: pageLang, newKey, recovery });
  await showFingerprint($("rotate-old-fingerprint"), identity.signer);
  await showFingerprint($("rotate-new-fingerprint"), newSigner);
  if (edits !== startedAt) {
    newSigner.forget(); // edited meanwhile: this preview is void already
    return;
  }
  $("rotate-head").textContent = prepared.text;
  $("rotate-body").textContent = prepared.body;
  $("rotate-passphrase-step").hidden = !needsPassphrase(identity);
  $("rotate-preview").hidden = false;
  rotation = { identity, newSigner, prepared };
  $("rotate-preview-heading").focus({ preventScroll: true });
  $("rotate-preview").scrollIntoView({ block: "start" });
}

function sayWithLink(text, placeholder, href, label) {
  const box = $("rotate-message");
  const [before, after = ""] = text.split(placeholder);
  const link = document.createElement("a");
  link.href = href;
  link.id = "rotate-statement";
  link.textContent = label;
  box.replaceChildren(before, link, after);
  box.classList.remove("error");
}

// THE SIGNING RULE (page-signing.js): the rotation is signed here and nowhere else, in
// the click handler of "Sign with both keys and publish", for a person's click
// (event.isTrusted), and only the head and body its preview shows. The old key signs
// first, then the new one: the server accepts a rotation only with both signatures.
async function signRotation(event) {
  requireGesture(event);
  const current = rotation;
  if (current === null || $("rotate-preview").hidden || $("rotate-head").textContent !== current.prepared.text) {
    throw new Error(message("preview-first"));
  }
  const button = $("rotate-confirm-button");
  button.disabled = true;
  try {
    say(message("working"), false, "rotate-message");
    // Sealed before anything is published: a new key that cannot be kept is never announced.
    const sealed = await sealKeyFile(current.newSigner, $("rotate-passphrase").value);
    const signed = await withSigner(current.identity, $("rotate-old-passphrase"), (old) =>
      signPrepared(current.prepared, old, current.newSigner),
    );
    const answer = await postStatement(signed.fileBytes);
    await recoveryKeyNamed(current.prepared);
    rotation = null;
    $("rotate-preview").hidden = true;
    $("rotate-passphrase").value = "";
    $("rotate-name").value = "";
    try {
      await keep(current.newSigner, sealed);
    } catch (error) {
      downloadKeyFile(sealed, current.newSigner.name);
      say(message("rotation-save-failed", { error: error.message || String(error) }), true, "rotate-message");
      return;
    }
    await show();
    const index = String(answer.index);
    sayWithLink(message("rotation-done"), "{index}", `${prefix}/statements/${index}`, localDigits(index));
    const again = document.createElement("button");
    again.type = "button";
    again.id = "rotate-export-button";
    again.textContent = $("export-button").textContent;
    again.addEventListener("click", guarded((event) => exportKey(event, null), "rotate-message"));
    $("rotate-message").after(again);
  } finally {
    button.disabled = false;
  }
}

function guarded(action, where = "identity-message") {
  return async (event) => {
    try {
      await action(event);
    } catch (error) {
      say(explained(error), true, where);
    }
  };
}

$("create-button").addEventListener("click", guarded(create));
$("sheet-print").addEventListener("click", () => window.print());
$("sheet-saved").addEventListener("change", guarded(tickSaved));
$("sheet-new").addEventListener("click", guarded(newSheet));
// page-recover.js made and kept a new key from the recovery sheet.
document.addEventListener("firsthand:identity-changed", guarded(show));
$("import-button").addEventListener("click", guarded(importKey));
$("export-button").addEventListener("click", guarded(exportKey));
$("key-made-download").addEventListener("click", guarded(exportKey));
$("forget-button").addEventListener("click", guarded(forget));
$("ask-passphrase").addEventListener("change", guarded(changeSetting));
$("rotate-preview-button").addEventListener("click", guarded(previewRotation, "rotate-message"));
$("rotate-confirm-button").addEventListener("click", guarded(signRotation, "rotate-message"));
for (const id of ["rotate-name", "rotate-passphrase", "rotate-text"]) $(id).addEventListener("input", voidRotation);
guarded(show)();
// Without WebCrypto's Ed25519 no key can be made, imported or used here: say so first.
const signingButtons = ["create-button", "import-button", "rotate-preview-button", "rotate-confirm-button", "recover-preview-button", "recover-confirm-button"];
refuseSigningWithoutEd25519($("identity-message"), signingButtons.map($));
