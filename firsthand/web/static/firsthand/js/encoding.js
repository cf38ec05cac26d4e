// Byte encodings shared by the other modules: UTF-8, base64 and hex, strictly.
//
// Everything here runs the same in a browser and in Node 20: only TextEncoder,
// TextDecoder and globalThis.crypto.subtle. The decoders refuse what the Python
// side refuses, so a text one accepts the other accepts too.

const encoder = new TextEncoder();
// fatal: invalid UTF-8 throws instead of turning into U+FFFD; ignoreBOM: a leading
// U+FEFF is part of the text (Python's bytes.decode keeps it), not a marker to drop.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export class EncodingError extends Error {
  constructor(message) {
    super(message);
    this.name = "EncodingError";
  }
}

// A lone UTF-16 surrogate cannot be encoded as UTF-8; TextEncoder would silently
// replace it with U+FFFD, which would sign a text other than the one shown.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isWellFormed(text) {
  return typeof text === "string" && !LONE_SURROGATE.test(text);
}

export function utf8Encode(text) {
  if (typeof text !== "string") throw new EncodingError("expected text");
  if (!isWellFormed(text)) {
    throw new EncodingError("the text holds a lone UTF-16 surrogate, which UTF-8 cannot carry");
  }
  return encoder.encode(text);
}

export function utf8Decode(bytes) {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new EncodingError("the bytes are not valid UTF-8");
  }
}

/** Text as bytes: a string is UTF-8 encoded, bytes are taken as they are. */
export function asBytes(data) {
  if (typeof data === "string") return utf8Encode(data);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new EncodingError("expected text or bytes");
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const VALUES = new Map([...ALPHABET].map((ch, i) => [ch, i]));

/** Standard base64 with padding (RFC 4648 section 4). */
export function base64Encode(bytes) {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  if (i + 1 === bytes.length) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + "==";
  } else if (i + 2 === bytes.length) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + "=";
  }
  return out;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decode standard, padded base64; nothing else (no spaces, no URL alphabet, no
 * missing or extra padding). Like Go and Python, unused low bits are ignored.
 */
export function base64Decode(text) {
  if (typeof text !== "string" || !BASE64.test(text)) {
    throw new EncodingError("not valid base64 (standard alphabet, with padding)");
  }
  const body = text.replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((body.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let j = 0;
  for (const ch of body) {
    value = (value << 6) | VALUES.get(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

export function hexEncode(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Lowercase hex only, even length: the form every format here uses. */
export function hexDecode(text) {
  if (typeof text !== "string" || !/^(?:[0-9a-f]{2})*$/.test(text)) {
    throw new EncodingError("not lowercase hex");
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function concatBytes(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export async function sha256(bytes) {
  return new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes));
}
