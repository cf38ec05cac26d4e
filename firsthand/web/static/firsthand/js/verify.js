// Offline bundle verification in the browser (docs/bundle-format.md), the twin of
// firsthand/statements/bundle.py's verify_bundle: the same checks, in the same order, with
// the same messages. Where Python stops at the first failure, verifyBundle reports every
// check (ok, failed, or skipped when what it needs failed first) and never throws, so a
// page can show the whole picture; `error` is the first failure, Python's message.
//
// The inclusion proof is checked with RFC 9162 section 2.1.3.2, step by step, and also
// laid out as a path (RFC 6962 section 2.1.1's PATH) for the page to draw.
//
// The verdict names the author by their fingerprint (identity.js), and says of a key
// rotation whether it is two-way (signed by the new key too) or one-way: an old one-way
// rotation still verifies, being validly logged, but is never followed.
//
// A bundle carries the revocations and recoveries of its author's key (and the key's
// recovery commitment), and the social recoveries, contacts and device statements that decide
// who spoke for the key (succession.js), as bundle_revocations.py reads them: the verdict's
// `stolen_key` says when the statement was signed at or after the point its author revoked the
// key (or its device), and `device` names the identity a device key speaks for.

import { base64Decode, base64Encode, bytesEqual, concatBytes, hexEncode, utf8Decode, utf8Encode } from "./encoding.js";
import { CosignatureVerifier, verifyCosignatures } from "./cosignature.js";
import { fingerprint } from "./identity.js";
import { asLogged, carried, MAX_SUCCESSION } from "./succession.js";
import { NoteError, openNote, Verifier, verifyNote } from "./note.js";
import { BodyMismatch, leafHash, openHead, StatementError, verifyBody } from "./statement.js";

export const FORMAT = "firsthand-bundle/v1";
export const TWO_WAY = "two-way: signed by the old key and by the new key, which accepted it";
export const ONE_WAY = "one-way: signed by the old key only: not followed; anyone can name any key as new";
const HASH_SIZE = 32;
const MAX_TREE_SIZE = 2n ** 64n - 1n;

export class ProofError extends Error {
  constructor(message) {
    super(message);
    this.name = "ProofError";
  }
}

export async function nodeHash(left, right) {
  return new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", concatBytes(new Uint8Array([0x01]), left, right)));
}

function whole(value, what) {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) throw new ProofError(`${what} ${value} is not a whole number the log can hold`);
  return BigInt(value);
}

function checkHash(what, value) {
  if (!(value instanceof Uint8Array) || value.length !== HASH_SIZE) {
    throw new ProofError(`${what} is ${value?.length} bytes long, not ${HASH_SIZE}`);
  }
}

