// C2SP tlog-cosignature v1.0.1 in the browser: the twin of firsthand/log/cosignature.py.
// A witness's line on a checkpoint is "— <name> base64(key ID || timestamp || signature)":
// key ID = SHA-256(name || "\n" || 0x04 || public key)[:4], an 8-byte big-endian timestamp,
// and an Ed25519 signature over "cosignature/v1\ntime <timestamp>\n" || the checkpoint body.

import { base64Decode, base64Encode, bytesEqual, concatBytes, hexDecode, hexEncode, utf8Encode } from "./encoding.js";
import { checkKeyName, InvalidSignature, keyId, MalformedNote } from "./note.js";

export const COSIGNATURE_V1 = 0x04;
const TIMESTAMP_SIZE = 8;
const SIGNATURE_SIZE = TIMESTAMP_SIZE + 64;
const MAX_TIMESTAMP = 2n ** 63n - 1n;

/** A witness's cosigner key: name+hhhhhhhh+base64(0x04 || public key). */
export class CosignatureVerifier {
  constructor(name, publicKey, keyIdBytes, cryptoKey) {
    this.name = name;
    this.publicKey = publicKey;
    this.keyId = keyIdBytes;
    this.cryptoKey = cryptoKey;
    this.text = `${name}+${hexEncode(keyIdBytes)}+${base64Encode(concatBytes(new Uint8Array([COSIGNATURE_V1]), publicKey))}`;
    Object.freeze(this);
  }

  /** Parse a cosigner key; MalformedNote says what is wrong. */
  static async fromText(vkey) {
    if (typeof vkey !== "string") throw new MalformedNote("a cosigner key is text");
    const first = vkey.indexOf("+");
    const second = first < 0 ? -1 : vkey.indexOf("+", first + 1);
    if (second < 0) throw new MalformedNote("a cosigner key has the form <name>+<key ID>+<base64 key>");
    const name = vkey.slice(0, first);
    checkKeyName(name);
    const hexId = vkey.slice(first + 1, second);
    if (!/^[0-9a-f]{8}$/.test(hexId)) throw new MalformedNote(`the key ID of the cosigner key ${name} must be 8 lowercase hex digits`);
    let raw;
    try {
      raw = base64Decode(vkey.slice(second + 1));
    } catch {
      throw new MalformedNote(`the cosigner key ${name} is not valid base64`);
    }
    if (raw.length !== 33) throw new MalformedNote(`the cosigner key ${name} holds ${raw.length} bytes; a type byte and 32 key bytes were expected`);
    if (raw[0] !== COSIGNATURE_V1) {
      const type = raw[0].toString(16).padStart(2, "0");
      throw new MalformedNote(`the cosigner key ${name} has type 0x${type}; a tlog-cosignature/v1 key has type 0x04`);
    }
    const id = await keyId(name, raw);
    if (!bytesEqual(id, hexDecode(hexId))) {
      throw new MalformedNote(`the cosigner key ${name} claims key ID ${hexId}, but its public key has ${hexEncode(id)}`);
    }
    let cryptoKey;
    try {
      cryptoKey = await globalThis.crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, true, ["verify"]);
    } catch {
      throw new MalformedNote(`the public key of ${name} is not an Ed25519 key`);
    }
    return new CosignatureVerifier(name, raw.slice(1), id, cryptoKey);
  }

  matches(sig) {
    return sig.name === this.name && bytesEqual(sig.keyId, this.keyId);
  }

  /** The timestamp (a Number of seconds) of a valid cosignature on `body`; InvalidSignature otherwise. */
  async verify(body, sig) {
    const raw = sig.signature;
    if (raw.length !== SIGNATURE_SIZE) {
      throw new InvalidSignature(
        `the cosignature by ${this.name} holds ${raw.length} bytes, not ${SIGNATURE_SIZE} (an 8-byte timestamp and a 64-byte Ed25519 signature)`,
      );
    }
    const timestamp = new DataView(raw.buffer, raw.byteOffset, TIMESTAMP_SIZE).getBigUint64(0);
    if (timestamp > MAX_TIMESTAMP) throw new InvalidSignature(`the cosignature by ${this.name} has a timestamp over 2^63 - 1`);
    const message = utf8Encode(`cosignature/v1\ntime ${timestamp}\n${body}`);
    let ok = false;
    try {
      ok = await globalThis.crypto.subtle.verify({ name: "Ed25519" }, this.cryptoKey, raw.slice(TIMESTAMP_SIZE), message);
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new InvalidSignature(
        `the cosignature by ${this.name}+${hexEncode(this.keyId)} does not verify; the checkpoint was altered or the key is wrong`,
      );
    }
    return Number(timestamp);
  }
}

/**
 * The cosignatures on a parsed note ({text, signatures}) by any of the trusted cosigners,
 * in the cosigners' order, as [{cosigner, timestamp}]. A line by a trusted cosigner that
 * fails rejects (InvalidSignature); a cosigner with several lines counts once, latest first.
 */
export async function verifyCosignatures(note, cosigners) {
  const found = new Map();
  for (const line of note.signatures) {
    for (const cosigner of cosigners) {
      if (!cosigner.matches(line)) continue;
      const timestamp = await cosigner.verify(note.text, line);
      const best = found.get(cosigner);
      if (best === undefined || timestamp > best.timestamp) found.set(cosigner, { cosigner, timestamp });
    }
  }
  return cosigners.filter((c) => found.has(c)).map((c) => found.get(c));
}
