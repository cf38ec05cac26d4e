// C2SP signed-note v1.0.0 (https://c2sp.org/signed-note@v1.0.0) with Ed25519 keys (type 0x01),
// the browser's twin of firsthand/log/note.py: the same grammar, the same refusals.
//
// A note is UTF-8 text ending in a newline, a blank line, then one line per signature:
// "— <key name> <base64(key ID || signature)>" (em dash U+2014). The key ID is
// SHA-256(name || "\n" || 0x01 || public key)[:4]. Verifier keys are
// "<name>+<hex key ID>+<base64(0x01 || public key)>".
//
// Opening a note: no ASCII control character but newline; the LAST blank line separates
// the text from the signatures (the text may hold blank lines); signatures by unknown
// (name, key ID) pairs are ignored; a known key whose signature fails rejects the whole
// note; at least one known key must verify; at most 100 signature lines (as Go).

import {
  asBytes,
  base64Decode,
  base64Encode,
  bytesEqual,
  concatBytes,
  EncodingError,
  hexDecode,
  hexEncode,
  isWellFormed,
  sha256,
  utf8Decode,
  utf8Encode,
} from "./encoding.js";

export const ED25519 = 0x01;
export const KEY_ID_SIZE = 4;
export const MAX_SIGNATURES = 100;
export const SIGNATURE_PREFIX = "\u2014 "; // em dash, space

export class NoteError extends Error {
  constructor(message) {
    super(message);
    this.name = this.constructor.name;
  }
}
/** The note, a key or a signature line breaks the format. */
export class MalformedNote extends NoteError {}
/** A trusted key's signature does not verify: the note was altered or the key is wrong. */
export class InvalidSignature extends NoteError {}
/** No signature on the note is by a trusted key. */
export class UnverifiedNote extends NoteError {}
/** Two different trusted keys share a name and key ID, so a signature line cannot tell them apart. */
export class AmbiguousKey extends NoteError {}

// The spec bans ASCII control characters other than newline (DEL and C1 controls pass, as
// in Go's note.Open and our Python).
const FORBIDDEN = /[\x00-\x09\x0b-\x1f]/;
// Unicode spaces as Python's str.isspace() and the Z* categories see them (Go's
// unicode.IsSpace is a subset): note.py's check_key_name, character for character.
const SPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

const codePoint = (ch) => "U+" + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");

/** Key names are non-empty, with no Unicode space, no '+' and no control character. */
export function checkKeyName(name) {
  if (typeof name !== "string" || name === "") throw new MalformedNote("a key name cannot be empty");
  if (!isWellFormed(name)) throw new MalformedNote("the key name holds a lone UTF-16 surrogate");
  for (const ch of name) {
    if (ch === "+") {
      throw new MalformedNote(`the key name ${JSON.stringify(name)} contains '+', which separates key fields`);
    }
    if (SPACE.test(ch)) {
      throw new MalformedNote(`the key name ${JSON.stringify(name)} contains the space ${codePoint(ch)}`);
    }
    if (FORBIDDEN.test(ch)) {
      throw new MalformedNote(`the key name ${JSON.stringify(name)} contains the character ${codePoint(ch)}`);
    }
  }
}

function checkCharacters(text, what) {
  const bad = FORBIDDEN.exec(text);
  if (bad) {
    throw new MalformedNote(
      `${what} holds ${codePoint(bad[0])} at character ${bad.index}; ` +
        "a signed note allows no control character but newline",
    );
  }
  if (!isWellFormed(text)) throw new MalformedNote(`${what} holds a lone UTF-16 surrogate`);
}

/** A note's text: non-empty, ends in a newline, no control character but newline. */
export function checkText(text) {
  if (typeof text !== "string" || text === "") throw new MalformedNote("a note's text cannot be empty");
  if (!text.endsWith("\n")) throw new MalformedNote("a note's text must end with a newline");
  checkCharacters(text, "the note's text");
}

function decode64(text, what) {
  try {
    return base64Decode(text);
  } catch {
    throw new MalformedNote(`${what} is not valid base64`);
  }
}

/** SHA-256(name || "\n" || type || public key)[:4], for any signature type. */
export async function keyId(name, typeAndPublic) {
  const digest = await sha256(concatBytes(utf8Encode(name), new Uint8Array([0x0a]), typeAndPublic));
  return digest.slice(0, KEY_ID_SIZE);
}

