// Author keys in the browser: make them, write and read the CLI's key files (plain or
// sealed with a passphrase), and keep one identity in IndexedDB.
//
// A plain key file is firsthand/statements/keys.py's key_file_text: three comment lines,
// then Go's private key form PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || seed)>.
//
// A sealed key file (firsthand/statements/sealed_keys.py reads and writes the same) keeps
// comment lines, then one line:
//
//   FIRSTHAND-SEALED-KEY-V1+<iterations>+<base64(salt(16) || nonce(12) || ciphertext+tag)>
//
// key       = PBKDF2-HMAC-SHA256(UTF-8(NFC(passphrase)), salt, iterations, 32 bytes)
// sealed    = AES-256-GCM(key, nonce, plaintext = the PRIVATE+KEY text, ASCII, no newline,
//                         additional data = "FIRSTHAND-SEALED-KEY-V1+<iterations>")
//
// Iterations default to 600,000 (OWASP's 2023 figure for PBKDF2-HMAC-SHA256). A reader
// accepts 600,000 to 10,000,000: fewer is a weak file, more would hang the page. Only
// the explicit test-only option insecureTestIterations lowers either number.
// The passphrase is NFC-normalised so the same words typed on another keyboard open it.

import { base64Decode, base64Encode, concatBytes, hexEncode, utf8Decode, utf8Encode } from "./encoding.js";
import { checkClaimedId, checkKeyName, ED25519, keyId, MalformedNote, parseKeyFields, Verifier } from "./note.js";

export const SEALED_PREFIX = "FIRSTHAND-SEALED-KEY-V1+";
export const ITERATIONS = 600_000;
export const MAX_ITERATIONS = 10_000_000;
const SALT_SIZE = 16;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
// PKCS#8 (RFC 8410) wrapping of an Ed25519 seed: what WebCrypto imports.
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

const subtle = () => globalThis.crypto.subtle;

/** A key file (plain or sealed) that cannot be read; the message says what to do. */
export class KeyFileError extends Error {
  constructor(message) {
    super(message);
    this.name = "KeyFileError";
  }
}

function fromBase64Url(text) {
  const standard = text.replace(/-/g, "+").replace(/_/g, "/");
  return base64Decode(standard + "=".repeat((4 - (standard.length % 4)) % 4));
}

/**
 * An Ed25519 signing key with its name. The seed is kept only when the key was made or
 * read from a file here; a signer loaded from IndexedDB signs but cannot be exported.
 */
export class Signer {
  #seed;

  constructor(name, publicKey, keyIdBytes, privateKey, seed) {
    this.name = name;
    this.publicKey = publicKey;
    this.keyId = keyIdBytes;
    this.privateKey = privateKey;
    this.#seed = seed;
    Object.freeze(this);
  }

  get canExport() {
    return this.#seed !== null;
  }

  /** The 32-byte secret seed: never log it, never send it. */
  seed() {
    if (this.#seed === null) {
      throw new KeyFileError("this key was kept in the browser without its secret; open your key file to export it");
    }
    return this.#seed.slice();
  }

  async sign(message) {
    if (this.privateKey === null) {
      throw new KeyFileError("this key is kept sealed in this browser; enter your passphrase to sign");
    }
    return new Uint8Array(await subtle().sign({ name: "Ed25519" }, this.privateKey, message));
  }

  /** Zero the seed kept here (if any): after one signature, a key opened for it is dropped. */
  forget() {
    this.#seed?.fill(0);
    this.#seed = null;
  }

  async verifier() {
    return Verifier.create(this.name, this.publicKey);
  }
}

/** The signer whose secret is a 32-byte Ed25519 seed. */
export async function signerFromSeed(name, seed) {
  checkKeyName(name);
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new MalformedNote(`an Ed25519 private key seed has 32 bytes, not ${seed?.length}`);
  }
  // Extractable only long enough to read the public key back (JWK "x"): WebCrypto
  // has no other way to derive it from the seed.
  const pkcs8 = concatBytes(PKCS8_PREFIX, seed);
  const probe = await subtle().importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
  const publicKey = fromBase64Url((await subtle().exportKey("jwk", probe)).x);
  const privateKey = await subtle().importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
  const id = await keyId(name, concatBytes(new Uint8Array([ED25519]), publicKey));
  return new Signer(name, publicKey, id, privateKey, seed.slice());
}

