// What every page that signs shares (the write page, the key rotation on "My key").
//
// THE SIGNING RULE (issue 16). A signature is made only
//   1. over a text the author was shown as a preview, exactly: the head's note text
//      (every byte the signature covers) and the body it names; editing anything after
//      the preview voids it, and it must be shown again;
//   2. in the click handler of the confirmation button under that preview ("Sign and
//      publish"), for a click by the person: requireGesture(event) checks event.isTrusted,
//      so a script that calls the page's functions, or clicks the button itself, signs
//      nothing.
// Pages call signPrepared (statement.js) nowhere else. Each call site repeats this rule.
//
// The setting "Ask for my passphrase every time I sign" (localStorage, beside the key
// kept in IndexedDB): when on, the browser keeps only the sealed key file; each signature
// opens it with the passphrase typed in the confirmation step and forgets it after.
import { checkLabel, fingerprint, groupedFingerprint, InvisibleCharacter } from "/static/firsthand/js/identity.js";
import {
  forgetPendingRecovery,
  KeyFileError,
  loadIdentity,
  loadPendingRecovery,
  saveIdentity,
  unlockIdentity,
} from "/static/firsthand/js/keys.js";
import { localDigits, message } from "./page-messages.js";

const SETTING = "firsthand.passphrase-every-time";

/** The setting: true, false, or null when this browser refuses storage (then the kept key decides). */
export function askEveryTime() {
  try {
    return localStorage.getItem(SETTING) === "yes";
  } catch {
    return null;
  }
}

export function setAskEveryTime(on) {
  if (on) localStorage.setItem(SETTING, "yes");
  else localStorage.removeItem(SETTING);
}

/**
 * The identity kept in this browser (keys.js loadIdentity), made to follow the setting:
 * when the passphrase is asked every time, no signing key stays kept, only the sealed file.
 */
export async function loadKeptIdentity() {
  const identity = await loadIdentity();
  if (identity !== null && askEveryTime() === true && !identity.sealed && identity.sealedKeyFile) {
    await saveIdentity(identity.signer, { sealedKeyFile: identity.sealedKeyFile, keepSigningKey: false });
    return loadIdentity();
  }
  return identity;
}

/** Whether a signature by this identity needs the passphrase, typed in the confirmation step. */
export function needsPassphrase(identity) {
  return identity.sealed || askEveryTime() === true;
}

/** Refuse to go on unless a person clicked (the signing rule, above). */
export function requireGesture(event) {
  if (!(event instanceof Event) || !event.isTrusted) throw new Error(message("sign-by-click"));
}

/**
 * Call sign(signer) with the identity's signer: the key kept in this browser, or, when
 * the passphrase is asked, the key opened from the sealed file with the passphrase in
 * `passphraseInput` and forgotten as soon as sign returns. The field is emptied.
 */
export async function withSigner(identity, passphraseInput, sign) {
  if (!needsPassphrase(identity)) return sign(identity.signer);
  const passphrase = passphraseInput.value;
  passphraseInput.value = "";
  if (!passphrase) throw new Error(message("passphrase-needed"));
  let signer;
  try {
    signer = await unlockIdentity(identity, passphrase);
  } catch (error) {
    if (error instanceof KeyFileError) throw new Error(message("passphrase-wrong"));
    throw error;
  }
  try {
    // The setting was turned off while the key was kept sealed: keep it unlocked again.
    if (askEveryTime() === false) await saveIdentity(signer, { sealedKeyFile: identity.sealedKeyFile });
    return await sign(signer);
  } finally {
    signer.forget();
  }
}

/** checkLabel with the page's own message: a key name or display name without invisible characters. */
export function checkName(label) {
  try {
    checkLabel(label, "the name");
  } catch (error) {
    if (error instanceof InvisibleCharacter) {
      throw new Error(message("invisible-character", { code: error.codePoint, position: localDigits(error.position) }));
    }
    throw error;
  }
}

/** Show a key's fingerprint in `element`, in groups of four, left to right on any page. */
export async function showFingerprint(element, key) {
  element.textContent = groupedFingerprint(await fingerprint(key));
  element.setAttribute("dir", "ltr");
}

/** POST a signed statement file; the server's answer ({index, ...}) or an Error with its message. */
export async function postStatement(fileBytes) {
  const response = await fetch("/api/v1/statements", {
    method: "POST",
    credentials: "omit",
    // The API's refusals in this page's language (its path names none).
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Accept-Language": document.documentElement.lang || "en",
    },
    body: fileBytes,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || message("server-error", { status: localDigits(response.status) }));
  return data;
}

/**
 * The recovery key (verifier key text) this identity's first statement must name, or
 * null when it names none (docs/recovery.md). Until the author has said their recovery
 * sheet is saved, nothing is signed: the statement would commit to words no one kept.
 */
export async function pendingRecoveryKey(identity) {
  const pending = await loadPendingRecovery(identity.signer);
  if (pending === null) return null;
  if (!pending.sheetSaved) throw new Error(message("sheet-not-saved"));
  return pending.recoveryKey;
}

/** The server logged a statement naming the recovery key: it is named for good. */
export async function recoveryKeyNamed(prepared) {
  if (prepared.head.recovery !== null) await forgetPendingRecovery();
}

/** Offer `text` as a file `<name>.key` to download (a sealed key file). */
export function downloadKeyFile(text, name) {
  const blob = new Blob([text], { type: "text/plain;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${name}.key`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
