// The statement page's own check: the reader's browser fetches the proof bundle
// and verifies it with WebCrypto (Ed25519 + SHA-256), not trusting the server's
// verdict. The server-rendered page stands without this; it only adds to it.
import { verifyBundle } from "/static/firsthand/js/verify.js";
import { localDigits, message } from "./page-messages.js";

const box = document.getElementById("browser-check");

async function supportsEd25519() {
  try {
    await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    return true;
  } catch {
    return false;
  }
}

function setStatus(text, state) {
  const status = box.querySelector(".status");
  status.textContent = text;
  status.className = `status verdict ${state}`;
}

// What a failed check means, in the reader's language (one sentence per check id);
// verify.js's own English detail is kept for whoever reports it, folded away.
function failure(check) {
  const why = document.createElement("div");
  why.className = "check-failure";
  const said = document.createElement("p");
  const meaning = `check-failed-${check.id}`;
  said.textContent = message(meaning) === meaning ? message("check-failed") : message(meaning);
  why.append(said);
  if (check.message) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = message("technical-details");
    const detail = document.createElement("p");
    detail.textContent = check.message;
    detail.lang = "en";
    detail.dir = "ltr";
    details.append(summary, detail);
    why.append(details);
  }
  return why;
}

function showChecks(checks) {
  const list = box.querySelector(".steps");
  list.replaceChildren();
  for (const check of checks) {
    if (check.status === "skipped") continue;
    const item = document.createElement("li");
    item.className = check.status;
    item.dataset.check = check.id;
    const mark = check.status === "ok" ? "✓ " : "✗ ";
    // The witnesses' line names them once the verdict is known (showCosigners); until
    // then, and when the bundle fails, it says what was checked without a list to fill.
    const label = check.id === "witnesses" ? "check-witnesses-verified" : `check-${check.id}`;
    item.textContent = mark + message(label);
    if (check.status !== "ok") item.append(failure(check));
    list.append(item);
  }
}

function showCosigners(result) {
  const item = box.querySelector('.steps li[data-check="witnesses"]');
  if (!item || !result.verdict) return;
  // Each name in a first-strong isolate: a Latin host name inside a Persian sentence.
  const names = result.verdict.cosigned_by.map((c) => `\u2068${c.witness}\u2069`);
  item.textContent = names.length
    ? "✓ " + message("check-witnesses", { names: names.join(", ") })
    : "– " + message("check-witnesses-none");
}

async function check() {
  if (!box || !window.crypto?.subtle || !(await supportsEd25519())) {
    if (box) setStatus(message("unsupported"), "failed");
    return;
  }
  setStatus(message("checking"), "working");
  let bundle;
  try {
    const response = await fetch(box.dataset.bundleUrl, { credentials: "omit", cache: "no-store" });
    if (!response.ok) throw new Error(message("server-error", { status: localDigits(response.status) }));
    bundle = await response.json();
  } catch (error) {
    setStatus(message("fetch-failed", { error: error.message }), "failed");
    return;
  }
  const witnesses = (box.dataset.witnessKeys || "").split(" ").filter(Boolean);
  const result = await verifyBundle(bundle, box.dataset.logKey, {
    operatorKey: box.dataset.operatorKey || undefined,
    witnesses,
    quorum: 0, // a reader's own quorum is for `firsthand verify`; here we show who cosigned
  });
  showChecks(result.checks);
  showCosigners(result);
  const stolen = result.valid ? result.verdict.stolen_key : null;
  if (stolen) {
    // Verified, and the bundle carries the author's revocation of the key: not their words.
    setStatus(message("stolen-key", { since: localDigits(stolen.since), index: localDigits(stolen.by_index) }), "failed");
    box.dataset.verified = "stolen";
    return;
  }
  setStatus(message(result.valid ? "all-ok" : "failed"), result.valid ? "ok" : "failed");
  box.dataset.verified = result.valid ? "yes" : "no";
}

// A printed proof's QR code links here with "#leaf=<hash>" (pages/printable.py): say
// whether the paper names this very statement, so a misprinted or forged sheet shows.
function compareLinkedLeaf() {
  const note = document.getElementById("linked-leaf");
  const linked = new URLSearchParams(window.location.hash.slice(1)).get("leaf");
  if (!note || !linked) return;
  const same = linked.toLowerCase() === note.dataset.leafHash;
  note.textContent = same ? note.dataset.same : note.dataset.different;
  note.className = same ? "hint" : "warning";
  note.dataset.matches = same ? "yes" : "no";
  note.hidden = false;
}

compareLinkedLeaf();
check();