/** A new identity: a fresh Ed25519 key from the browser's CSPRNG, named `name`. */
export async function generateIdentity(name) {
  checkKeyName(name);
  const pair = await subtle().generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const jwk = await subtle().exportKey("jwk", pair.privateKey);
  return signerFromSeed(name, fromBase64Url(jwk.d));
}

/** Go's private key text: PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || seed)>. Secret. */
export function privateKeyText(signer) {
  const encoded = base64Encode(concatBytes(new Uint8Array([ED25519]), signer.seed()));
  return `PRIVATE+KEY+${signer.name}+${hexEncode(signer.keyId)}+${encoded}`;
}

/** Read Go's private key text. Messages never quote it: it holds the seed. */
export async function parsePrivateKey(text) {
  const fields = typeof text === "string" ? text.split("+") : [];
  if (fields.length < 5 || fields[0] !== "PRIVATE" || fields[1] !== "KEY") {
    throw new MalformedNote("a private key has the form PRIVATE+KEY+<name>+<key ID>+<base64>");
  }
  const encoded = fields.slice(4).join("+");
  const { claimed, key } = parseKeyFields(fields[2], fields[3], encoded, "the private key");
  const signer = await signerFromSeed(fields[2], key);
  checkClaimedId(signer.name, signer.keyId, claimed, "the private key");
  return signer;
}

/** The plain key file, byte for byte what `firsthand keygen` writes (keys.key_file_text). */
export async function keyFileText(signer) {
  return (
    `# firsthand author key for ${signer.name}.\n` +
    "# Keep it secret: whoever holds this file can sign statements as you.\n" +
    `# Your public verifier key: ${(await signer.verifier()).text}\n` +
    `${privateKeyText(signer)}\n`
  );
}

// Python's str.splitlines() and str.strip(), so a file reads here as read_key_file reads it.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
const PY_SPACE = "[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, "g");

function keyLines(text) {
  const lines = text.split(LINE_BREAK);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines.map((ln) => [ln, ln.replace(PY_STRIP, "")]).filter(([ln, s]) => s && !ln.startsWith("#"));
}

/** True when the key file text is sealed with a passphrase (so ask for one). */
export function isSealedKeyFile(text) {
  const lines = typeof text === "string" ? keyLines(text) : [];
  return lines.length === 1 && lines[0][1].startsWith(SEALED_PREFIX);
}

/**
 * The signer in a key file's text, plain or sealed. A sealed file needs
 * options.passphrase. KeyFileError says what to fix.
 */
export async function parseKeyFile(text, options = {}) {
  if (typeof text !== "string") throw new KeyFileError("a key file is text");
  const lines = keyLines(text);
  if (lines.length !== 1) throw new KeyFileError("this is not a firsthand key file (one PRIVATE+KEY line)");
  const line = lines[0][1];
  if (line.startsWith(SEALED_PREFIX)) {
    if (typeof options.passphrase !== "string") {
      throw new KeyFileError("this key file is sealed with a passphrase; enter it to open the file");
    }
    return openSealedKeyFile(text, options.passphrase, options);
  }
  try {
    return await parsePrivateKey(line);
  } catch (error) {
    if (error instanceof MalformedNote) throw new KeyFileError(`the key file holds no usable key: ${error.message}`);
    throw error;
  }
}

function checkedIterations(value, floor, what) {
  if (!Number.isSafeInteger(value) || value < floor || value > MAX_ITERATIONS) {
    throw new KeyFileError(`${what} must be ${floor.toLocaleString("en")} to ${MAX_ITERATIONS.toLocaleString("en")}`);
  }
  return value;
}

async function sealingKey(passphrase, salt, iterations, usage) {
  const secret = await subtle().importKey("raw", utf8Encode(passphrase.normalize("NFC")), "PBKDF2", false, [
    "deriveKey",
  ]);
  return subtle().deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    secret,
    { name: "AES-GCM", length: 256 },
    false,
    [usage],
  );
}

/**
 * The sealed key file for `signer`: readable by `firsthand` and by parseKeyFile given
 * the passphrase. options.insecureTestIterations is for tests only.
 */
