// "Recover with my trusted contacts" (docs/recovery.md, "Trusted contacts"). A social recovery
// is signed by the new key, then by each contact it lists, over the same text; no key leaves
// its browser:
//   1. in the author's new browser, a new key is made and kept; it signs a `social-recovery`
//      of the lost key listing the contacts to ask, and the page shows that half-signed file
//      (the "request") and a link carrying it in the URL fragment, which browsers never send;
//   2. each contact opens the link (or pastes the request) here, with their own key kept in
//      their browser; the page says in plain words whose identity moves to which new key and
//      from when, and on a click their key signs the very text; they send the line back;
//   3. the author pastes the lines, the page puts them in the order of the contact lines
//      (the canonical head), checks each, and publishes.
// A request is a stranger's text until checked: the page reads what it says from the signed
// head (never from the message under it), and refuses a request that does not list this
// contact, is not a social recovery, or is not signed by the new key it names.
import { base64Decode, base64Encode, concatBytes, utf8Decode, utf8Encode } from "/static/firsthand/js/encoding.js";
import { fingerprint, groupedFingerprint } from "/static/firsthand/js/identity.js";
import { generateIdentity, loadIdentity, saveIdentity, sealKeyFile } from "/static/firsthand/js/keys.js";
import { encodeNote, parseNote, signatureLine, signNote, Verifier, verifyNote } from "/static/firsthand/js/note.js";
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
  withSigner,
} from "./page-signing.js";

const MIN_PASSPHRASE = 12;
const $ = (id) => document.getElementById(id);
const prefix = document.documentElement.lang === "fa" ? "/fa" : "";
const pageLang = document.documentElement.lang === "fa" ? "fa" : "en";
const persianDigits = (text) => text.replace(/[۰-۹]/g, (d) => String("۰۱۲۳۴۵۶۷۸۹".indexOf(d)));
let pending = null; // {text, identity}: what the contact's preview shows, not signed
let edits = 0;

function say(id, text, isError = false) {
  const box = $(id);
  box.textContent = text;
  box.classList.toggle("error", isError);
}

const fragmentText = (bytes) => base64Encode(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromFragment = (text) => base64Decode(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));

async function authorOf(wanted) {
  const response = await fetch(`/api/v1/authors/${wanted}`, { credentials: "omit" });
  return response.ok ? response.json() : null;
}

/** A request as a file: its note (the new key's line, maybe contacts' too), head and body. */
async function readRequest(text) {
  try {
    const [headBytes, bodyBytes] = splitStatementFile(utf8Encode(text.replace(/\r\n?/g, "\n")));
    const note = parseNote(headBytes);
    const head = await parseHeadText(note.text);
    if (head.kind !== "social-recovery" || head.subject === null) throw new Error("not a social recovery");
    // The new key (its author) must have signed it: the new key's holder asks, no one else.
    await verifyNote(note, [head.author]);
    return { note, head, body: utf8Decode(bodyBytes) };
  } catch {
    throw new Error(message("social-request-invalid"));
  }
}

// --- 1. The author's new browser: the new key and the request -------------------------------

async function findContacts() {
  say("social-new-message", "");
  const wanted = $("social-lost").value.replace(/[\s-]/g, "").toLowerCase();
  const author = /^[0-9a-f]{64}$/.test(wanted) ? await authorOf(wanted) : null;
  if (author === null) throw new Error(message("social-lost-unknown"));
  if (!author.contacts) throw new Error(message("social-no-contacts"));
  $("social-contacts").value = author.contacts.contacts.join("\n");
  say(
    "social-new-message",
    message("social-contacts-found", { k: localDigits(author.contacts.threshold), n: localDigits(author.contacts.contacts.length) }),
  );
}

/** A contact's key: its verifier key as given, or the key this site logged under the fingerprint. */
async function contactKey(text, line) {
  if (text.includes("+")) {
    try {
      return await Verifier.fromText(text);
    } catch {
      throw new Error(message("contact-unknown", { line: localDigits(line) }));
    }
  }
  const wanted = text.replace(/[\s-]/g, "").toLowerCase();
  const author = /^[0-9a-f]{64}$/.test(wanted) ? await authorOf(wanted) : null;
  for (const key of author?.keys ?? []) {
    const verifier = await Verifier.fromText(key);
    if ((await fingerprint(verifier)) === wanted) return verifier;
  }
  throw new Error(message("contact-unknown", { line: localDigits(line) }));
}

