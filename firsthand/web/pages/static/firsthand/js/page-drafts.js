// Drafts on the "Write" page: what the author has typed, kept in this browser until it
// is published or discarded, and only while this browser holds the author's key.
//
// A draft is encrypted with AES-256-GCM under a key made for drafts alone
// (WebCrypto generateKey, not extractable: page scripts can use it, not read it out),
// kept in IndexedDB beside the author's public key. The author's public key is the
// additional data, so a draft opens only for the key it was written under. It is not
// derived from the signing key: the browser keeps that non-extractable, or (with "ask
// for my passphrase") not at all, and a draft should not need the passphrase.
//
// What this protects: a draft is never on the disk as plain text, and forgetting the
// key forgets the drafts (forgetDrafts, called when the key is removed and whenever
// the write page finds no key), which leaves only ciphertext whose key is gone. What it
// does not: whoever can use this browser profile while the key is in it can open the
// page and read the draft, as they could sign. Without a key nothing is kept, since a
// plain-text testimony left on a phone is what a person at risk least wants found.
// Photos are not part of a draft: they are added again.

const DB_NAME = "firsthand-drafts";
const STORE = "drafts";
const KEY = "key"; // {author, key: CryptoKey}
const DRAFT = "current"; // {author, iv, data}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withStore(mode, action) {
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  const db = await request(open);
  try {
    const tx = db.transaction(STORE, mode);
    const done = new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    const result = await request(action(tx.objectStore(STORE)));
    await done;
    return result;
  } finally {
    db.close();
  }
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

// The drafts key of this author, made on first use; another author's is replaced.
async function draftKey(author, { create }) {
  const kept = await withStore("readonly", (store) => store.get(KEY));
  if (kept && kept.author === author) return kept.key;
  if (!create) return null;
  const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  await withStore("readwrite", (store) => store.put({ author, key }, KEY));
  await withStore("readwrite", (store) => store.delete(DRAFT)); // another key's draft
  return key;
}

/** Keep `fields` (an object of strings) as the draft of `signer` (its public key binds it). */
export async function saveDraft(signer, fields) {
  const author = hex(signer.publicKey);
  const key = await draftKey(author, { create: true });
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify({ ...fields, savedAt: new Date().toISOString() }));
  const additionalData = new TextEncoder().encode(`firsthand draft v1 ${author}`);
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData }, key, plain);
  await withStore("readwrite", (store) => store.put({ author, iv, data }, DRAFT));
}

/** The draft `signer` left here ({...fields, savedAt}), or null. */
export async function loadDraft(signer) {
  const author = hex(signer.publicKey);
  const record = await withStore("readonly", (store) => store.get(DRAFT));
  if (!record || record.author !== author) return null;
  const key = await draftKey(author, { create: false });
  if (key === null) return null;
  const additionalData = new TextEncoder().encode(`firsthand draft v1 ${author}`);
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: record.iv, additionalData }, key, record.data);
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return null; // not this key's, or damaged: nothing to restore
  }
}

/** Drop the draft (published or discarded); the drafts key stays for the next one. */
export async function discardDraft() {
  await withStore("readwrite", (store) => store.delete(DRAFT));
}

/** Forget the drafts and their key: the author's key is gone from this browser. */
export async function forgetDrafts() {
  await withStore("readwrite", (store) => store.clear());
}