/** The root an audit path leads to (RFC 9162 2.1.3.2); ProofError if it is malformed. */
export async function rootFromInclusionProof(index, size, leaf, proof) {
  const i = whole(index, "the index");
  const n = whole(size, "the tree size");
  if (!(0n <= i && i < n && n <= MAX_TREE_SIZE)) throw new ProofError(`index ${index} is not in a tree of size ${size}`);
  checkHash("the leaf hash", leaf);
  let fn = i;
  let sn = n - 1n;
  let r = leaf;
  for (const [k, p] of proof.entries()) {
    checkHash(`proof hash ${k}`, p);
    if (sn === 0n) throw new ProofError(`the proof is too long for index ${index} in size ${size}`);
    if (fn & 1n || fn === sn) {
      r = await nodeHash(p, r);
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ProofError(`the proof is too short for index ${index} in size ${size}`);
  return r;
}

/** ProofError unless `leaf` is entry `index` of the tree of `size` with `root`. */
export async function verifyInclusion(index, size, leaf, proof, root) {
  checkHash("the root", root);
  if (!bytesEqual(await rootFromInclusionProof(index, size, leaf, proof), root)) {
    throw new ProofError(`the proof does not lead from entry ${index} to the root of size ${size}`);
  }
}

const height = (count) => {
  let h = 0;
  while (2 ** h < count) h++;
  return h;
};

/**
 * The audit path laid out for drawing, leaf first: each step's sibling subtree
 * (entries [start, end), its level = height above the leaves, and the side it joins
 * from), its hash, and the parent hash it makes. Steps past the proof's length are left
 * out; whether the proof holds is rootFromInclusionProof's business.
 */
export async function inclusionPath(index, size, leaf, proof) {
  const shape = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    let k = 1;
    while (k * 2 < hi - lo) k *= 2;
    if (index - lo < k) {
      shape.push({ side: "right", start: lo + k, end: hi });
      hi = lo + k;
    } else {
      shape.push({ side: "left", start: lo, end: lo + k });
      lo += k;
    }
  }
  shape.reverse();
  const steps = [];
  let r = leaf;
  for (const [k, s] of shape.entries()) {
    const p = proof[k];
    if (!(p instanceof Uint8Array) || p.length !== HASH_SIZE) break;
    r = s.side === "left" ? await nodeHash(p, r) : await nodeHash(r, p);
    steps.push({
      level: height(s.end - s.start),
      side: s.side,
      start: s.start,
      end: s.end,
      hash: hexEncode(p),
      parent: hexEncode(r),
    });
  }
  return { index, size, leafHash: hexEncode(leaf), steps };
}

// C2SP tlog-checkpoint v1.0.0, as firsthand/log/checkpoint.py parses it.
const CONTROL = /[\x00-\x1f]/;

function checkLine(line, what) {
  if (line === "") throw new ProofError(`the checkpoint's ${what} is empty`);
  const bad = CONTROL.exec(line);
  if (bad) throw new ProofError(`the checkpoint's ${what} holds U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}, which a note cannot carry`);
}

/** {origin, size (BigInt), rootHash, extensions} of a checkpoint body; ProofError if off-spec. */
export function parseCheckpointBody(text) {
  if (!text.endsWith("\n")) throw new ProofError("a checkpoint body ends with a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) {
    throw new ProofError(`a checkpoint has an origin, a size and a root hash, one per line; this one has ${lines.length} line(s)`);
  }
  const [origin, sizeText, rootText, ...extensions] = lines;
  checkLine(origin, "origin");
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) {
    throw new ProofError(`the checkpoint size ${JSON.stringify(sizeText)} is not a decimal number without leading zeros`);
  }
  const size = BigInt(sizeText);
  if (size > MAX_TREE_SIZE) throw new ProofError(`the checkpoint size ${sizeText} does not fit in 64 bits`);
  let root;
  try {
    root = base64Decode(rootText);
  } catch {
    throw new ProofError(`the checkpoint root hash ${JSON.stringify(rootText)} is not valid base64`);
  }
  if (root.length !== HASH_SIZE) throw new ProofError(`the checkpoint root hash has ${root.length} bytes, not ${HASH_SIZE}`);
  if (base64Encode(root) !== rootText) throw new ProofError(`the checkpoint root hash ${JSON.stringify(rootText)} is not canonical`);
  extensions.forEach((line, i) => checkLine(line, `extension line (line ${i + 4})`));
  return { origin, size, rootHash: root, extensions };
}

/** Verify a checkpoint note by the log key (its name must be the origin), then parse it. */
export async function openCheckpoint(data, logKey) {
  const note = await openNote(data, [logKey]);
  const checkpoint = parseCheckpointBody(note.text);
  if (checkpoint.origin !== logKey.name) {
    throw new ProofError(`the checkpoint's origin ${JSON.stringify(checkpoint.origin)} is not the log key's name ${JSON.stringify(logKey.name)}`);
  }
  return { checkpoint, note };
}

const CHECKS = [
  ["format", "the file is a firsthand bundle"],
  ["checkpoint", "the checkpoint is signed by the log key"],
  ["tree-size", "the checkpoint's size is the bundle's tree size"],
  ["head", "the statement is signed by its author"],
  ["withheld", "the operator's withholding notice names this statement and is in the log"],
  ["body", "the body is the text the author signed"],
  ["inclusion", "the log holds the statement at its index"],
  ["revocations", "the revocations of the author's key that the bundle carries are in the log"],
  ["witnesses", "enough of the named witnesses cosigned the checkpoint"],
];

class Failed extends Error {}
const isInt = (v) => Number.isSafeInteger(v);

