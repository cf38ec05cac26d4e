// Translated messages for page scripts: the server renders them into a JSON
// <script type="application/json" id="messages"> (never executed, so the CSP allows it).
let cached = null;

export function message(id, values = {}) {
  if (cached === null) {
    const element = document.getElementById("messages");
    cached = element ? JSON.parse(element.textContent) : {};
  }
  let text = cached[id] ?? id;
  for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

/**
 * `value` to put into a message where no <bdi> can go (plain text, an attribute): on a
 * right-to-left page, between Unicode's first-strong isolate and its end (U+2068, U+2069),
 * so that a file name, a key's name or a media type keeps its own order.
 */
export function isolate(value) {
  return document.documentElement.dir === "rtl" ? `\u2068${value}\u2069` : String(value);
}

/** Digits as the page's language writes them (Persian digits on Persian pages). */
export function localDigits(value) {
  const text = String(value);
  if (document.documentElement.lang !== "fa") return text;
  return text.replace(/[0-9]/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[Number(d)]);
}

// The errors of the shared modules (keys.js, note.js: English, like the CLI's) whose
// shape is known, by the page message that says the same in the page's language.
const KNOWN_ERRORS = [
  [/^wrong passphrase or damaged key file$/, "key-file-wrong"],
  [/^the key name .* contains the space (?<code>U\+[0-9A-F]{4,6})$/, "name-space"],
  [/^the key name .* contains the character (?<code>U\+[0-9A-F]{4,6})$/, "name-character"],
  [/^this key file is sealed with a passphrase; enter it to open the file$/, "key-file-sealed"],
  [/^enter the key file's passphrase$/, "key-file-sealed"],
];
// Errors thrown by firsthand's own modules rather than by the page or the server.
const MODULE_ERRORS = new Set(["KeyFileError", "MalformedNote", "NoteError", "StatementError", "ProofError", "TypeError"]);

/** Whether `error` is a browser's refusal of Ed25519 ("Algorithm: Unrecognized name"). */
export function isMissingEd25519(error) {
  return error?.name === "NotSupportedError" || /Unrecognized name|not supported/i.test(String(error?.message));
}

/**
 * What went wrong, in the page's language. The page's own messages and the server's
 * answers (asked for in the page's language) are shown as they are; a browser without
 * Ed25519 and the shared modules' English errors are said in the page's language.
 */
export function explained(error) {
  if (isMissingEd25519(error)) return message("no-ed25519");
  const text = error?.message || String(error);
  if (document.documentElement.lang === "en") return text;
  for (const [pattern, id] of KNOWN_ERRORS) {
    const found = text.match(pattern);
    if (found) return message(id, found.groups || {});
  }
  if (error?.name === "KeyFileError") return message("key-file-refused");
  if (MODULE_ERRORS.has(error?.name)) return message("browser-error", { error: text });
  return text;
}

let probed = null;

/** Whether this browser's WebCrypto signs with Ed25519 (Chromium 137, Firefox 129, Safari 17). */
export function canSignEd25519() {
  probed ??= globalThis.crypto?.subtle
    ? globalThis.crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]).then(
        () => true,
        () => false,
      )
    : Promise.resolve(false);
  return probed;
}

/**
 * On a page that signs: when this browser cannot, say why in `box` and disable the
 * buttons that would sign or make a key (reading and verifying go on as before).
 */
export async function refuseSigningWithoutEd25519(box, buttons) {
  if (await canSignEd25519()) return true;
  box.textContent = message("no-ed25519");
  box.classList.add("error");
  for (const button of buttons) button.disabled = true;
  return false;
}
