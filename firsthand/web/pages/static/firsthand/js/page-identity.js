// The "My key" page: make, keep, export, import and forget the author's key.
// The key is made and kept in this browser (IndexedDB, non-extractable), with a
// copy sealed by the author's passphrase for export. Nothing here is sent anywhere.
import {
  forgetIdentity,
  generateIdentity,
  isSealedKeyFile,
  loadIdentity,
  parseKeyFile,
  saveIdentity,
  sealKeyFile,
} from "/static/firsthand/js/keys.js";
import { message } from "./page-messages.js";

const MIN_PASSPHRASE = 12;
const $ = (id) => document.getElementById(id);

function say(text, isError = false) {
  const box = $("identity-message");
  box.textContent = text;
  box.classList.toggle("error", isError);
}

async function show() {
  const identity = await loadIdentity();
  $("current").hidden = identity === null;
  if (identity === null) return;
  $("current-name").textContent = identity.signer.name;
  $("current-vkey").textContent = identity.verifierKey;
  const prefix = document.documentElement.lang === "fa" ? "/fa" : "";
  const keyId = Array.from(identity.signer.keyId, (b) => b.toString(16).padStart(2, "0")).join("");
  $("current-page").href = `${prefix}/authors/${keyId}`;
  $("export-button").disabled = !identity.sealedKeyFile;
}

function checkPassphrase(passphrase) {
  if (passphrase.length < MIN_PASSPHRASE) {
    throw new Error(message("passphrase-too-short", { n: MIN_PASSPHRASE }));
  }
}

async function create() {
  const name = $("create-name").value.trim();
  const passphrase = $("create-passphrase").value;
  checkPassphrase(passphrase);
  if ((await loadIdentity()) !== null && !window.confirm(message("replace-key"))) return;
  say(message("working"));
  const signer = await generateIdentity(name);
  const sealed = await sealKeyFile(signer, passphrase);
  await saveIdentity(signer, { sealedKeyFile: sealed });
  $("create-passphrase").value = "";
  await show();
  say(message("key-made"));
}

async function importKey() {
  const file = $("import-file").files[0];
  if (!file) throw new Error(message("choose-file"));
  const text = await file.text();
  const passphrase = $("import-passphrase").value;
  say(message("working"));
  const signer = await parseKeyFile(text, { passphrase });
  let sealed = text;
  if (!isSealedKeyFile(text)) {
    checkPassphrase(passphrase);
    sealed = await sealKeyFile(signer, passphrase);
  }
  await saveIdentity(signer, { sealedKeyFile: sealed });
  $("import-passphrase").value = "";
  await show();
  say(message("key-imported"));
}

async function exportKey() {
  const identity = await loadIdentity();
  if (!identity?.sealedKeyFile) throw new Error(message("no-export"));
  const blob = new Blob([identity.sealedKeyFile], { type: "text/plain;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${identity.signer.name}.key`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  say(message("key-exported"));
}

async function forget() {
  if (!window.confirm(message("forget-confirm"))) return;
  await forgetIdentity();
  await show();
  say(message("key-forgotten"));
}

function guarded(action) {
  return async () => {
    try {
      await action();
    } catch (error) {
      say(error.message || String(error), true);
    }
  };
}

$("create-button").addEventListener("click", guarded(create));
$("import-button").addEventListener("click", guarded(importKey));
$("export-button").addEventListener("click", guarded(exportKey));
$("forget-button").addEventListener("click", guarded(forget));
guarded(show)();