function decodeProof(texts) {
  if (!Array.isArray(texts)) throw new ProofError("the proof is not a list");
  return texts.map((p) => {
    if (typeof p !== "string") throw new ProofError("a proof hash is not text");
    return base64Decode(p);
  });
}

async function inclusion(what, index, headBytes, proofTexts, checkpoint) {
  const leaf = await leafHash(headBytes);
  let proof;
  try {
    proof = decodeProof(proofTexts);
    await verifyInclusion(index, checkpoint.size, leaf, proof, checkpoint.rootHash);
  } catch (error) {
    throw new Failed(`the inclusion proof does not put ${what} at index ${index} of the log: ${error.message}`);
  }
  return inclusionPath(index, Number(checkpoint.size), leaf, proof);
}

async function withholding(notice, headBytes, checkpoint, operatorKey) {
  if (notice === null || typeof notice !== "object" || Array.isArray(notice)) {
    throw new Failed("the bundle's withholding notice is not an object");
  }
  const { index, head: noticeText } = notice;
  if (!isInt(index) || typeof noticeText !== "string") {
    throw new Failed("the bundle's withholding notice lacks its index or its signed head");
  }
  let head;
  try {
    ({ head } = await openHead(utf8Encode(noticeText), { checkTime: false }));
  } catch (error) {
    throw new Failed(`the withholding notice's signature does not hold: ${error.message}`);
  }
  const ownLeaf = hexEncode(await leafHash(headBytes));
  if (head.kind !== "withholding" || head.refers.length !== 1 || head.refers[0].sha256 !== ownLeaf) {
    throw new Failed("the withholding notice does not name this statement");
  }
  if (operatorKey !== null && !head.author.equals(operatorKey)) {
    throw new Failed(`the withholding notice is signed by ${head.author.name}, not by the operator key ${operatorKey.name}`);
  }
  const path = await inclusion("the withholding notice", index, utf8Encode(noticeText), notice.inclusion_proof, checkpoint);
  const date = head.time.slice(0, 10);
  return {
    path,
    withheld: {
      operator_key: head.author.text,
      date,
      reason: head.reason,
      notice_index: index,
      message: `withheld by the operator on ${date}: ${head.reason}`,
    },
  };
}

/**
 * Whether a key rotation's note carries a valid signature by the new key it names:
 * format.py's rotation_accepted_by_new_key. A rotation to its own key is never two-way.
 */
export async function rotationAcceptedByNewKey(head, note) {
  const newKey = head.newKey;
  if (head.kind !== "key-rotation" || !newKey || newKey.equals(head.author)) return false;
  try {
    await verifyNote({ text: note.text, signatures: note.signatures }, [newKey]);
  } catch (error) {
    if (error instanceof NoteError) return false;
    throw error;
  }
  return true;
}

// Revocations a bundle may carry (bundle_revocations.py MAX_REVOCATIONS).
const MAX_REVOCATIONS = 64;
const REVOKING = ["revocation", "recovery"];

/** A carried entry's index, head and note, once its signature and inclusion are checked. */
async function carriedEntry(entry, what, checkpoint) {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) throw new Failed(`${what} is not an object`);
  const { index, head: text } = entry;
  if (!isInt(index) || index < 0 || typeof text !== "string") throw new Failed(`${what} lacks its index or its signed head`);
  const bytes = utf8EncodeOrNull(text);
  if (bytes === null) throw new Failed(`${what} holds a lone surrogate: it is not text`);
  let opened;
  try {
    opened = await openHead(bytes, { checkTime: false });
  } catch (error) {
    throw new Failed(`${what}'s signature does not hold: ${error.message}`);
  }
  await inclusion(what, index, bytes, entry.inclusion_proof, checkpoint);
  return { index, head: opened.head, note: opened.note };
}