async function lostKey(wanted) {
  const author = /^[0-9a-f]{64}$/.test(wanted) ? await authorOf(wanted) : null;
  for (const key of author?.keys ?? []) {
    const verifier = await Verifier.fromText(key);
    if ((await fingerprint(verifier)) === wanted) return verifier;
  }
  throw new Error(message("social-lost-unknown"));
}

// Making the new key and its signature on the request is not a signature in anyone else's
// name: the new key signs only the statement that hands the identity to itself, right after
// it is made (as a device key signs its request on "Add a device").
async function makeRequest() {
  say("social-new-message", "");
  const lost = await lostKey($("social-lost").value.replace(/[\s-]/g, "").toLowerCase());
  const lines = $("social-contacts")
    .value.split("\n")
    .map((line, i) => [line.trim(), i + 1])
    .filter(([line]) => line);
  if (lines.length === 0) throw new Error(message("contacts-missing"));
  const contacts = [];
  for (const [line, number] of lines) contacts.push(await contactKey(line, number));
  const from = persianDigits($("social-from").value.trim());
  if (from && !/^(0|[1-9][0-9]{0,15})$/.test(from)) throw new Error(message("social-from-invalid"));
  const name = $("social-name").value.trim();
  if (!name) throw new Error(message("name-missing"));
  checkName(name);
  const passphrase = $("social-passphrase").value;
  if (passphrase.length < MIN_PASSPHRASE) throw new Error(message("passphrase-too-short", { n: localDigits(MIN_PASSPHRASE) }));
  const body = $("social-text").value.replace(/\r\n?/g, "\n");
  if (!body.trim()) throw new Error(message("rotation-text-missing"));
  if ((await loadIdentity()) !== null && !window.confirm(message("replace-key"))) return;
  const key = await generateIdentity(name);
  try {
    const prepared = await prepareStatement(await key.verifier(), body, {
      kind: "social-recovery",
      lang: pageLang,
      subject: lost,
      contacts,
      revokedFrom: from ? from : null,
    });
    const sealed = await sealKeyFile(key, passphrase);
    const half = await signNote(prepared.text, key);
    await saveIdentity(key, { sealedKeyFile: sealed, keepSigningKey: askEveryTime() !== true });
    $("social-passphrase").value = "";
    const file = concatBytes(half, new Uint8Array([0x0a]), utf8Encode(prepared.body));
    $("social-request-out").value = utf8Decode(file);
    $("social-collect-request").value = utf8Decode(file);
    const link = $("social-link");
    // The fragment (after #) stays in the browser: it is never sent to any server.
    link.href = `${location.origin}${prefix}/identity/social-recovery#request=${fragmentText(file)}`;
    link.textContent = message("social-link-text");
    link.hidden = false;
    say("social-new-message", message("social-request-made"));
    const download = document.createElement("button");
    download.type = "button";
    download.id = "social-export-button";
    download.textContent = message("download-key");
    download.addEventListener("click", () => downloadKeyFile(sealed, name));
    $("social-new-message").after(download);
  } finally {
    key.forget();
  }
}

// --- 2. A contact's browser: what is asked, in plain words, then their line -----------------

function voidPreview() {
  edits += 1;
  pending = null;
  $("social-preview").hidden = true;
  $("social-line-out").value = "";
  for (const id of ["social-summary", "social-head", "social-body", "social-warning"]) $(id).textContent = "";
}

async function preview() {
  voidPreview();
  const startedAt = edits;
  say("social-cosign-message", "");
  const identity = await loadKeptIdentity();
  if (identity === null) throw new Error(message("no-key-here"));
  const { note, head, body } = await readRequest($("social-request-in").value);
  const me = await fingerprint(await identity.signer.verifier());
  const lost = await fingerprint(head.subject);
  const newKey = await fingerprint(head.author);
  if (me === lost || me === newKey) throw new Error(message("social-own-key"));
  const listed = await Promise.all(head.contacts.map((c) => fingerprint(c)));
  if (!listed.includes(me)) throw new Error(message("social-not-listed"));
  // What the site knows of the lost key: the name it shows, and whether it named this contact.
  const known = await authorOf(lost);
  if (edits !== startedAt) return;
  const shownAs = known?.profile?.name ? message("social-shown-as", { name: known.profile.name }) : "";
  const from =
    head.revokedFrom === null
      ? message("social-from-now")
      : message("social-from-index", { index: localDigits(String(head.revokedFrom)) });
  const summary = [
    message("social-summary-lost", { name: head.subject.name, fingerprint: groupedFingerprint(lost) }) + shownAs,
    message("social-summary-new", { name: head.author.name, fingerprint: groupedFingerprint(newKey) }),
    from,
  ];
  $("social-summary").replaceChildren(
    ...summary.map((line) => {
      const item = document.createElement("li");
      item.textContent = line;
      return item;
    }),
  );
  const warnings = [message("social-ask-them")];
  if (known === null) warnings.push(message("social-lost-unknown-here"));
  else if (!(known.contacts?.contacts ?? []).includes(me)) warnings.push(message("social-not-named-here"));
  $("social-warning").textContent = warnings.join(" ");
  $("social-head").textContent = note.text;
  $("social-body").textContent = body;
  $("social-passphrase-step").hidden = !needsPassphrase(identity);
  $("social-preview").hidden = false;
  pending = { text: note.text, identity };
  $("social-preview-heading").focus({ preventScroll: true });
}

