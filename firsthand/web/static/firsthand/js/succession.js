// Who speaks for an identity after a loss: trusted contacts (k of n) and device keys, the twin
// of firsthand/statements/succession.py (the rules) and bundle_succession.py (asking them about
// what an offline bundle carries). docs/recovery.md states the rules; docs/bundle-format.md,
// "Succession", what a bundle carries. Rows are plain objects, keys by fingerprint (hex):
//   {index, kind, author, subject, newKey, revokedFrom, contacts: [...], threshold, cosigned: Set}

import { contactsSigned, deviceAccepted, newKeyAccepted } from "./statement.js";
import { fingerprint } from "./identity.js";

// A point no statement reaches: "not revoked" (succession.py NEVER). Indexes here are at most
// 2^53 - 1, so Infinity orders as 2^63 does.
const NEVER = Infinity;
// Entries a bundle's `succession` may carry (bundle_succession.py MAX_SUCCESSION).
export const MAX_SUCCESSION = 256;
const REVOKING = new Set(["revocation", "recovery", "social-recovery"]);

/** A logged head as the rules read it (bundle_succession.py as_logged). */
export async function asLogged(index, head, note) {
  let cosigned = [];
  if ((head.kind === "key-rotation" || head.kind === "recovery") && (await newKeyAccepted(head, note))) {
    cosigned = [await fingerprint(head.newKey)];
  } else if (head.kind === "device" && (await deviceAccepted(head, note))) {
    cosigned = [await fingerprint(head.subject)];
  } else if (head.kind === "social-recovery") {
    cosigned = await contactsSigned(head, note);
  }
  const contacts = [];
  for (const c of head.contacts) contacts.push(await fingerprint(c));
  return {
    index,
    kind: head.kind,
    author: await fingerprint(head.author),
    subject: head.subject ? await fingerprint(head.subject) : null,
    newKey: head.newKey ? await fingerprint(head.newKey) : null,
    revokedFrom: head.revokedFrom ?? null,
    contacts,
    threshold: head.threshold ?? null,
    cosigned: new Set(cosigned),
  };
}

/** The point a row revokes from: its `from`, or its own index, whichever is smaller. */
function since(row) {
  const from = row.revokedFrom;
  if (from === null || BigInt(from) >= BigInt(row.index)) return row.index;
  return Number(from);
}

/** succession.py contacts_in_force: the key's latest contacts statement logged before `before`. */
export function contactsInForce(history, key, before) {
  let latest = null;
  for (const row of history) {
    if (row.kind === "contacts" && row.author === key && row.index < before && (latest === null || row.index > latest.index)) {
      latest = row;
    }
  }
  if (latest === null || latest.threshold === null) return null;
  return { index: latest.index, contacts: new Set(latest.contacts), threshold: Number(latest.threshold) };
}

function countedContacts(recovery, contacts, contactRevokedAt) {
  const counted = new Set();
  for (const c of recovery.contacts) {
    if (recovery.cosigned.has(c) && contacts.contacts.has(c) && (contactRevokedAt.get(c) ?? NEVER) > recovery.index) {
      counted.add(c);
    }
  }
  return counted;
}

function weigh(row, key, history, recoveryKey, contactRevokedAt, point) {
  if (row.kind === "revocation" && row.author === key) {
    return { since: row.index, byIndex: row.index, kind: row.kind, newKey: null, byRecoveryKey: false };
  }
  if (row.kind === "revocation" || row.kind === "recovery") {
    if (recoveryKey === null || row.author !== recoveryKey) return null;
    if (row.kind === "recovery" && (row.newKey === null || !row.cosigned.has(row.newKey))) return null;
    return { since: since(row), byIndex: row.index, kind: row.kind, newKey: row.newKey, byRecoveryKey: true };
  }
  const contacts = contactsInForce(history, key, Math.min(point, since(row)));
  if (contacts === null || countedContacts(row, contacts, contactRevokedAt).size < contacts.threshold) return null;
  return { since: since(row), byIndex: row.index, kind: row.kind, newKey: row.author, byRecoveryKey: false };
}

/** succession.py revocations_of: every valid revocation, recovery and social recovery of `key`. */
export function revocationsOf(key, history, recoveryKey, contactRevokedAt) {
  const candidates = history
    .filter((r) => r.subject === key && REVOKING.has(r.kind))
    .sort((a, b) => since(a) - since(b) || a.index - b.index);
  const valid = [];
  let point = NEVER;
  for (const row of candidates) {
    const found = weigh(row, key, history, recoveryKey, contactRevokedAt, point);
    if (found !== null) {
      valid.push(found);
      point = Math.min(point, found.since);
    }
  }
  return valid;
}