/** The verdict's `stolen_key`, `revocations` and `device`, from what the bundle carries. */
async function knownRevocations(b, head, checkpoint) {
  const carriedList = b.revocations ?? [];
  if (!Array.isArray(carriedList) || carriedList.length > MAX_REVOCATIONS) {
    throw new Failed(`the bundle's revocations are not a list of at most ${MAX_REVOCATIONS}`);
  }
  const key = head.author.publicKey;
  const me = await fingerprint(head.author);
  const rows = new Map();
  const heads = new Map();
  const keep = async (r) => {
    rows.set(r.index, await asLogged(r.index, r.head, r.note));
    heads.set(r.index, r.head);
  };
  let commitment = null;
  const commitmentEntry = b.recovery_commitment ?? null;
  if (commitmentEntry !== null) {
    const c = await carriedEntry(commitmentEntry, "the recovery commitment", checkpoint);
    if (!bytesEqual(c.head.author.publicKey, key) || c.head.recovery === null) {
      throw new Failed("the recovery commitment is not a statement of this key naming a recovery key");
    }
    if (c.index > b.index) {
      throw new Failed("the recovery commitment is logged after this statement, so it is not the key's first statement");
    }
    commitment = [await fingerprint(c.head.recovery), c.index];
    await keep(c);
  }
  for (const [n, entry] of carriedList.entries()) {
    const r = await carriedEntry(entry, `revocation ${n + 1}`, checkpoint);
    if (!REVOKING.includes(r.head.kind) || r.head.subject === null || !bytesEqual(r.head.subject.publicKey, key)) {
      throw new Failed(`revocation ${n + 1} (entry ${r.index}) is not a revocation or recovery of this key`);
    }
    await keep(r);
  }
  const succession = b.succession ?? [];
  if (!Array.isArray(succession) || succession.length > MAX_SUCCESSION) {
    throw new Failed(`the bundle's succession is not a list of at most ${MAX_SUCCESSION}`);
  }
  for (const [n, entry] of succession.entries()) {
    await keep(await carriedEntry(entry, `succession entry ${n + 1}`, checkpoint));
  }
  const known = await carried([...rows.values()], heads);
  // A recovery key counts beside the key's commitment only.
  if (commitment === null) known.commitments.delete(me);
  else known.commitments.set(me, commitment);

  const points = known.revocations(me).map((r) => [r.since, r.byIndex, r.byRecoveryKey, r.kind]);
  const device = known.device(me);
  let speaksFor = null;
  if (device !== null && device.index < b.index) {
    const certificate = heads.get(device.index);
    const identity = await keyJson(certificate.author);
    const deviceKey = await keyJson(certificate.subject);
    speaksFor = {
      identity,
      device: deviceKey,
      certified_at: device.index,
      message: `signed by device ${deviceKey.fingerprint} of identity ${identity.fingerprint}`,
    };
    if (device.revokedSince !== null) points.push([device.revokedSince, device.revokedBy, false, "device-revocation"]);
  }
  const before = (x, y) => {
    for (let i = 0; i < x.length; i += 1) if (x[i] !== y[i]) return x[i] < y[i];
    return false;
  };
  let first = null;
  for (const p of points) if (first === null || before(p, first)) first = p;
  const stolen = first !== null && b.index >= first[0] ? first : null;
  return {
    stolen_key:
      stolen === null
        ? null
        : {
            since: stolen[0],
            by_index: stolen[1],
            by_recovery_key: stolen[2],
            kind: stolen[3],
            message: `signed by a key its author reported stolen or lost from log entry ${stolen[0]} on (statement ${stolen[1]})`,
          },
    revocations: { as_of_tree_size: Number(checkpoint.size), counted: points.length },
    device: speaksFor,
  };
}

const keyJson = async (key) => ({ name: key.name, key: key.text, fingerprint: await fingerprint(key) });

/** The verdict's `rotation`: bundle.py's Rotation.as_json(), or null for another kind. */
async function rotation(head, note) {
  if (head.kind !== "key-rotation" || !head.newKey) return null;
  const twoWay = await rotationAcceptedByNewKey(head, note);
  return { new_key: await keyJson(head.newKey), two_way: twoWay, message: twoWay ? TWO_WAY : ONE_WAY };
}

/**
 * Check a bundle (an object, or its JSON text) against the log's verifier key text.
 * options.operatorKey (verifier key text) demands the withholding notice be signed by it.
 * options.witnesses (cosigner key texts) and options.quorum (default 0): every line by a
 * named witness must verify, and at least `quorum` of them must have cosigned.
 * Resolves to {valid, error, checks: [{id, title, status, message}], verdict, proof,
 * noticeProof}; never rejects.
 */