export async function sealKeyFile(signer, passphrase, options = {}) {
  if (typeof passphrase !== "string" || passphrase === "") {
    throw new KeyFileError("choose a passphrase to seal the key file with");
  }
  const iterations =
    options.insecureTestIterations === undefined
      ? ITERATIONS
      : checkedIterations(options.insecureTestIterations, 1, "the test iteration count");
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(SALT_SIZE));
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(NONCE_SIZE));
  const header = `${SEALED_PREFIX}${iterations}`;
  const key = await sealingKey(passphrase, salt, iterations, "encrypt");
  const sealed = new Uint8Array(
    await subtle().encrypt(
      { name: "AES-GCM", iv: nonce, additionalData: utf8Encode(header) },
      key,
      utf8Encode(privateKeyText(signer)),
    ),
  );
  return (
    `# firsthand author key for ${signer.name}, sealed with a passphrase.\n` +
    "# Keep it safe: whoever holds this file and its passphrase can sign statements as you.\n" +
    `# Your public verifier key: ${(await signer.verifier()).text}\n` +
    `${header}+${base64Encode(concatBytes(salt, nonce, sealed))}\n`
  );
}

/** Open a sealed key file (its whole text, or just its sealed line) with the passphrase. */
export async function openSealedKeyFile(text, passphrase, options = {}) {
  const lines = typeof text === "string" ? keyLines(text) : [];
  if (lines.length !== 1 || !lines[0][1].startsWith(SEALED_PREFIX)) {
    throw new KeyFileError("this is not a sealed firsthand key file (one FIRSTHAND-SEALED-KEY-V1 line)");
  }
  const fields = lines[0][1].slice(SEALED_PREFIX.length).split("+");
  const [count, ...rest] = fields;
  if (fields.length < 2 || !/^[1-9][0-9]{0,8}$/.test(count)) {
    throw new KeyFileError("the sealed key file is damaged: its iteration count is unreadable");
  }
  const floor = options.insecureTestIterations === undefined ? ITERATIONS : options.insecureTestIterations;
  const iterations = checkedIterations(Number(count), floor, "the sealed key file's iteration count");
  let raw;
  try {
    raw = base64Decode(rest.join("+"));
  } catch {
    throw new KeyFileError("the sealed key file is damaged: it is not valid base64");
  }
  if (raw.length < SALT_SIZE + NONCE_SIZE + TAG_SIZE) throw new KeyFileError("the sealed key file is damaged: it is too short");
  if (typeof passphrase !== "string" || passphrase === "") throw new KeyFileError("enter the key file's passphrase");
  const salt = raw.slice(0, SALT_SIZE);
  const nonce = raw.slice(SALT_SIZE, SALT_SIZE + NONCE_SIZE);
  const key = await sealingKey(passphrase, salt, iterations, "decrypt");
  let plain;
  try {
    plain = new Uint8Array(
      await subtle().decrypt(
        { name: "AES-GCM", iv: nonce, additionalData: utf8Encode(`${SEALED_PREFIX}${count}`) },
        key,
        raw.slice(SALT_SIZE + NONCE_SIZE),
      ),
    );
  } catch {
    throw new KeyFileError("wrong passphrase or damaged key file");
  }
  try {
    return await parsePrivateKey(utf8Decode(plain));
  } catch {
    throw new KeyFileError("the sealed key file opened but holds no usable key");
  } finally {
    plain.fill(0);
  }
}

// --- The identity kept in this browser (IndexedDB) ---------------------------------
//
// Choice: we store a NON-extractable signing CryptoKey, the name and public key, and,
// if the page gives it, the SEALED key file text. We never store the seed in clear.
// Risk accepted: script running on our origin (an XSS despite the CSP, or a malicious
// extension) can sign with the stored key while it runs, but cannot read the secret out
// and keep signing later. Exporting later means offering the sealed file, or opening it
// with the passphrase; a person who saved no sealed file must download their key file
// before saving (the page must say so). Anyone with the device's browser profile can
// use the stored key: forgetIdentity on shared computers.
// An author who wants more keeps no signing key at all (saveIdentity's keepSigningKey
// false): only the sealed file, opened with the passphrase for each signature
// (unlockIdentity) and forgotten after it.

const DB_NAME = "firsthand";
const STORE = "identity";
const RECORD = "current";

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function database(indexedDB) {
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  return request(open);
}

