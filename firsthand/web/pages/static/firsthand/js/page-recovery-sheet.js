// The recovery sheet on "My key": a new identity's recovery key, shown once as 24 words
// and a QR code of them, with the author's fingerprint, to print or write down
// (docs/recovery.md). The recovery key's secret lives only in this page's DOM while the
// sheet is shown; once the author ticks "I have saved my recovery sheet" the words are
// removed and only the recovery key's public half stays in the browser (keys.js
// savePendingRecovery), for the first statement's `recovery` line.
import { generateIdentity, savePendingRecovery } from "/static/firsthand/js/keys.js";
import { wordsFromSeed } from "/static/firsthand/js/recovery-words.js";
import qrcode from "/static/firsthand/js/vendor/qrcode.mjs";
import { showFingerprint } from "./page-signing.js";

// The recovery key's name plays no part in recovery (the site compares fingerprints);
// a fixed one means the 24 words alone rebuild the very key.
export const RECOVERY_KEY_NAME = "recovery";
const SVG = "http://www.w3.org/2000/svg";
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
    $("sheet-qr").replaceChildren(qrSvg(words.join(" ")));
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

// A QR code (byte mode, error correction M, smallest version that fits) drawn as one SVG
// path: no data: URL, no inline style, so the site's CSP allows it, and it prints sharp.
function qrSvg(text) {
  const code = qrcode(0, "M");
  code.addData(text, "Byte");
  code.make();
  const size = code.getModuleCount();
  const quiet = 4;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${size + 2 * quiet} ${size + 2 * quiet}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-labelledby", "sheet-qr-caption");
  svg.setAttribute("shape-rendering", "crispEdges");
  const background = document.createElementNS(SVG, "rect");
  background.setAttribute("width", "100%");
  background.setAttribute("height", "100%");
  background.setAttribute("fill", "#fff");
  const dark = [];
  for (let row = 0; row < size; row += 1) {
    for (let col = 0; col < size; col += 1) {
      if (code.isDark(row, col)) dark.push(`M${col + quiet} ${row + quiet}h1v1h-1z`);
    }
  }
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", dark.join(""));
  path.setAttribute("fill", "#000");
  svg.append(background, path);
  return svg;
}
