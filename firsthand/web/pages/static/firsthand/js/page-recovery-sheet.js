// The recovery sheet on "My key": a new identity's recovery key, shown once as 24 words
// and a QR code of them, with the author's fingerprint, to print or write down
// (docs/recovery.md). The recovery key's secret lives only in this page's DOM while the
// sheet is shown; once the author ticks "I have saved my recovery sheet" the words are
// removed and only the recovery key's public half stays in the browser (keys.js
// savePendingRecovery), for the first statement's `recovery` line.
import { generateIdentity, savePendingRecovery } from "/static/firsthand/js/keys.js";
import { wordsFromSeed } from "/static/firsthand/js/recovery-words.js";
import { qrSvg } from "./page-qr.js";
import { showFingerprint } from "./page-signing.js";

// The recovery key's name plays no part in recovery (the site compares fingerprints);
// a fixed one means the 24 words alone rebuild the very key.
export const RECOVERY_KEY_NAME = "recovery";
const $ = (id) => document.getElementById(id);

/**
 * Make a recovery key for `author` (a Signer), keep its public key as pending, and show
 * its sheet. Resolves once the sheet is shown; the recovery key's seed is then dropped.
 */
export async function makeRecoverySheet(author) {
  const recovery = await generateIdentity(RECOVERY_KEY_NAME);
  try {
    const words = await wordsFromSeed(recovery.seed());
    await savePendingRecovery(author, (await recovery.verifier()).text);
    await showFingerprint($("sheet-fingerprint"), author);
    $("sheet-words").replaceChildren(
      ...words.map((word) => {
        const item = document.createElement("li");
        item.textContent = word;
        return item;
      }),
    );
    $("sheet-qr").replaceChildren(qrSvg(words.join(" "), "sheet-qr-caption"));
    $("sheet-saved").checked = false;
    $("sheet-lost").hidden = true;
    $("recovery-sheet").hidden = false;
    $("sheet-heading").focus({ preventScroll: true });
    $("recovery-sheet").scrollIntoView({ block: "start" });
  } finally {
    recovery.forget();
  }
}

/** Whether the sheet is on screen now (its words are in the page). */
export function sheetShown() {
  return !$("recovery-sheet").hidden;
}

/** The author ticked "saved": keep that, and take the words out of the page. */
export async function sheetSaved(author, recoveryKey) {
  await savePendingRecovery(author, recoveryKey, { sheetSaved: true });
  clearSheet();
}

export function clearSheet() {
  $("recovery-sheet").hidden = true;
  $("sheet-words").replaceChildren();
  $("sheet-qr").replaceChildren();
  $("sheet-fingerprint").textContent = "";
}