async function withStore(mode, action, indexedDB) {
  const db = await database(indexedDB ?? globalThis.indexedDB);
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

/**
 * Keep `signer` in this browser; options.sealedKeyFile (from sealKeyFile) allows export later.
 * With options.keepSigningKey false only the name, the public key and the sealed file are
 * kept: every signature then needs the passphrase (unlockIdentity), and no key that can
 * sign stays here between signatures.
 */
export async function saveIdentity(signer, options = {}) {
  const keepSigningKey = options.keepSigningKey ?? true;
  if (options.sealedKeyFile !== undefined && !isSealedKeyFile(options.sealedKeyFile)) {
    throw new KeyFileError("only a sealed key file can be kept in the browser");
  }
  if (!keepSigningKey && options.sealedKeyFile === undefined) {
    throw new KeyFileError("a key kept without its signing key needs its sealed key file, to open it for each signature");
  }
  let privateKey = null;
  if (keepSigningKey) {
    // A signer made here is extractable for its JWK only; store a key that never is.
    privateKey = signer.canExport
      ? await subtle().importKey("pkcs8", concatBytes(PKCS8_PREFIX, signer.seed()), { name: "Ed25519" }, false, ["sign"])
      : signer.privateKey;
    if (privateKey === null) throw new KeyFileError("this key is kept sealed; open it with its passphrase first");
  }
  const record = {
    version: 1,
    name: signer.name,
    publicKey: signer.publicKey,
    privateKey,
    sealedKeyFile: options.sealedKeyFile ?? null,
    savedAt: new Date().toISOString(),
  };
  await withStore("readwrite", (store) => store.put(record, RECORD), options.indexedDB);
}

/**
 * The identity kept here, {signer, verifierKey, sealedKeyFile, savedAt, sealed}, or null.
 * `sealed` is true when no signing key is kept (saveIdentity's keepSigningKey false):
 * signer.sign then refuses, and unlockIdentity opens the key for one signature.
 */
export async function loadIdentity(options = {}) {
  const record = await withStore("readonly", (store) => store.get(RECORD), options.indexedDB);
  if (!record) return null;
  const verifier = await Verifier.create(record.name, new Uint8Array(record.publicKey));
  const privateKey = record.privateKey ?? null;
  const signer = new Signer(record.name, verifier.publicKey, verifier.keyId, privateKey, null);
  return {
    signer,
    verifierKey: verifier.text,
    sealedKeyFile: record.sealedKeyFile,
    savedAt: record.savedAt,
    sealed: privateKey === null,
  };
}

/**
 * The signer of a kept identity, opened from its sealed key file with the passphrase.
 * The caller signs and then calls signer.forget(): nothing here keeps it.
 */
export async function unlockIdentity(identity, passphrase, options = {}) {
  if (!identity?.sealedKeyFile) throw new KeyFileError("there is no sealed key file in this browser to open");
  const signer = await openSealedKeyFile(identity.sealedKeyFile, passphrase, options);
  const kept = await identity.signer.verifier();
  if (!(await signer.verifier()).equals(kept)) {
    signer.forget();
    throw new KeyFileError("the sealed key file kept here is not the key this browser signs with");
  }
  return signer;
}

/** Erase the identity kept in this browser, and the recovery key it was to name. */
export async function forgetIdentity(options = {}) {
  await withStore("readwrite", (store) => store.delete(RECORD), options.indexedDB);
  await forgetPendingRecovery(options);
}

// --- The recovery key a new identity will name (docs/recovery.md) -------------------
//
// Only its PUBLIC key is kept, beside the identity, until the identity's first statement
// carries it (`recovery <verifier key>`): its secret is on the author's printed sheet and
// nowhere else. `sheetSaved` turns true when the author says the sheet is saved; until
// then the pages sign nothing with the identity.

const PENDING_RECOVERY = "pending-recovery";

/** Keep the recovery key (its verifier key text) that `author`'s first statement will name. */
export async function savePendingRecovery(author, recoveryKey, { sheetSaved = false, indexedDB } = {}) {
  const record = { author: hexEncode(author.publicKey), recoveryKey, sheetSaved };
  await withStore("readwrite", (store) => store.put(record, PENDING_RECOVERY), indexedDB);
}

/** {recoveryKey, sheetSaved} for `author` (a Signer or Verifier), or null when there is none. */
export async function loadPendingRecovery(author, options = {}) {
  const record = await withStore("readonly", (store) => store.get(PENDING_RECOVERY), options.indexedDB);
  if (!record || record.author !== hexEncode(author.publicKey)) return null;
  return { recoveryKey: record.recoveryKey, sheetSaved: record.sheetSaved === true };
}

/** Drop the pending recovery key: the first statement named it, or the identity is gone. */
export async function forgetPendingRecovery(options = {}) {
  await withStore("readwrite", (store) => store.delete(PENDING_RECOVERY), options.indexedDB);
}
