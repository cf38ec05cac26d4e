// The statement (firsthand-statement/v1, docs/statement-format.md): a signed head, one
// log entry, and the body it names. The browser's twin of firsthand/statements/format.py:
// headText writes exactly what Head.text() writes, parseHeadText refuses what
// parse_head_text refuses, and Ed25519 being deterministic, signStatement gives the same
// bytes as Python's sign_statement for the same key, fields and time.
//
//   firsthand-statement/v1
//   author <verifier key>                         exactly once
//   time <RFC 3339 UTC, seconds, Z>               exactly once
//   lang <BCP 47 tag>                             exactly once
//   kind <kind>                                   exactly once
//   body sha256:<64 hex> <length>                 exactly once
//   media sha256:<64 hex> <type/subtype> <size>   zero or more
//   refers leaf:<64 hex> | text:<64 hex>          zero or more
//   subject <verifier key>                        vouch only, exactly once
//   new-key <verifier key>                        key-rotation only, exactly once
//   seen-at <free text>                           denial only, at most once
//   reason <free text>                            withholding only, exactly once
//   name <free text>                              profile only, exactly once (display name)
//
// Sizes (body length, media size) parse to Numbers, or BigInts beyond 2^53, so every
// head Python accepts reads here too.

import { asBytes, bytesEqual, concatBytes, EncodingError, hexEncode, isWellFormed, sha256, utf8Decode, utf8Encode } from "./encoding.js";
import { fingerprint, invisibleCharacter } from "./identity.js";
import { encodeNote, NoteError, parseNote, signNote, Verifier, verifyNote } from "./note.js";

export const VERSION = "firsthand-statement/v1";
export const KINDS = Object.freeze([
  "declaration",
  "testimony",
  "denial",
  "correction",
  "retraction",
  "vouch",
  "key-rotation",
  "withholding",
  "profile",
  "revocation",
  "recovery",
  "contacts",
  "social-recovery",
  "device",
  "device-revocation",
]);
// Trusted contacts an author may name (docs/recovery.md): format.py's MAX_CONTACTS.
export const MAX_CONTACTS = 16;
export const DEFAULT_MAX_BODY = 1_000_000;
export const MAX_FREE_TEXT = 500;
export const MAX_DISPLAY_NAME = 100;
export const MAX_BIO = 2000; // a profile's body: a short bio, not a statement
export const MAX_ENTRY_SIZE = 65535; // a log entry carries a uint16 length (tlog-tiles)
export const MAX_CLOCK_SKEW_MS = 10 * 60 * 1000;

export class StatementError extends Error {
  constructor(message) {
    super(message);
    this.name = this.constructor.name;
  }
}
/** The head or the statement file does not follow docs/statement-format.md. */
export class MalformedStatement extends StatementError {}
/** The body is not the one the signed head names (hash or length differ). */
export class BodyMismatch extends StatementError {}
/** The body is longer than accepted. */
export class BodyTooLarge extends StatementError {}
/** The head's time is further ahead than clocks can drift. */
export class StatementFromTheFuture extends StatementError {}
/** The head is not signed by the key its author line names. */
export class WrongAuthor extends StatementError {}

const HEADER_POSITION = new Map(
  [
    "author",
    "time",
    "lang",
    "kind",
    "body",
    "media",
    "refers",
    "subject",
    "new-key",
    "seen-at",
    "reason",
    "name",
    "from",
    "recovery",
    "contact",
    "threshold",
  ].map((name, i) => [name, i]),
);
// The kinds that name the key they are about (subject), and those that name a new key.
const SUBJECT_KINDS = new Set(["vouch", "revocation", "recovery", "social-recovery", "device", "device-revocation"]);
const NEW_KEY_KINDS = new Set(["key-rotation", "recovery"]);
const FROM_KINDS = new Set(["revocation", "recovery", "social-recovery", "device-revocation"]);
const CONTACT_KINDS = new Set(["contacts", "social-recovery"]);
// Kinds that cannot name a recovery key: a notice, and statements about another key.
const NO_RECOVERY_KINDS = new Set(["withholding", "revocation", "recovery", "device", "device-revocation"]);
const THRESHOLD = /^[1-9][0-9]?$/;
const INDEX = /^(0|[1-9][0-9]{0,18})$/;
const MAX_INDEX = 2n ** 63n - 1n;
const REQUIRED = ["author", "time", "lang", "kind", "body"];
const REPEATABLE = new Set(["media", "refers", "contact"]);

