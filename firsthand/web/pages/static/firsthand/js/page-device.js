// "Add a device" (docs/recovery.md, "Devices"). A `device` statement is signed by the
// identity key and by the device key, over the same text, so neither key leaves its device:
//   1. on the new device, a key is made and kept in this browser; it signs the statement
//      naming itself as the identity's device, and the page shows that half-signed
//      statement file (the "request") to copy;
//   2. on the device holding the identity key, the request is pasted, checked (it names
//      this identity, and the device key's signature verifies), shown, and on a click
//      signed by the identity key, whose line goes first, then published.
// The server sees signed statements only, never a private key.
import { concatBytes, utf8Decode, utf8Encode } from "/static/firsthand/js/encoding.js";
import { fingerprint } from "/static/firsthand/js/identity.js";
import { generateIdentity, loadIdentity, saveIdentity, sealKeyFile } from "/static/firsthand/js/keys.js";
import { encodeNote, parseNote, signNote, Verifier, verifyNote } from "/static/firsthand/js/note.js";
import { parseHeadText, prepareStatement, readStatement, splitStatementFile } from "/static/firsthand/js/statement.js";
import { explained, localDigits, message } from "./page-messages.js";
import {
  askEveryTime,
  checkName,
  downloadKeyFile,
  loadKeptIdentity,
  needsPassphrase,
  postStatement,
  requireGesture,
  showFingerprint,
  withSigner,
} from "./page-signing.js";

const MIN_PASSPHRASE = 12;
const $ = (id) => document.getElementById(id);
const prefix = document.documentElement.lang === "fa" ? "/fa" : "";
const pageLang = document.documentElement.lang === "fa" ? "fa" : "en";
let pending = null; // {text, body, deviceLine, identity}: shown in the preview, not signed
let edits = 0;

function say(id, text, isError = false) {
  const box = $(id);
  box.textContent = text;
  box.classList.toggle("error", isError);
}

async function identityKey(text) {
  const wanted = text.replace(/[\s-]/g, "").toLowerCase();
  if (/^[0-9a-f]{64}$/.test(wanted)) {
    const response = await fetch(`/api/v1/authors/${wanted}`, { credentials: "omit" });
    if (response.ok) {
      for (const key of (await response.json()).keys ?? []) {
        const verifier = await Verifier.fromText(key);
        if ((await fingerprint(verifier)) === wanted) return verifier;
      }
    }
  }
  throw new Error(message("identity-missing"));
}

// Step 1, on the new device. Making a key and signing the request for it is not a signature
// in the author's name (the identity key signs in step 2, under its own preview); the device
// key signs only the statement that names it, right after it is made.
async function makeRequest() {
  say("device-new-message", "");
  const identity = await identityKey($("device-identity").value);
  const name = $("device-name").value.trim();
  if (!name) throw new Error(message("name-missing"));
  checkName(name);
  const passphrase = $("device-passphrase").value;
  if (passphrase.length < MIN_PASSPHRASE) throw new Error(message("passphrase-too-short", { n: localDigits(MIN_PASSPHRASE) }));
  const body = $("device-text").value.replace(/\r\n?/g, "\n");
  if (!body.trim()) throw new Error(message("rotation-text-missing"));
  if ((await loadIdentity()) !== null && !window.confirm(message("replace-key"))) return;
  const device = await generateIdentity(name);
  try {
    const prepared = await prepareStatement(identity, body, { kind: "device", lang: pageLang, subject: await device.verifier() });
    const sealed = await sealKeyFile(device, passphrase);
    const half = await signNote(prepared.text, device);
    await saveIdentity(device, { sealedKeyFile: sealed, keepSigningKey: askEveryTime() !== true });
    $("device-passphrase").value = "";
    $("device-request-out").value = utf8Decode(concatBytes(half, new Uint8Array([0x0a]), utf8Encode(prepared.body)));
    say("device-new-message", message("device-request-made"));
    const download = document.createElement("button");
    download.type = "button";
    download.id = "device-export-button";
    download.textContent = message("download-key");
    download.addEventListener("click", () => downloadKeyFile(sealed, name));
    $("device-new-message").after(download);
  } finally {
    device.forget();
  }
}

function voidPreview() {
  edits += 1;
  pending = null;
  $("device-preview").hidden = true;
  for (const id of ["device-head", "device-body", "device-fingerprint"]) $(id).textContent = "";
}

// Step 2: read the request, check it names the identity kept here and the device signed it.
async function preview() {
  voidPreview();
  const startedAt = edits;
  say("device-message", "");
  const identity = await loadKeptIdentity();
  if (identity === null) throw new Error(message("no-key-here"));
  let note, head, body;
  try {
    const [headBytes, bodyBytes] = splitStatementFile(utf8Encode($("device-request-in").value.replace(/\r\n?/g, "\n")));
    note = parseNote(headBytes);
    head = await parseHeadText(note.text);
    body = utf8Decode(bodyBytes);
    if (head.kind !== "device" || note.signatures.length !== 1) throw new Error("not a request");
    await verifyNote(note, [head.subject]);
  } catch {
    throw new Error(message("request-invalid"));
  }
  if (!head.author.equals(await identity.signer.verifier())) throw new Error(message("request-not-yours"));
  if (edits !== startedAt) return;
  await showFingerprint($("device-fingerprint"), head.subject);
  $("device-head").textContent = note.text;
  $("device-body").textContent = body;
  $("device-passphrase-step").hidden = !needsPassphrase(identity);
  $("device-preview").hidden = false;
  pending = { text: note.text, body, deviceLine: note.signatures[0], identity };
  $("device-preview-heading").focus({ preventScroll: true });
}

// THE SIGNING RULE (page-signing.js): the identity key signs here and nowhere else, in the
// click handler of "Sign and publish" under the preview, for a person's click, and only the
// text the preview shows; its line goes first, the device's after (the canonical head).
async function signAndPublish(event) {
  requireGesture(event);
  const current = pending;
  if (current === null || $("device-preview").hidden || $("device-head").textContent !== current.text) {
    throw new Error(message("preview-first"));
  }
  const button = $("device-confirm-button");
  button.disabled = true;
  try {
    say("device-message", message("working"));
    const own = await withSigner(current.identity, $("device-own-passphrase"), (signer) => signNote(current.text, signer));
    const headBytes = encodeNote({ text: current.text, signatures: [parseNote(own).signatures[0], current.deviceLine] });
    const statement = await readStatement(concatBytes(headBytes, new Uint8Array([0x0a]), utf8Encode(current.body)));
    const answer = await postStatement(statement.fileBytes);
    pending = null;
    $("device-preview").hidden = true;
    $("device-request-in").value = "";
    const [before, after = ""] = message("device-done").split("{index}");
    const link = document.createElement("a");
    link.href = `${prefix}/statements/${answer.index}`;
    link.id = "device-statement";
    link.textContent = localDigits(answer.index);
    $("device-message").replaceChildren(before, link, after);
    $("device-message").classList.remove("error");
  } finally {
    button.disabled = false;
  }
}

function guarded(id, action) {
  return async (event) => {
    try {
      await action(event);
    } catch (error) {
      say(id, explained(error), true);
    }
  };
}

$("device-request-in").addEventListener("input", voidPreview);
$("device-request-button").addEventListener("click", guarded("device-new-message", makeRequest));
$("device-preview-button").addEventListener("click", guarded("device-message", preview));
$("device-confirm-button").addEventListener("click", guarded("device-message", signAndPublish));