/**
 * The claimed key ID and the 32 key bytes of a verifier or private key's fields.
 * Shared with keys.js, which reads PRIVATE+KEY texts the same way.
 */
export function parseKeyFields(name, hexId, encoded, what) {
  checkKeyName(name);
  what = `${what} ${name}`;
  if (!/^[0-9a-f]{8}$/.test(hexId)) {
    throw new MalformedNote(`the key ID of ${what} must be 8 lowercase hex digits`);
  }
  const raw = decode64(encoded, what);
  if (raw.length === 0) throw new MalformedNote(`${what} holds no key`);
  if (raw[0] !== ED25519) {
    const type = raw[0].toString(16).padStart(2, "0");
    throw new MalformedNote(`${what} has signature type 0x${type}, not Ed25519 (0x01)`);
  }
  if (raw.length !== 33) {
    throw new MalformedNote(`${what} holds ${raw.length - 1} bytes; an Ed25519 key has 32`);
  }
  return { claimed: hexDecode(hexId), key: raw.slice(1) };
}

export function checkClaimedId(name, actual, claimed, what) {
  if (!bytesEqual(actual, claimed)) {
    throw new MalformedNote(
      `${what} ${name} claims key ID ${hexEncode(claimed)}, but its public key has ${hexEncode(actual)}`,
    );
  }
}

/** A trusted Ed25519 key: name+hhhhhhhh+base64(0x01 || public key). Make one with create or fromText. */
export class Verifier {
  constructor(name, publicKey, keyIdBytes, cryptoKey) {
    this.name = name;
    this.publicKey = publicKey;
    this.keyId = keyIdBytes;
    this.cryptoKey = cryptoKey;
    this.text = `${name}+${hexEncode(keyIdBytes)}+${base64Encode(concatBytes(new Uint8Array([ED25519]), publicKey))}`;
    Object.freeze(this);
  }

  static async create(name, publicKey) {
    checkKeyName(name);
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
      throw new MalformedNote(`an Ed25519 public key has 32 bytes, not ${publicKey?.length}`);
    }
    const id = await keyId(name, concatBytes(new Uint8Array([ED25519]), publicKey));
    let cryptoKey;
    try {
      cryptoKey = await globalThis.crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, true, [
        "verify",
      ]);
    } catch {
      throw new MalformedNote(`the public key of ${name} is not an Ed25519 key`);
    }
    return new Verifier(name, publicKey.slice(), id, cryptoKey);
  }

  /** Parse "name+hhhhhhhh+base64"; MalformedNote says what is wrong. */
  static async fromText(vkey) {
    if (typeof vkey !== "string") throw new MalformedNote("a verifier key is text");
    // A name holds no '+' but base64 can: split at the first two only.
    const first = vkey.indexOf("+");
    const second = first < 0 ? -1 : vkey.indexOf("+", first + 1);
    if (second < 0) throw new MalformedNote("a verifier key has the form <name>+<key ID>+<base64 key>");
    const name = vkey.slice(0, first);
    const { claimed, key } = parseKeyFields(name, vkey.slice(first + 1, second), vkey.slice(second + 1), "the verifier key");
    const verifier = await Verifier.create(name, key);
    checkClaimedId(name, verifier.keyId, claimed, "the verifier key");
    return verifier;
  }

  equals(other) {
    return other instanceof Verifier && other.name === this.name && bytesEqual(other.publicKey, this.publicKey);
  }

  async verify(message, signature) {
    if (signature.length !== 64) return false;
    try {
      return await globalThis.crypto.subtle.verify({ name: "Ed25519" }, this.cryptoKey, signature, message);
    } catch {
      return false;
    }
  }
}

/** One signature line: which key (name, key ID) and the signature bytes. */
export function signatureLine(sig) {
  return `${SIGNATURE_PREFIX}${sig.name} ${base64Encode(concatBytes(sig.keyId, sig.signature))}\n`;
}

/** The note's bytes: text, a blank line, one line per signature. */
export function encodeNote(note) {
  return utf8Encode(note.text + "\n" + note.signatures.map(signatureLine).join(""));
}