export async function verifyBundle(bundle, logVerifierKeyText, options = {}) {
  const results = new Map(CHECKS.map(([id, title]) => [id, { id, title, status: "skipped", message: "" }]));
  const run = async (id, action) => {
    const check = results.get(id);
    try {
      const value = await action();
      check.status = "ok";
      return { ok: true, value };
    } catch (error) {
      check.status = "failed";
      check.message = error instanceof Failed ? error.message : `could not be checked: ${error?.message ?? error}`;
      return { ok: false };
    }
  };

  const out = { verdict: null, proof: null, noticeProof: null };
  const fields = await run("format", async () => {
    let value = bundle instanceof Uint8Array ? utf8DecodeOrNull(bundle) : bundle;
    if (typeof value === "string") {
      try {
        value = JSON.parse(value);
      } catch {
        throw new Failed("this is not a firsthand bundle: it is not JSON");
      }
    }
    if (value === null && bundle instanceof Uint8Array) throw new Failed("this is not a firsthand bundle: it is not JSON");
    if (value === null || typeof value !== "object" || Array.isArray(value) || value.format !== FORMAT) {
      throw new Failed(`this is not a firsthand bundle (${FORMAT})`);
    }
    for (const [name, ok] of [
      ["index", isInt],
      ["tree_size", isInt],
      ["head", (v) => typeof v === "string"],
      ["checkpoint", (v) => typeof v === "string"],
      ["inclusion_proof", Array.isArray],
    ]) {
      if (!ok(value[name])) throw new Failed(`the bundle's '${name}' field is missing or of the wrong type`);
    }
    return value;
  });
  const b = fields.value;

  let checkpoint = { ok: false };
  if (fields.ok) {
    checkpoint = await run("checkpoint", async () => {
      let logKey;
      try {
        logKey = await Verifier.fromText(logVerifierKeyText);
      } catch (error) {
        throw new Failed(`the log key is not a verifier key: ${error.message}`);
      }
      try {
        return { logKey, ...(await openCheckpoint(utf8Encode(b.checkpoint), logKey)) };
      } catch (error) {
        if (error instanceof NoteError || error instanceof ProofError) {
          throw new Failed(`the checkpoint is not signed by the log key ${logKey.name}: ${error.message}`);
        }
        throw error;
      }
    });
  }
  let sized = { ok: false };
  if (checkpoint.ok) {
    sized = await run("tree-size", async () => {
      const size = checkpoint.value.checkpoint.size;
      if (size !== BigInt(b.tree_size)) {
        throw new Failed(`the bundle's tree size (${b.tree_size}) is not the checkpoint's size (${size})`);
      }
    });
  }
  const headBytes = fields.ok ? utf8EncodeOrNull(b.head) : null;
  let head = { ok: false };
  if (fields.ok) {
    head = await run("head", async () => {
      try {
        // Years later the head's time is in the past; a wrong reader clock must not fail it.
        if (headBytes === null) throw new StatementError("the head holds a lone UTF-16 surrogate");
        return await openHead(headBytes, { checkTime: false });
      } catch (error) {
        throw new Failed(`the statement's signature does not hold: ${error.message}`);
      }
    });
  }
  let withheld = null;
  const notice = fields.ok ? b.withheld ?? null : null;
  if (notice === null) results.delete("withheld");
  else if (sized.ok && headBytes !== null) {
    const w = await run("withheld", async () => {
      let operatorKey = null;
      if (options.operatorKey != null) {
        try {
          operatorKey = await Verifier.fromText(options.operatorKey);
        } catch (error) {
          throw new Failed(`the operator key is not a verifier key: ${error.message}`);
        }
      }
      return withholding(notice, headBytes, checkpoint.value.checkpoint, operatorKey);
    });
    if (w.ok) {
      withheld = w.value.withheld;
      out.noticeProof = w.value.path;
    }
  }
  if (fields.ok && head.ok) {
    await run("body", async () => {
      const body = b.body ?? null;
      if (body === null) {
        if (notice === null) throw new Failed("the bundle has no body and no withholding notice");
        if (withheld === null) throw new Failed("the body is withheld, but the withholding notice does not hold");
        return;
      }
      if (typeof body !== "string") throw new Failed("the bundle's body is not text");
      try {
        await verifyBody(head.value.head, body, utf8EncodeOrNull(body)?.length ?? 0);
      } catch (error) {
        if (error instanceof BodyMismatch) throw new Failed("the body was altered: it is not the text the author signed");
        throw new Failed(`the body is not acceptable: ${error.message}`);
      }
    });
  }
  if (sized.ok && headBytes !== null) {
    const proof = await run("inclusion", () =>
      inclusion("this statement", b.index, headBytes, b.inclusion_proof, checkpoint.value.checkpoint),
    );
    if (proof.ok) out.proof = proof.value;
  }
  let revoked = { ok: false };
  if (sized.ok && head.ok) {
    revoked = await run("revocations", () => knownRevocations(b, head.value.head, checkpoint.value.checkpoint));
  }

  const witnessKeys = options.witnesses ?? [];
  const quorum = options.quorum ?? 0;
  let cosignedBy = [];
  let namedWitnesses = [];
  if (witnessKeys.length === 0 && quorum === 0) results.delete("witnesses");
  else if (checkpoint.ok) {
    const w = await run("witnesses", () => witnessQuorum(checkpoint.value.note, witnessKeys, quorum));
    if (w.ok) ({ cosignedBy, witnesses: namedWitnesses } = w.value);
  }

  const checks = [...results.values()];
  const firstFailure = checks.find((c) => c.status === "failed");
  const valid = checks.every((c) => c.status === "ok");
  if (valid) {
    const { logKey, checkpoint: cp, note } = checkpoint.value;
    const { head: h, note: headNote } = head.value;
    out.verdict = {
      valid: true,
      author: { name: h.author.name, key: h.author.text },
      author_fingerprint: await fingerprint(h.author),
      time: h.time,
      kind: h.kind,
      lang: h.lang,
      index: b.index,
      tree_size: b.tree_size,
      log: cp.origin,
      body_withheld: (b.body ?? null) === null,
      withheld,
      // Lines the reader did not ask about: neither the log's nor a named witness's (those were
      // all verified, or the bundle would have failed), matched by name and key ID.
      other_checkpoint_signatures: note.signatures
        .filter((s) => !(s.name === logKey.name && bytesEqual(s.keyId, logKey.keyId)))
        .filter((s) => !namedWitnesses.some((w) => w.matches(s)))
        .map((s) => s.name),
      cosigned_by: cosignedBy,
      rotation: await rotation(h, headNote),
      media: h.media.map((m) => ({ sha256: m.sha256, type: m.type, size: Number(m.size) })),
      device: revoked.value.device,
      stolen_key: revoked.value.stolen_key,
      revocations: revoked.value.revocations,
    };
  }
  return { valid, error: firstFailure ? firstFailure.message : null, checks, ...out };
}