function claims(row, key) {
  if (row.kind === "key-rotation" || row.kind === "recovery") return row.newKey === key && row.cosigned.has(key);
  if (row.kind === "social-recovery") return row.author === key;
  return row.kind === "device" && row.subject === key && row.cosigned.has(key);
}

function isDevice(key, history, before = NEVER) {
  return history.some((r) => r.kind === "device" && r.subject === key && r.cosigned.has(key) && r.index < before);
}

/** succession.py device_refusal, as a yes or no: whether a device statement makes a device. */
function deviceRefused(certification, history, revokedAt) {
  const { subject: device, author: identity, index: at } = certification;
  if (device === null || !certification.cosigned.has(device)) return true;
  if (history.some((r) => r.author === device && r.index < at)) return true;
  if (history.some((r) => claims(r, device) && r.index < at)) return true;
  if (isDevice(identity, history, at)) return true;
  const point = revokedAt(identity);
  return point !== null && at >= point;
}

/** succession.py device_of: the identity `key` is a device of, with its revocation, or null. */
export function deviceOf(key, history, revokedAt, chainOf) {
  const certifications = history.filter((r) => r.kind === "device" && r.subject === key).sort((a, b) => a.index - b.index);
  for (const certification of certifications) {
    if (!certification.cosigned.has(key)) continue;
    if (deviceRefused(certification, history, revokedAt)) return null; // the first two-way claim decides
    const device = { key, identity: certification.author, index: certification.index, revokedSince: null, revokedBy: null };
    return withRevocation(device, history, revokedAt, chainOf);
  }
  return null;
}

function withRevocation(device, history, revokedAt, chainOf) {
  const chain = new Map(chainOf(device.identity));
  let point = null;
  for (const row of history) {
    if ((row.kind !== "device-revocation" && row.kind !== "revocation") || row.subject !== device.key) continue;
    let found;
    if (row.author === device.key) found = [row.index, row.index];
    else if (row.kind === "device-revocation" && speaksFor(row, chain, revokedAt)) found = [since(row), row.index];
    else continue;
    if (point === null || found[0] < point[0] || (found[0] === point[0] && found[1] < point[1])) point = found;
  }
  if (point === null) return device;
  return { ...device, revokedSince: point[0], revokedBy: point[1] };
}

function speaksFor(row, chain, revokedAt) {
  const start = chain.get(row.author);
  if (start === undefined || row.index < start) return false;
  const point = revokedAt(row.author);
  return point === null || row.index < point;
}

/**
 * What a bundle carries about who spoke for keys (bundle_succession.py Carried): the rows, and
 * each key's recovery key from its earliest carried statement (`commitments`: key -> [recovery
 * key, index]).
 */
export class Carried {
  constructor(rows, commitments) {
    this.rows = [...rows].sort((a, b) => a.index - b.index);
    this.commitments = commitments;
  }

  recoveryKey(key) {
    return this.commitments.get(key)?.[0] ?? null;
  }

  history(key, withSocial) {
    const committed = this.commitments.get(key) ?? null;
    return this.rows.filter((row) => {
      if (row.kind === "social-recovery" && !withSocial) return false;
      return !(
        (row.kind === "revocation" || row.kind === "recovery") &&
        row.subject === key &&
        row.author !== key &&
        committed !== null &&
        row.author === committed[0] &&
        row.index <= committed[1]
      );
    });
  }

  revocations(key) {
    const contacts = new Set(this.rows.filter((r) => r.kind === "contacts" && r.author === key).flatMap((r) => r.contacts));
    const contactPoints = new Map();
    for (const contact of contacts) {
      const found = revocationsOf(contact, this.history(contact, false), this.recoveryKey(contact), new Map());
      if (found.length > 0) contactPoints.set(contact, Math.min(...found.map((r) => r.since)));
    }
    return revocationsOf(key, this.history(key, true), this.recoveryKey(key), contactPoints);
  }

  revokedAt(key) {
    const found = this.revocations(key);
    return found.length === 0 ? null : Math.min(...found.map((r) => r.since));
  }

  device(key) {
    return deviceOf(key, this.rows, (k) => this.revokedAt(k), (i) => [[i, 0]]);
  }
}

/** bundle_succession.py carried: the rows, with each key's earliest carried statement's recovery key. */
export async function carried(rows, heads) {
  const earliest = new Map();
  for (const row of [...rows].sort((a, b) => a.index - b.index)) if (!earliest.has(row.author)) earliest.set(row.author, row);
  const commitments = new Map();
  for (const [author, row] of earliest) {
    const recovery = heads.get(row.index).recovery;
    if (recovery) commitments.set(author, [await fingerprint(recovery), row.index]);
  }
  return new Carried(rows, commitments);
}