/**
 * Sign a text with one or more signers (objects with name, keyId and an async
 * sign(bytes), such as keys.js's Signer). Returns the signed note's bytes.
 */
export async function signNote(text, ...signers) {
  checkText(text);
  if (signers.length === 0) throw new MalformedNote("a note needs at least one signer");
  if (signers.length > MAX_SIGNATURES) {
    throw new MalformedNote(`a note carries at most ${MAX_SIGNATURES} signatures`);
  }
  const message = utf8Encode(text);
  const signatures = [];
  for (const s of signers) {
    checkKeyName(s.name);
    signatures.push({ name: s.name, keyId: s.keyId, signature: await s.sign(message) });
  }
  return encodeNote({ text, signatures });
}

function parseSignatureLine(number, line) {
  if (!line.startsWith(SIGNATURE_PREFIX)) {
    throw new MalformedNote(`signature line ${number} does not start with an em dash and a space`);
  }
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(" ");
  if (space < 0) throw new MalformedNote(`signature line ${number} has no space before its signature`);
  const name = rest.slice(0, space);
  checkKeyName(name);
  const raw = decode64(rest.slice(space + 1), `the signature by ${name}`);
  if (raw.length <= KEY_ID_SIZE) {
    throw new MalformedNote(`the signature by ${name} is too short for a key ID and signature`);
  }
  return { name, keyId: raw.slice(0, KEY_ID_SIZE), signature: raw.slice(KEY_ID_SIZE) };
}

/**
 * Split a note (bytes or text) into {text, signatures}, checking the grammar but no
 * signature.
 */
export function parseNote(data) {
  let decoded;
  if (typeof data === "string") {
    decoded = data;
  } else {
    try {
      decoded = utf8Decode(asBytes(data));
    } catch (error) {
      if (error instanceof EncodingError) throw new MalformedNote("the note is not valid UTF-8");
      throw error;
    }
  }
  checkCharacters(decoded, "the note");
  const split = decoded.lastIndexOf("\n\n");
  if (split < 0) throw new MalformedNote("the note has no blank line before its signatures");
  const text = decoded.slice(0, split + 1);
  const block = decoded.slice(split + 2);
  if (block === "") throw new MalformedNote("the note has no signature line after its last blank line");
  if (!block.endsWith("\n")) {
    throw new MalformedNote("the note's last signature line does not end with a newline");
  }
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) {
    throw new MalformedNote(`the note has ${lines.length} signature lines; we accept at most 100`);
  }
  return { text, signatures: lines.map((line, i) => parseSignatureLine(i + 1, line)) };
}

const label = (name, id) => `${name}+${hexEncode(id)}`;

/**
 * Verify a parsed note against trusted Verifiers. Resolves to
 * {text, signatures, verifiedBy}; rejects with InvalidSignature, UnverifiedNote or
 * AmbiguousKey.
 */
export async function verifyNote(note, verifiers) {
  const known = new Map();
  for (const v of verifiers) {
    const k = label(v.name, v.keyId);
    const other = known.get(k);
    if (other === undefined) known.set(k, v);
    else if (!other.equals(v)) throw new AmbiguousKey(`two trusted keys share the name and key ID ${k}`);
  }
  const message = utf8Encode(note.text);
  const verifiedBy = [];
  for (const sig of note.signatures) {
    const verifier = known.get(label(sig.name, sig.keyId));
    if (verifier === undefined) continue; // someone else's key (a witness, a rotated key)
    if (!(await verifier.verify(message, sig.signature))) {
      throw new InvalidSignature(
        `signature by ${label(sig.name, sig.keyId)} does not verify; the note was altered or the key is wrong`,
      );
    }
    if (!verifiedBy.some((v) => v.equals(verifier))) verifiedBy.push(verifier);
  }
  if (verifiedBy.length === 0) {
    const trusted = [...known.keys()].sort().join(", ") || "none";
    throw new UnverifiedNote(`no signature on the note is by a trusted key (trusted: ${trusted})`);
  }
  return { text: note.text, signatures: note.signatures, verifiedBy };
}

/** Parse a note and verify it against trusted keys. */
export async function openNote(data, verifiers) {
  return verifyNote(parseNote(data), verifiers);
}