async function witnessQuorum(note, keyTexts, quorum) {
  if (!(quorum >= 0 && quorum <= keyTexts.length)) {
    throw new Failed(`a quorum of ${quorum} cannot be met by ${keyTexts.length} witnesses`);
  }
  const witnesses = [];
  for (const text of keyTexts) {
    try {
      witnesses.push(await CosignatureVerifier.fromText(text));
    } catch (error) {
      throw new Failed(`a witness key is not a cosigner key: ${error.message}`);
    }
  }
  let found;
  try {
    found = await verifyCosignatures(note, witnesses);
  } catch (error) {
    if (error instanceof NoteError) throw new Failed(`a witness cosignature on the checkpoint fails: ${error.message}`);
    throw error;
  }
  if (found.length < quorum) {
    const missing = witnesses.filter((w) => !found.some((f) => f.cosigner === w)).map((w) => w.name);
    throw new Failed(
      `only ${found.length} of the ${witnesses.length} named witnesses cosigned the checkpoint, and ${quorum} are required; no valid cosignature by: ${missing.join(", ")}`,
    );
  }
  const cosignedBy = found.map((f) => ({ witness: f.cosigner.name, key: f.cosigner.text, timestamp: f.timestamp }));
  return { cosignedBy, witnesses };
}

function utf8EncodeOrNull(text) {
  try {
    return utf8Encode(text);
  } catch {
    return null;
  }
}

function utf8DecodeOrNull(bytes) {
  try {
    return utf8Decode(bytes);
  } catch {
    return null;
  }
}
