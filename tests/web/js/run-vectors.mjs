// The published test vectors (docs/vectors, made by scripts/make-vectors.py) run against the
// browser modules: every case's expected answer, given by the JavaScript twin of the Python
// verifier. Prints {"passed": n, "failures": [...]} and exits 1 on any failure.
// Run: node tests/web/js/run-vectors.mjs   (tests/web/test_browser_vectors.py does)

import { readFileSync } from "node:fs";

import { base64Decode, hexEncode, utf8Decode, utf8Encode } from "../../../firsthand/web/static/firsthand/js/encoding.js";
import { fingerprint } from "../../../firsthand/web/static/firsthand/js/identity.js";
import { Verifier } from "../../../firsthand/web/static/firsthand/js/note.js";
import {
  checkNewHead,
  leafHash,
  newKeyAccepted,
  openHead,
  readStatement,
  splitStatementFile,
  verifyBody,
} from "../../../firsthand/web/static/firsthand/js/statement.js";
import { verifyBundle } from "../../../firsthand/web/static/firsthand/js/verify.js";

const load = (name) => JSON.parse(readFileSync(new URL(`../../../docs/vectors/${name}`, import.meta.url), "utf8"));

/** JSON with its object keys sorted, so two answers compare whatever their key order. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

const keyText = (key) => (key ? key.text : null);

function fields(head) {
  return {
    author: head.author.text,
    time: head.time,
    lang: head.lang,
    kind: head.kind,
    body_sha256: head.bodySha256,
    body_length: String(head.bodyLength),
    media: head.media.map((m) => ({ sha256: m.sha256, type: m.type, size: String(m.size) })),
    refers: head.refers.map((r) => `${r.kind}:${r.sha256}`),
    subject: keyText(head.subject),
    new_key: keyText(head.newKey),
    seen_at: head.seenAt,
    reason: head.reason,
    name: head.name,
    from: head.revokedFrom === null ? null : String(head.revokedFrom),
    recovery: keyText(head.recovery),
    // Only when present, as make-vectors.py writes them.
    ...(head.contacts.length > 0 ? { contacts: head.contacts.map((c) => c.text) } : {}),
    ...(head.threshold !== null ? { threshold: String(head.threshold) } : {}),
  };
}

async function readHead(headBytes) {
  const { head, note } = await openHead(headBytes, { checkTime: false });
  return {
    valid: true,
    leaf_hash: hexEncode(await leafHash(headBytes)),
    author_fingerprint: await fingerprint(head.author),
    two_way: head.kind === "key-rotation" ? await newKeyAccepted(head, note) : null,
    fields: fields(head),
  };
}

async function outcome(action, failure) {
  try {
    return await action();
  } catch (error) {
    return failure(error);
  }
}

const invalid = (error) => ({ valid: false, error: error?.name ?? String(error) });
const notLogged = (error) => ({ accepted: false, error: error?.name ?? String(error) });

const RUNNERS = {
  "verifier-keys.json": async (c) => ({
    expect: c.expect,
    got: await outcome(async () => {
      const key = await Verifier.fromText(c.key);
      return {
        valid: true,
        name: key.name,
        key_id: hexEncode(key.keyId),
        public_key: hexEncode(key.publicKey),
        fingerprint: await fingerprint(key),
      };
    }, invalid),
  }),
  "heads.json": async (c, file) => {
    const bytes = utf8Encode(c.head);
    const now = new Date(file.now);
    return {
      expect: { verify: c.verify, log: c.log },
      got: {
        verify: await outcome(() => readHead(bytes), invalid),
        log: await outcome(async () => {
          const { head, note } = await openHead(bytes, { now });
          await checkNewHead(head, note, bytes);
          return { accepted: true };
        }, notLogged),
      },
    };
  },
  "statements.json": async (c, file) => {
    const data = c.file !== undefined ? utf8Encode(c.file) : base64Decode(c.file_base64);
    const now = new Date(file.now);
    const verify = await outcome(async () => {
      const [headBytes, bodyBytes] = splitStatementFile(data);
      let body;
      try {
        body = utf8Decode(bodyBytes);
      } catch {
        return { valid: false, error: "MalformedStatement" };
      }
      const { head } = await openHead(headBytes, { checkTime: false });
      await verifyBody(head, body, bodyBytes.length); // readers set no size limit
      return { ...(await readHead(headBytes)), body };
    }, invalid);
    const log = await outcome(async () => {
      const options = c.max_body === undefined ? { now } : { now, maxBody: c.max_body };
      const statement = await readStatement(data, options);
      await checkNewHead(statement.head, statement.note, statement.headBytes);
      return { accepted: true };
    }, notLogged);
    return { expect: { verify: c.verify, log: c.log }, got: { verify, log } };
  },
  "bundles.json": async (c, file) => {
    const result = await verifyBundle(c.bundle_text ?? c.bundle, c.log_key ?? file.log_key, {
      witnesses: c.witnesses ?? [],
      quorum: c.quorum ?? 0,
      operatorKey: c.operator_key ?? null,
    });
    const failed = result.checks.find((check) => check.status === "failed");
    const got = result.valid ? result.verdict : { valid: false, failed_check: failed?.id ?? null };
    return { expect: c.verdict, got };
  },
};

let passed = 0;
const failures = [];
for (const [name, run] of Object.entries(RUNNERS)) {
  const file = load(name);
  for (const c of file.cases) {
    try {
      const { expect, got } = await run(c, file);
      if (canonical(expect) === canonical(got)) passed++;
      else failures.push({ file: name, id: c.id, expected: expect, got });
    } catch (error) {
      failures.push({ file: name, id: c.id, error: `${error?.name}: ${error?.message}` });
    }
  }
}
process.stdout.write(JSON.stringify({ passed, failures }, null, 1));
process.exitCode = failures.length ? 1 : 0;
