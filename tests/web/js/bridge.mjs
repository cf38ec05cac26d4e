// Runs the browser modules in Node for tests/web/test_browser_crypto.py.
// Reads a JSON list of requests on stdin, answers a JSON list of results on stdout, so
// one node process serves a whole test. Each request is {op, ...}; each result is
// {ok: true, value} or {ok: false, error: {name, message}}. Bytes travel as hex.

import { hexDecode, hexEncode, utf8Encode } from "../../../firsthand/web/static/firsthand/js/encoding.js";
import {
  generateIdentity,
  isSealedKeyFile,
  keyFileText,
  openSealedKeyFile,
  parseKeyFile,
  privateKeyText,
  sealKeyFile,
  signerFromSeed,
} from "../../../firsthand/web/static/firsthand/js/keys.js";
import { fingerprint, invisibleCharacter } from "../../../firsthand/web/static/firsthand/js/identity.js";
import { checkKeyName } from "../../../firsthand/web/static/firsthand/js/note.js";
import { parseHeadText, readStatement, signStatement } from "../../../firsthand/web/static/firsthand/js/statement.js";
import { verifyBundle } from "../../../firsthand/web/static/firsthand/js/verify.js";
import { seedFromWords, wordsFromSeed } from "../../../firsthand/web/static/firsthand/js/recovery-words.js";

function headFields(head) {
  return {
    author: head.author.text,
    time: head.time,
    lang: head.lang,
    kind: head.kind,
    body_sha256: head.bodySha256,
    body_length: String(head.bodyLength),
    media: head.media.map((m) => [m.sha256, m.type, String(m.size)]),
    refers: head.refers.map((r) => `${r.kind}:${r.sha256}`),
    subject: head.subject?.text ?? null,
    new_key: head.newKey?.text ?? null,
    seen_at: head.seenAt,
    reason: head.reason,
    name: head.name,
  };
}

async function signer(request) {
  return signerFromSeed(request.name, hexDecode(request.seed));
}

const OPS = {
  async words_from_seed(r) {
    return wordsFromSeed(hexDecode(r.seed));
  },
  async seed_from_words(r) {
    try {
      return hexEncode(await seedFromWords(r.words));
    } catch (error) {
      if (error.name !== "RecoveryWordsError") throw error;
      return { reason: error.reason, word: error.word, position: error.position, count: error.count };
    }
  },
  async sign(r) {
    // fields.cosigners: [{name, seed}], signing the head after the author (a key rotation's new key)
    const { cosigners = [], ...fields } = r.fields ?? {};
    const others = await Promise.all(cosigners.map(signer));
    const statement = await signStatement(await signer(r), r.body, { ...fields, cosigners: others });
    return { file: statement.fileText, leaf_hash: hexEncode(statement.leafHash) };
  },
  async read_statement(r) {
    const statement = await readStatement(utf8Encode(r.file), r.now ? { now: new Date(r.now) } : {});
    return headFields(statement.head);
  },
  async parse_head(r) {
    return headFields(await parseHeadText(r.text));
  },
  async invisible_character(r) {
    const found = invisibleCharacter(r.text);
    return found === null ? null : [found.position, found.character];
  },
  async fingerprint(r) {
    return fingerprint((await signer(r)).publicKey);
  },
  async check_key_name(r) {
    checkKeyName(r.text);
    return true;
  },
  async key_file(r) {
    return keyFileText(await signer(r));
  },
  async parse_key_file(r) {
    const options = { passphrase: r.passphrase ?? undefined, insecureTestIterations: r.test_iterations ?? undefined };
    const s = await parseKeyFile(r.text, options);
    return { verifier: (await s.verifier()).text, private_key: privateKeyText(s), sealed: isSealedKeyFile(r.text) };
  },
  async open_sealed(r) {
    const s = await openSealedKeyFile(r.text, r.passphrase, { insecureTestIterations: r.test_iterations ?? undefined });
    return privateKeyText(s);
  },
  async seal(r) {
    const options = r.test_iterations === undefined ? {} : { insecureTestIterations: r.test_iterations };
    return sealKeyFile(await signer(r), r.passphrase, options);
  },
  async generate(r) {
    const s = await generateIdentity(r.name);
    return { private_key: privateKeyText(s), verifier: (await s.verifier()).text };
  },
  async verify_bundle(r) {
    const result = await verifyBundle(r.bundle, r.log_key, {
      operatorKey: r.operator_key ?? null,
      witnesses: r.witnesses ?? [],
      quorum: r.quorum ?? 0,
    });
    return result;
  },
};

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const requests = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const results = [];
for (const request of requests) {
  try {
    const op = OPS[request.op];
    if (op === undefined) throw new Error(`unknown op ${request.op}`);
    results.push({ ok: true, value: await op(request) });
  } catch (error) {
    results.push({ ok: false, error: { name: error?.name ?? "Error", message: error?.message ?? String(error) } });
  }
}
process.stdout.write(JSON.stringify(results, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