// THE SIGNING RULE (page-signing.js): the contact's key signs here and nowhere else, in the
// click handler of "Sign with my key" under the preview, for a person's click, and only the
// text the preview shows.
async function cosign(event) {
  requireGesture(event);
  const current = pending;
  if (current === null || $("social-preview").hidden || $("social-head").textContent !== current.text) {
    throw new Error(message("preview-first"));
  }
  const own = await withSigner(current.identity, $("social-own-passphrase"), (signer) => signNote(current.text, signer));
  $("social-line-out").value = signatureLine(parseNote(own).signatures[0]).trimEnd();
  say("social-cosign-message", message("social-line-made"));
}

// --- 3. The author's browser again: the lines, in order, then publish -----------------------

async function publish() {
  say("social-collect-message", "");
  const { note, head, body } = await readRequest($("social-collect-request").value);
  const given = $("social-lines")
    .value.split("\n")
    .map((line) => line.trim())
    .filter((line) => line);
  let lines = [];
  try {
    lines = parseNote(utf8Encode(`${note.text}\n${given.join("\n")}\n`)).signatures;
  } catch {
    throw new Error(message("social-lines-invalid"));
  }
  const signatures = [note.signatures[0]];
  const missing = [];
  for (const contact of head.contacts) {
    let found = null;
    for (const line of [...lines, ...note.signatures.slice(1)]) {
      try {
        await verifyNote({ text: note.text, signatures: [line] }, [contact]);
        found = line;
        break;
      } catch {
        // another contact's line, or not a line of this request
      }
    }
    if (found === null) missing.push(`${contact.name} (${groupedFingerprint(await fingerprint(contact)).slice(0, 9)})`);
    else signatures.push(found);
  }
  if (missing.length > 0) throw new Error(message("social-lines-missing", { names: missing.join(", ") }));
  const headBytes = encodeNote({ text: note.text, signatures });
  const statement = await readStatement(concatBytes(headBytes, new Uint8Array([0x0a]), utf8Encode(body)));
  const answer = await postStatement(statement.fileBytes);
  const [before, after = ""] = message("social-done").split("{index}");
  const link = document.createElement("a");
  link.href = `${prefix}/statements/${answer.index}`;
  link.id = "social-statement";
  link.textContent = localDigits(answer.index);
  $("social-collect-message").replaceChildren(before, link, after);
  $("social-collect-message").classList.remove("error");
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

// A link with the request in its fragment: read it, then take it out of the address bar
// (on load, and when a second link is followed in the same tab).
function readFragment() {
  const fragment = /^#request=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (fragment === null) return;
  voidPreview();
  say("social-cosign-message", "");
  try {
    $("social-request-in").value = utf8Decode(fromFragment(fragment[1]));
  } catch {
    say("social-cosign-message", message("social-request-invalid"), true);
  }
  history.replaceState(null, "", location.pathname + location.search);
  $("social-cosign").scrollIntoView();
}
readFragment();
window.addEventListener("hashchange", readFragment);
$("social-request-in").addEventListener("input", voidPreview);
$("social-find-button").addEventListener("click", guarded("social-new-message", findContacts));
$("social-request-button").addEventListener("click", guarded("social-new-message", makeRequest));
$("social-preview-button").addEventListener("click", guarded("social-cosign-message", preview));
$("social-sign-button").addEventListener("click", guarded("social-cosign-message", cosign));
$("social-publish-button").addEventListener("click", guarded("social-collect-message", publish));