const HEX64 = "[0-9a-f]{64}";
const SIZE = "(0|[1-9][0-9]*)";
const TIME = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z$/;
// BCP 47, as far as a header needs: a 2-3 letter language, then subtags of 1-8 alphanumerics.
const LANG = /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;
const BODY = new RegExp(`^sha256:(${HEX64}) ${SIZE}$`);
const MEDIA = new RegExp(`^sha256:(${HEX64}) ([a-z]+/[a-z0-9.+-]+) ${SIZE}$`);
const REFERS = new RegExp(`^(leaf|text):(${HEX64})$`);
const BODY_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

const toSize = (digits) => (digits.length < 16 ? Number(digits) : BigInt(digits) <= Number.MAX_SAFE_INTEGER ? Number(digits) : BigInt(digits));
const codePoint = (ch) => "U+" + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");

export async function bodySha256(body) {
  return hexEncode(await sha256(utf8Encode(body)));
}

/** The RFC 6962 leaf hash of a signed head: how the log and `refers leaf:` name it. */
export async function leafHash(headBytes) {
  return sha256(concatBytes(new Uint8Array([0x00]), asBytes(headBytes)));
}

/** RFC 3339 UTC to the second: a Date (sub-seconds dropped, as Python does) or such a string. */
export function formatTime(time) {
  if (typeof time === "string") {
    parseTime(time);
    return time;
  }
  if (!(time instanceof Date) || Number.isNaN(time.getTime())) throw new MalformedStatement("the time is not a date");
  const year = time.getUTCFullYear();
  if (year < 1000 || year > 9999) throw new MalformedStatement(`the year ${year} cannot be written in a head`);
  return time.toISOString().slice(0, 19) + "Z";
}

/** The Date of a head's time line; MalformedStatement unless canonical and real. */
export function parseTime(text) {
  const m = TIME.exec(text);
  if (m === null) {
    throw new MalformedStatement("the time must be RFC 3339 UTC to the second, like 2026-01-31T09:30:00Z");
  }
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const real =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  if (!real || year === 0) throw new MalformedStatement(`the time ${JSON.stringify(text)} is not a real date`);
  // Python writes years below 1000 without their leading zeros, so such a head is never canonical.
  if (year < 1000) throw new MalformedStatement("the head is not in canonical form");
  return date;
}

/** The body's UTF-8 size limit and its control characters (newline and tab are fine). */
export function checkBody(body, maxBody = DEFAULT_MAX_BODY) {
  if (typeof body !== "string") throw new MalformedStatement("the body must be text");
  if (!isWellFormed(body)) throw new MalformedStatement("the body holds a lone UTF-16 surrogate");
  const size = utf8Encode(body).length;
  if (size > maxBody) {
    throw new BodyTooLarge(
      `the body is ${size.toLocaleString("en")} bytes; this server accepts at most ${maxBody.toLocaleString("en")}`,
    );
  }
  const bad = BODY_CONTROL.exec(body);
  if (bad) throw new MalformedStatement(`the body holds the control character ${codePoint(bad[0])}`);
}

