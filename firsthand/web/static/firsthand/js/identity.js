// Who an author is, and how their name may be written: the browser's twin of
// firsthand/statements/identity.py.
//
// An author IS their Ed25519 public key. The fingerprint is SHA-256 over the 32 raw
// public-key bytes, 64 lowercase hex digits; the key's name plays no part. Pages show it
// in groups of four, so two people can read it aloud and compare.
//
// Names (a key's name, a profile's display name) are labels the author chooses. The
// server refuses a new statement whose labels hold an invisible character (Unicode
// category Cf, Cc, Co, Cn, Cs, Zl, Zp, or another default-ignorable or blank code
// point), so that no one can copy another author's name with hidden differences. The one
// exception is the zero-width non-joiner between two Arabic-script letters, which Persian
// spelling needs ("می‌خواهم"). invisibleCharacter applies the same rule here, so the
// author hears of it when they pick the name, not when the server refuses a statement.
// Unassigned (Cn) follows this browser's Unicode version, which may be newer than the
// server's; the server has the last word.

import { hexEncode, sha256 } from "./encoding.js";

export const FINGERPRINT_HEX = 64;
const ZWNJ = "\u200c";

// identity.py's _IGNORABLE_RANGES: Default_Ignorable_Code_Point that are not Cf.
const IGNORABLE_RANGES = [
  [0x034f, 0x034f], // combining grapheme joiner
  [0x115f, 0x1160], // Hangul choseong/jungseong fillers
  [0x17b4, 0x17b5], // Khmer inherent vowels
  [0x180b, 0x180f], // Mongolian free variation selectors and vowel separator
  [0x2060, 0x206f], // word joiner, invisible operators, deprecated format characters
  [0x3164, 0x3164], // Hangul filler
  [0xfe00, 0xfe0f], // variation selectors
  [0xffa0, 0xffa0], // halfwidth Hangul filler
  [0xfff0, 0xfff8],
  [0x1bca0, 0x1bca3], // shorthand format controls
  [0x1d173, 0x1d17a], // musical symbol format characters
  [0xe0000, 0xe0fff], // tags and variation selectors supplement
];
// Not ignorable by the property, but blank in every font.
const BLANK = new Set([0x2800, 0x1d159, 0x1d455]);
const INVISIBLE_CATEGORY = /^[\p{Cf}\p{Cc}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]$/u;
const OTHER_LETTER = /^\p{Lo}$/u;

/** A name that holds an invisible character; `position` counts code points from 1. */
export class InvisibleCharacter extends Error {
  constructor(what, position, character) {
    const code = codePoint(character);
    super(
      `${what} holds the invisible character ${code} at position ${position}; names may hold ` +
        "only visible characters, so that no one can copy another author's name with hidden differences",
    );
    this.name = "InvisibleCharacter";
    this.position = position;
    this.character = character;
    this.codePoint = code;
  }
}

const codePoint = (ch) => "U+" + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");

function arabicLetter(ch) {
  if (ch === undefined || !OTHER_LETTER.test(ch)) return false;
  const code = ch.codePointAt(0);
  return (code >= 0x0600 && code <= 0x06ff) || (code >= 0x0750 && code <= 0x077f) || (code >= 0x08a0 && code <= 0x08ff);
}

/**
 * The first invisible character in a label, as {position (from 0), character}, or null.
 * identity.py's invisible_character, code point for code point.
 */
export function invisibleCharacter(label) {
  const chars = [...label]; // code points, as Python indexes a str
  for (let position = 0; position < chars.length; position++) {
    const ch = chars[position];
    const code = ch.codePointAt(0);
    if (ch === ZWNJ) {
      if (arabicLetter(chars[position - 1]) && arabicLetter(chars[position + 1])) continue;
      return { position, character: ch };
    }
    if (INVISIBLE_CATEGORY.test(ch) || BLANK.has(code)) return { position, character: ch };
    if (IGNORABLE_RANGES.some(([low, high]) => low <= code && code <= high)) return { position, character: ch };
  }
  return null;
}

/** Refuse a label that holds an invisible character: identity.py's check_label. */
export function checkLabel(label, what) {
  const found = invisibleCharacter(label);
  if (found !== null) throw new InvisibleCharacter(what, found.position + 1, found.character);
}

/** The author's identity: SHA-256 of the 32-byte public key (bytes, or a Verifier/Signer), 64 hex. */
export async function fingerprint(key) {
  const publicKey = key instanceof Uint8Array ? key : key.publicKey;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new TypeError("a fingerprint is taken over a 32-byte Ed25519 public key");
  }
  return hexEncode(await sha256(publicKey));
}

/** The whole fingerprint in groups of four, for reading aloud and comparing. */
export function groupedFingerprint(hex) {
  return hex.match(/.{1,4}/g).join(" ");
}
