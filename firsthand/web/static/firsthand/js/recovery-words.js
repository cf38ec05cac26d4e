// A recovery key written as words: what the recovery sheet prints and what an author
// types back in a fresh browser (docs/recovery.md, "The recovery sheet").
//
// The recovery key is an Ed25519 key whose 32-byte seed is encoded as BIP-39 entropy:
//
//   bits     = seed (256 bits) || first 8 bits of SHA-256(seed)          (264 bits)
//   words[i] = WORDLIST[bits[11·i .. 11·i + 11)], i = 0..23, big-endian   (24 words)
//
// so any BIP-39 tool reads the same 24 words back to the same 32 bytes, and one changed
// word is caught by the checksum with probability 255/256. We use the seed directly as
// the Ed25519 seed: BIP-39's PBKDF2 "mnemonic to seed" step (for wallets) plays no part.
// The list is BIP-39's English one (bip39-english.json, with its source and licence);
// its first four letters name each word, so a word typed that far is enough.
//
// No Persian list: BIP-39 publishes none, and a home-made one would be read by no other
// tool. Persian pages show these words with Persian labels.

import { sha256 } from "./encoding.js";

export const WORD_COUNT = 24;
const SEED_SIZE = 32;
// SHA-256 of english.txt as BIP-39 publishes it (2048 lines, each ending "\n").
export const WORDLIST_SHA256 = "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda";

/** Words that cannot be read back; `reason` is "count", "unknown" or "checksum". */
export class RecoveryWordsError extends Error {
  constructor(reason, message, { word = null, position = null, count = null } = {}) {
    super(message);
    this.name = "RecoveryWordsError";
    this.reason = reason;
    this.word = word; // the word not in the list, as typed
    this.position = position; // its place, counting from 1
    this.count = count; // how many words were given
  }
}

let loaded = null;

/** The 2048 BIP-39 English words, loaded once (from the site, or from disk under Node). */
export function wordlist() {
  loaded ??= readWordlist().catch((error) => {
    loaded = null;
    throw error;
  });
  return loaded;
}

async function readWordlist() {
  const url = new URL("./bip39-english.json", import.meta.url);
  let text;
  if (url.protocol === "file:") {
    const { readFile } = await import("node:fs/promises");
    text = await readFile(url, "utf8");
  } else {
    const response = await fetch(url, { credentials: "omit" });
    if (!response.ok) throw new Error(`the word list could not be loaded (${response.status})`);
    text = await response.text();
  }
  const words = JSON.parse(text).words;
  const digest = await sha256(new TextEncoder().encode(words.map((w) => `${w}\n`).join("")));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  if (words.length !== 2048 || hex !== WORDLIST_SHA256) {
    throw new Error("the word list is not BIP-39's English list");
  }
  return Object.freeze(words);
}

/** The 24 words for a 32-byte seed. */
export async function wordsFromSeed(seed) {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_SIZE) {
    throw new TypeError(`a recovery key's seed has ${SEED_SIZE} bytes`);
  }
  const words = await wordlist();
  const checksum = (await sha256(seed))[0];
  const bytes = [...seed, checksum];
  const result = [];
  for (let i = 0; i < WORD_COUNT; i += 1) {
    result.push(words[readBits(bytes, i * 11, 11)]);
  }
  return result;
}

/** Split what a person typed into words: any spacing, commas, and the sheet's numbers. */
export function splitWords(text) {
  return String(text)
    .normalize("NFKD")
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
}

/**
 * The 32-byte seed the words (a string or a list) encode. RecoveryWordsError names the
 * first word not in the list and its place, or says the words do not add up (checksum).
 */
export async function seedFromWords(input) {
  const typed = Array.isArray(input) ? input.flatMap(splitWords) : splitWords(input);
  if (typed.length !== WORD_COUNT) {
    throw new RecoveryWordsError(
      "count",
      `a recovery sheet has ${WORD_COUNT} words, and ${typed.length} were given`,
      { count: typed.length },
    );
  }
  const words = await wordlist();
  const indexes = typed.map((word, i) => {
    const index = wordIndex(words, word);
    if (index < 0) {
      throw new RecoveryWordsError(
        "unknown",
        `word ${i + 1}, "${word}", is not a word of the recovery sheet's list; check its spelling`,
        { word, position: i + 1 },
      );
    }
    return index;
  });
  const bytes = new Uint8Array(SEED_SIZE + 1);
  indexes.forEach((index, i) => writeBits(bytes, i * 11, 11, index));
  const seed = bytes.slice(0, SEED_SIZE);
  if ((await sha256(seed))[0] !== bytes[SEED_SIZE]) {
    seed.fill(0);
    throw new RecoveryWordsError(
      "checksum",
      "the words do not add up: one is wrong, or two are swapped; compare them with the sheet",
    );
  }
  return seed;
}

// A word, or its first four letters or more when only one word starts so (BIP-39's
// words differ within their first four letters).
function wordIndex(words, word) {
  const exact = words.indexOf(word);
  if (exact >= 0 || word.length < 4) return exact;
  const matches = words.filter((w) => w.startsWith(word));
  return matches.length === 1 ? words.indexOf(matches[0]) : -1;
}

function readBits(bytes, start, count) {
  let value = 0;
  for (let bit = start; bit < start + count; bit += 1) {
    value = (value << 1) | ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1);
  }
  return value;
}

function writeBits(bytes, start, count, value) {
  for (let i = 0; i < count; i += 1) {
    const bit = start + i;
    if ((value >> (count - 1 - i)) & 1) bytes[bit >> 3] |= 1 << (7 - (bit & 7));
  }
}