// Python's str.isspace, so both sides refuse the same display names.
const EDGE_SPACE = /^[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]|[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;

function displayName(value) {
  if ([...value].length > MAX_DISPLAY_NAME) {
    throw new MalformedStatement(`a display name is at most ${MAX_DISPLAY_NAME} characters`);
  }
  if (EDGE_SPACE.test(value)) throw new MalformedStatement("a display name cannot start or end with spaces");
  return freeText(value, "the display name");
}

function freeText(value, what) {
  const length = [...value].length; // code points, as Python's len
  if (length === 0 || length > MAX_FREE_TEXT) {
    throw new MalformedStatement(`${what} must be 1 to ${MAX_FREE_TEXT} characters long`);
  }
  if ([...value].some((ch) => ch.codePointAt(0) < 0x20 || ch.codePointAt(0) === 0x7f)) {
    throw new MalformedStatement(`${what} cannot hold control characters or line breaks`);
  }
  if (!isWellFormed(value)) throw new MalformedStatement(`${what} holds a lone UTF-16 surrogate`);
  return value;
}

async function verifier(value, what) {
  if (value instanceof Verifier) return value;
  try {
    return await Verifier.fromText(value);
  } catch (error) {
    if (error instanceof NoteError) throw new MalformedStatement(`the ${what} key is not a verifier key: ${error.message}`);
    throw error;
  }
}

function sameKey(one, other) {
  // The raw public key is what a verifier key's base64 holds after its type byte.
  return one.text.split("+").slice(2).join("+") === other.text.split("+").slice(2).join("+");
}

function parseIndex(value) {
  if (!INDEX.test(value) || BigInt(value) > MAX_INDEX) {
    throw new MalformedStatement(`'from' is a log index: a decimal number from 0 to ${MAX_INDEX}, no leading zeros`);
  }
  return BigInt(value);
}

function checkKindRules(head) {
  const leaves = head.refers.filter((r) => r.kind === "leaf");
  const texts = head.refers.filter((r) => r.kind === "text");
  if (head.kind === "denial" && texts.length === 0) {
    throw new MalformedStatement("a denial must refer to the denied text: refers text:<hash>");
  }
  if (["correction", "retraction", "withholding"].includes(head.kind) && leaves.length !== 1) {
    throw new MalformedStatement(`a ${head.kind} refers to exactly one statement: refers leaf:<hash>`);
  }
  if (SUBJECT_KINDS.has(head.kind) !== (head.subject !== null)) {
    throw new MalformedStatement("only a vouch, a revocation or a recovery names its subject key, and each must");
  }
  if (NEW_KEY_KINDS.has(head.kind) !== (head.newKey !== null)) {
    throw new MalformedStatement("only a key rotation or a recovery names its new key, and each must");
  }
  if (head.revokedFrom !== null && !FROM_KINDS.has(head.kind)) {
    throw new MalformedStatement("only a revocation, a recovery or a device revocation says from which log index");
  }
  checkContactCounts(head);
  if (["device", "social-recovery"].includes(head.kind) && head.subject !== null && sameKey(head.subject, head.author)) {
    throw new MalformedStatement(`a ${head.kind}'s subject must be another key than its author`);
  }
  if (head.recovery !== null) {
    if (NO_RECOVERY_KINDS.has(head.kind)) {
      throw new MalformedStatement(`a ${head.kind} cannot name a recovery key`);
    }
    if (sameKey(head.recovery, head.author)) {
      throw new MalformedStatement("the recovery key must be another key than the author's");
    }
  }
  if (
    head.kind === "recovery" &&
    head.subject !== null &&
    head.newKey !== null &&
    (sameKey(head.newKey, head.subject) || sameKey(head.newKey, head.author))
  ) {
    throw new MalformedStatement("a recovery's new key must be another key than the old ones");
  }
  if (head.seenAt !== null && head.kind !== "denial") {
    throw new MalformedStatement("only a denial says where the denied text was seen");
  }
  if ((head.kind === "withholding") !== (head.reason !== null)) {
    throw new MalformedStatement("a withholding notice, and only one, gives a reason");
  }
  if ((head.kind === "profile") !== (head.name !== null)) {
    throw new MalformedStatement("a profile, and only a profile, gives a display name");
  }
  if (head.kind === "profile" && Number(head.bodyLength) > MAX_BIO) {
    throw new MalformedStatement(
      `a profile's bio is at most ${MAX_BIO.toLocaleString("en-US")} bytes, not ${Number(head.bodyLength).toLocaleString("en-US")}`,
    );
  }
}

/** format.py's _check_contacts, but the order, which needs fingerprints (checkContactOrder). */
function checkContactCounts(head) {
  if (CONTACT_KINDS.has(head.kind) !== head.contacts.length > 0) {
    throw new MalformedStatement("only a contacts statement or a social recovery names contacts, and each must");
  }
  if ((head.kind === "contacts") !== (head.threshold !== null)) {
    throw new MalformedStatement("a contacts statement, and only one, gives its threshold");
  }
  if (head.contacts.length > MAX_CONTACTS) throw new MalformedStatement(`a ${head.kind} names at most ${MAX_CONTACTS} contacts`);
  const others = [head.author, ...(head.subject === null ? [] : [head.subject])];
  if (head.contacts.some((c) => others.some((o) => sameKey(c, o)))) {
    throw new MalformedStatement("a contact is another person's key: not the author's, not the subject's");
  }
  if (head.threshold !== null && head.threshold > head.contacts.length) {
    throw new MalformedStatement(`the threshold ${head.threshold} is more than the ${head.contacts.length} contacts named`);
  }
}

/** Contact lines in strictly ascending order of fingerprint: one spelling per set, no key twice. */
async function checkContactOrder(head) {
  const prints = await Promise.all(head.contacts.map((c) => fingerprint(c)));
  if (prints.some((p, i) => i > 0 && prints[i - 1] >= p)) {
    throw new MalformedStatement("contact lines are in ascending order of their keys' fingerprints, each key once");
  }
}

function parseThreshold(value) {
  if (!THRESHOLD.test(value) || Number(value) > MAX_CONTACTS) {
    throw new MalformedStatement(
      `the threshold is how many contacts recover: a decimal number from 1 to ${MAX_CONTACTS}, no leading zeros`,
    );
  }
  return Number(value);
}

/** The head's note text from parsed fields (as parseHeadText returns): Head.text(). */
export function headText(head) {
  const lines = [
    VERSION,
    `author ${head.author.text}`,
    `time ${head.time}`,
    `lang ${head.lang}`,
    `kind ${head.kind}`,
    `body sha256:${head.bodySha256} ${head.bodyLength}`,
    ...head.media.map((m) => `media sha256:${m.sha256} ${m.type} ${m.size}`),
    ...head.refers.map((r) => `refers ${r.kind}:${r.sha256}`),
  ];
  if (head.subject !== null) lines.push(`subject ${head.subject.text}`);
  if (head.newKey !== null) lines.push(`new-key ${head.newKey.text}`);
  if (head.seenAt !== null) lines.push(`seen-at ${head.seenAt}`);
  if (head.reason !== null) lines.push(`reason ${head.reason}`);
  if (head.name !== null) lines.push(`name ${head.name}`);
  if (head.revokedFrom !== null && head.revokedFrom !== undefined) lines.push(`from ${head.revokedFrom}`);
  if (head.recovery !== null && head.recovery !== undefined) lines.push(`recovery ${head.recovery.text}`);
  for (const contact of head.contacts ?? []) lines.push(`contact ${contact.text}`);
  if (head.threshold !== null && head.threshold !== undefined) lines.push(`threshold ${head.threshold}`);
  return lines.map((line) => line + "\n").join("");
}

/** Parse and check header lines (a note's text); MalformedStatement names the problem. */
export async function parseHeadText(text) {
  if (typeof text !== "string" || !text.endsWith("\n")) throw new MalformedStatement("the head must end with a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines[0] !== VERSION) {
    throw new MalformedStatement(`unknown statement version ${JSON.stringify(lines[0].slice(0, 60))}; this server reads ${VERSION}`);
  }
  const values = new Map();
  let position = 0;
  for (const line of lines.slice(1)) {
    const space = line.indexOf(" ");
    const name = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? "" : line.slice(space + 1);
    if (value === "") throw new MalformedStatement(`the header line ${JSON.stringify(line.slice(0, 60))} has no value`);
    const here = HEADER_POSITION.get(name);
    if (here === undefined) throw new MalformedStatement(`unknown header ${JSON.stringify(name)}`);
    if (here < position) throw new MalformedStatement(`the header ${JSON.stringify(name)} is out of order`);
    position = here;
    const found = values.get(name);
    if (found === undefined) values.set(name, [value]);
    else if (REPEATABLE.has(name)) found.push(value);
    else if (REQUIRED.includes(name)) {
      throw new MalformedStatement(`the header '${name}' must appear exactly once, not ${found.length + 1} times`);
    } else throw new MalformedStatement(`the header '${name}' appears ${found.length + 1} times`);
  }
  for (const name of REQUIRED) {
    if (!values.has(name)) throw new MalformedStatement(`the header '${name}' must appear exactly once, not 0 times`);
  }
  const one = (name) => values.get(name)[0];
  const optional = (name) => (values.has(name) ? values.get(name)[0] : null);

  const timeDate = parseTime(one("time"));
  if (!LANG.test(one("lang"))) throw new MalformedStatement(`the language ${JSON.stringify(one("lang").slice(0, 20))} is not a BCP 47 tag`);
  if (!KINDS.includes(one("kind"))) {
    throw new MalformedStatement(`unknown kind ${JSON.stringify(one("kind").slice(0, 30))}; kinds are ${KINDS.join(", ")}`);
  }
  const body = BODY.exec(one("body"));
  if (body === null) throw new MalformedStatement("the body line must be 'body sha256:<64 hex> <length>'");
  const media = (values.get("media") ?? []).map((value) => {
    const m = MEDIA.exec(value);
    if (m === null) throw new MalformedStatement("a media line is 'media sha256:<64 hex> <type/subtype> <size>'");
    return Object.freeze({ sha256: m[1], type: m[2], size: toSize(m[3]) });
  });
  const refers = (values.get("refers") ?? []).map((value) => {
    const r = REFERS.exec(value);
    if (r === null) throw new MalformedStatement("a refers line is 'refers leaf:<64 hex>' or 'refers text:<64 hex>'");
    return Object.freeze({ kind: r[1], sha256: r[2] });
  });
  const [subject, newKey, seenAt, reason, name, from, recovery, threshold] = [
    "subject",
    "new-key",
    "seen-at",
    "reason",
    "name",
    "from",
    "recovery",
    "threshold",
  ].map(optional);
  const contacts = [];
  for (const value of values.get("contact") ?? []) contacts.push(await verifier(value, "contact"));
  const head = {
    author: await verifier(one("author"), "author"),
    time: one("time"),
    timeDate,
    lang: one("lang"),
    kind: one("kind"),
    bodySha256: body[1],
    bodyLength: toSize(body[2]),
    media,
    refers,
    subject: subject === null ? null : await verifier(subject, "subject"),
    newKey: newKey === null ? null : await verifier(newKey, "new"),
    seenAt: seenAt === null ? null : freeText(seenAt, "seen-at"),
    reason: reason === null ? null : freeText(reason, "the reason"),
    name: name === null ? null : displayName(name),
    revokedFrom: from === null ? null : parseIndex(from),
    recovery: recovery === null ? null : await verifier(recovery, "recovery"),
    contacts: Object.freeze(contacts),
    threshold: threshold === null ? null : parseThreshold(threshold),
  };
  checkKindRules(head);
  await checkContactOrder(head);
  // One canonical spelling per head, so two heads never differ by formatting alone.
  if (headText(head) !== text) throw new MalformedStatement("the head is not in canonical form");
  return Object.freeze(head);
}

/** Verify a signed head: size, grammar, the author's signature and (unless checkTime is false) the time. */
export async function openHead(headBytes, { now = new Date(), checkTime = true } = {}) {
  let bytes;
  try {
    bytes = asBytes(headBytes);
  } catch (error) {
    if (error instanceof EncodingError) throw new MalformedStatement(`the head is not a signed note: ${error.message}`);
    throw error;
  }
  if (bytes.length > MAX_ENTRY_SIZE) {
    throw new MalformedStatement(`the head is ${bytes.length.toLocaleString("en")} bytes; a log entry holds at most 65,535`);
  }
  let unverified;
  try {
    unverified = parseNote(bytes);
  } catch (error) {
    if (error instanceof NoteError) throw new MalformedStatement(`the head is not a signed note: ${error.message}`);
    throw error;
  }
  const head = await parseHeadText(unverified.text);
  let note;
  try {
    note = await verifyNote(unverified, [head.author]);
  } catch (error) {
    if (error instanceof NoteError) {
      throw new WrongAuthor(`the head is not validly signed by its author ${head.author.name}: ${error.message}`);
    }
    throw error;
  }
  if (checkTime && head.timeDate.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
    throw new StatementFromTheFuture(`the statement is dated ${head.time}, in the future; check the clock`);
  }
  return { head, note };
}

/** The body must be the one the head names: its UTF-8 length and SHA-256. */
export async function verifyBody(head, body, maxBody = DEFAULT_MAX_BODY) {
  checkBody(body, maxBody);
  const length = utf8Encode(body).length;
  if (String(length) !== String(head.bodyLength) || (await bodySha256(body)) !== head.bodySha256) {
    throw new BodyMismatch("the body is not the one the author signed: its SHA-256 or length differs from the head");
  }
}

function indexOf(data, needle, from) {
  outer: for (let i = from; i + needle.length <= data.length; i++) {
    for (let j = 0; j < needle.length; j++) if (data[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Split a statement file into [signed head bytes, body bytes]. */
export function splitStatementFile(data) {
  const bytes = asBytes(data);
  const textEnd = indexOf(bytes, [0x0a, 0x0a], 0);
  if (textEnd < 0) throw new MalformedStatement("a statement file is a signed head, a blank line, then the body");
  let position = textEnd + 2;
  const prefix = [0xe2, 0x80, 0x94, 0x20]; // "— "
  while (indexOf(bytes.subarray(position, position + 4), prefix, 0) === 0) {
    const lineEnd = indexOf(bytes, [0x0a], position);
    if (lineEnd < 0) throw new MalformedStatement("the statement file ends inside a signature line");
    position = lineEnd + 1;
  }
  if (position === textEnd + 2) throw new MalformedStatement("the statement's head carries no signature");
  if (bytes[position] !== 0x0a) throw new MalformedStatement("a blank line must separate the head's signatures from the body");
  return [bytes.slice(0, position), bytes.slice(position + 1)];
}

async function statement(headBytes, head, note, body) {
  const headString = utf8Decode(headBytes);
  return Object.freeze({
    head,
    note,
    body,
    headBytes,
    headText: headString,
    leafHash: await leafHash(headBytes),
    fileBytes: concatBytes(headBytes, new Uint8Array([0x0a]), utf8Encode(body)),
    fileText: headString + "\n" + body,
  });
}

/** Parse and verify a statement file: every check, or a StatementError saying which failed. */
export async function readStatement(data, { maxBody = DEFAULT_MAX_BODY, now = new Date() } = {}) {
  const [headBytes, bodyBytes] = splitStatementFile(data);
  let body;
  try {
    body = utf8Decode(bodyBytes);
  } catch {
    throw new MalformedStatement("the body is not valid UTF-8");
  }
  const { head, note } = await openHead(headBytes, { now });
  await verifyBody(head, body, maxBody);
  return statement(headBytes, head, note, body);
}

function reference(r) {
  if (typeof r === "string") {
    const colon = r.indexOf(":");
    return { kind: r.slice(0, colon), sha256: r.slice(colon + 1) };
  }
  return { kind: r.kind, sha256: r.sha256 };
}

function noLineBreak(value, what) {
  if (typeof value === "string" && /[\n\r]/.test(value)) throw new MalformedStatement(`${what} cannot hold line breaks`);
  return value;
}

/**
 * The statement `author` (a Verifier, or a Signer whose verifier() names it) would sign:
 * {head, text, body}, where `text` is the head's note text, byte for byte what the
 * signatures will cover. Nothing is signed here: a page shows `text` and `body` to the
 * author and signs them with signPrepared only once the author confirms. Fields as
 * signStatement's.
 */
export async function prepareStatement(author, body, fields = {}) {
  checkBody(body);
  const {
    kind = "declaration",
    lang = "en",
    time = new Date(),
    media = [],
    refers = [],
    subject = null,
    newKey = null,
    seenAt = null,
    reason = null,
    name = null,
    revokedFrom = null,
    recovery = null,
    contacts = [],
    threshold = null,
  } = fields;
  // Contacts are written in their one order, ascending fingerprint (format.py's sign_statement).
  const contactKeys = await Promise.all(contacts.map((c) => verifier(c, "contact")));
  const prints = await Promise.all(contactKeys.map((c) => fingerprint(c)));
  const ordered = contactKeys.map((c, i) => [prints[i], c]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const head = {
    author: author instanceof Verifier ? author : await author.verifier(),
    time: noLineBreak(formatTime(time), "the time"),
    lang: noLineBreak(String(lang), "the language"),
    kind: noLineBreak(String(kind), "the kind"),
    bodySha256: await bodySha256(body),
    bodyLength: utf8Encode(body).length,
    media: media.map((m) => ({
      sha256: noLineBreak(String(m.sha256), "a media hash"),
      type: noLineBreak(String(m.type), "a media type"),
      size: noLineBreak(String(m.size), "a media size"),
    })),
    refers: refers.map(reference).map((r) => ({
      kind: noLineBreak(String(r.kind), "a reference"),
      sha256: noLineBreak(String(r.sha256), "a reference"),
    })),
    subject: subject === null ? null : await verifier(subject, "subject"),
    newKey: newKey === null ? null : await verifier(newKey, "new"),
    seenAt: seenAt === null ? null : noLineBreak(String(seenAt), "seen-at"),
    reason: reason === null ? null : noLineBreak(String(reason), "the reason"),
    name: name === null ? null : noLineBreak(String(name), "the display name"),
    revokedFrom: revokedFrom === null ? null : noLineBreak(String(revokedFrom), "the log index"),
    recovery: recovery === null ? null : await verifier(recovery, "recovery"),
    contacts: ordered.map(([, c]) => c),
    threshold: threshold === null ? null : Number(noLineBreak(String(threshold), "the threshold")),
  };
  checkLanguageCase(head.lang); // what a server checks of a new head, told before signing
  const text = headText(head);
  // The same checks a reader will make; the parsed head is what the author is shown.
  return Object.freeze({ head: await parseHeadText(text), text, body });
}

/**
 * Sign a prepared statement: the author's key first, then any others (a key rotation's
 * new key), each over the same head text, as Python's sign_statement(..., cosigners=).
 * The result verifies with readStatement.
 */
export async function signPrepared(prepared, signer, ...cosigners) {
  const author = await signer.verifier();
  if (!author.equals(prepared.head.author)) {
    throw new WrongAuthor(`the statement names the author ${prepared.head.author.name}, not the key signing it`);
  }
  const headBytes = await signNote(prepared.text, signer, ...cosigners);
  return readStatement(concatBytes(headBytes, new Uint8Array([0x0a]), utf8Encode(prepared.body)), {
    now: prepared.head.timeDate,
  });
}

/**
 * Sign `body` as a statement by `signer` (keys.js's Signer). Fields: kind, lang, time
 * (a Date or RFC 3339 string; default now), media [{sha256, type, size}], refers
 * [{kind: "leaf"|"text", sha256}] or ["leaf:<hex>"], subject, newKey (verifier key
 * text), seenAt, reason, name (a profile's display name), cosigners (Signers that sign
 * the head too, after the author: a key rotation's new key). The result verifies with
 * readStatement, and is Python's sign_statement byte for byte.
 */
export async function signStatement(signer, body, fields = {}) {
  const { cosigners = [], ...rest } = fields;
  const prepared = await prepareStatement(signer, body, rest);
  return signPrepared(prepared, signer, ...(await inSigningOrder(prepared.head, cosigners)));
}

/** A social recovery's contacts sign in the order of its contact lines, whatever order given. */
export async function inSigningOrder(head, cosigners) {
  if (head.kind !== "social-recovery") return cosigners;
  const keyed = await Promise.all(cosigners.map(async (c) => [await fingerprint(await c.verifier()), c]));
  return keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, c]) => c);
}

// --- What a server checks of a new head (format.py's check_new_head) ------------------------
// Readers (openHead, readStatement, verify.js) do not apply these: heads logged before each
// rule stay readable. docs/statement-format.md, "Logging rules".

/** A language tag in the case RFC 5646 section 2.1.1 writes it: format.py's canonical_language_case. */
export function canonicalLanguageCase(tag) {
  const [first, ...rest] = tag.split("-");
  const written = [first.toLowerCase()];
  let afterSingleton = false;
  for (const subtag of rest) {
    afterSingleton = afterSingleton || subtag.length === 1;
    const letters = /^[A-Za-z]+$/.test(subtag);
    if (!afterSingleton && letters && subtag.length === 2) written.push(subtag.toUpperCase());
    else if (!afterSingleton && letters && subtag.length === 4) {
      written.push(subtag[0].toUpperCase() + subtag.slice(1).toLowerCase());
    } else written.push(subtag.toLowerCase());
  }
  return written.join("-");
}

/** New heads spell their language tag one way: canonicalLanguageCase's. */
export function checkLanguageCase(tag) {
  const canonical = canonicalLanguageCase(tag);
  if (canonical !== tag) {
    throw new MalformedStatement(
      `the language tag ${JSON.stringify(tag.slice(0, 40))} is not in its canonical case: write ` +
        `${JSON.stringify(canonical.slice(0, 40))} (RFC 5646, section 2.1.1), so that one language has one spelling`,
    );
  }
}

function checkNewLabel(label, what) {
  const found = invisibleCharacter(label);
  if (found === null) return;
  const code = "U+" + found.character.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
  throw new MalformedStatement(
    `${what} holds the invisible character ${code} at position ${found.position + 1}; names may hold ` +
      "only visible characters, so that no one can copy another author's name with hidden differences",
  );
}

/**
 * Whether a key rotation's (or recovery's) note carries a valid signature by the new key it
 * names: format.py's new_key_accepted. A rotation to its own key is never two-way.
 */
/** Whether `note` has a line by `key` (name and key ID) that verifies, and none failing. */
async function signedBy(note, key) {
  if (!note.signatures.some((s) => s.name === key.name && bytesEqual(s.keyId, key.keyId))) return false;
  try {
    await verifyNote({ text: note.text, signatures: note.signatures }, [key]);
  } catch (error) {
    if (error instanceof NoteError) return false;
    throw error;
  }
  return true;
}

/** Whether a device statement's note carries a valid signature by its device key: format.py's device_accepted. */
export async function deviceAccepted(head, note) {
  return head.kind === "device" && head.subject !== null && !sameKey(head.subject, head.author) && (await signedBy(note, head.subject));
}

/** The fingerprints of the listed contacts whose signatures verify: format.py's contacts_signed. */
export async function contactsSigned(head, note) {
  if (head.kind !== "social-recovery") return [];
  const found = [];
  for (const contact of head.contacts) if (await signedBy(note, contact)) found.push(await fingerprint(contact));
  return found.sort();
}

/** The keys whose signature lines a head accepted for logging carries, in order: format.py's signers_in_order. */
export function signersInOrder(head) {
  const required = [head.author];
  if (NEW_KEY_KINDS.has(head.kind) && head.newKey) required.push(head.newKey);
  else if (head.kind === "device" && head.subject) required.push(head.subject);
  else if (head.kind === "social-recovery") required.push(...head.contacts);
  return required;
}

export async function newKeyAccepted(head, note) {
  const newKey = head.newKey;
  if (!["key-rotation", "recovery"].includes(head.kind) || !newKey || newKey.equals(head.author)) return false;
  try {
    await verifyNote({ text: note.text, signatures: note.signatures }, [newKey]);
  } catch (error) {
    if (error instanceof NoteError) return false;
    throw error;
  }
  return true;
}

/**
 * One statement, one log entry (format.py's check_canonical_entry): the head is its note text
 * and exactly the signatures its kind needs (the author's; a rotation's new key after it), in
 * canonical base64.
 */
export function checkCanonicalEntry(head, note, headBytes) {
  const required = signersInOrder(head);
  const same =
    note.signatures.length === required.length &&
    note.signatures.every((s, i) => s.name === required[i].name && bytesEqual(s.keyId, required[i].keyId));
  if (!same) {
    throw new MalformedStatement(
      `the head carries ${note.signatures.length} signature line(s); a ${head.kind} carries exactly ` +
        `${required.length}, by ${required.map((k) => k.name).join(" and ")}, in that order, so that one statement is one log entry`,
    );
  }
  if (!bytesEqual(encodeNote({ text: note.text, signatures: note.signatures }), asBytes(headBytes))) {
    throw new MalformedStatement(
      "a signature line of the head is not in canonical base64 (padding bits set, or another spelling " +
        "of the same bytes); sign it again, or send it as signed",
    );
  }
}

/**
 * The rules a statement logged from now on must meet beyond reading it (format.py's
 * check_new_head), given openHead's {head, note} and the signed head's bytes.
 */
export async function checkNewHead(head, note, headBytes) {
  checkNewLabel(head.author.name, "the author key's name");
  if (head.subject) checkNewLabel(head.subject.name, "the subject key's name");
  if (head.newKey) checkNewLabel(head.newKey.name, "the new key's name");
  if (head.recovery) checkNewLabel(head.recovery.name, "the recovery key's name");
  for (const contact of head.contacts) checkNewLabel(contact.name, "a contact key's name");
  if (head.name !== null) checkNewLabel(head.name, "the display name");
  checkLanguageCase(head.lang);
  if (head.kind === "recovery" && !(await newKeyAccepted(head, note))) {
    throw new WrongAuthor(
      "a recovery must be signed by both keys: the recovery key that vouches for the author, and the new " +
        "key that accepts (`firsthand recover`), so that no one can claim a key that is not theirs",
    );
  }
  if (head.kind === "device" && !(await deviceAccepted(head, note))) {
    throw new WrongAuthor(
      "a device statement must be signed by both keys: the identity key that certifies the device, and the " +
        "device key that accepts, so that no one can claim another person's key as their device",
    );
  }
  if (head.kind === "social-recovery") {
    const signed = new Set(await contactsSigned(head, note));
    const missing = [];
    for (const c of head.contacts) if (!signed.has(await fingerprint(c))) missing.push(c.name);
    if (missing.length > 0) {
      throw new WrongAuthor(
        "a social recovery carries a signature by each contact it lists, over the same text; missing or " +
          `invalid: ${missing.slice(0, 4).join(", ")}`,
      );
    }
  }
  if (head.kind === "key-rotation" && !(await newKeyAccepted(head, note))) {
    throw new WrongAuthor(
      "a key rotation must be signed by both keys: the old key that hands over and the new key that " +
        "accepts (sign it with both; `firsthand sign --kind key-rotation --new-key NEW.key`), so that " +
        "no one can claim a key that is not theirs",
    );
  }
  checkCanonicalEntry(head, note, headBytes);
}
