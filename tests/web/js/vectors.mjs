// Published vectors (tests/log/vectors, each file names its source) run against the browser
// modules. Prints {"passed": n, "failures": [...]} and exits 1 on any failure.
// Run: node tests/web/js/vectors.mjs

import { readFileSync } from "node:fs";

import { base64Decode, bytesEqual, hexDecode, hexEncode, utf8Encode } from "../../../firsthand/web/static/firsthand/js/encoding.js";
import { parsePrivateKey } from "../../../firsthand/web/static/firsthand/js/keys.js";
import {
  AmbiguousKey,
  InvalidSignature,
  MalformedNote,
  openNote,
  parseNote,
  signNote,
  UnverifiedNote,
  Verifier,
} from "../../../firsthand/web/static/firsthand/js/note.js";
import { leafHash } from "../../../firsthand/web/static/firsthand/js/statement.js";
import { parseCheckpointBody, rootFromInclusionProof, verifyInclusion } from "../../../firsthand/web/static/firsthand/js/verify.js";

const load = (name) => JSON.parse(readFileSync(new URL(`../../log/vectors/${name}`, import.meta.url), "utf8"));
let passed = 0;
const failures = [];

async function check(name, action) {
  try {
    const outcome = await action();
    if (outcome === false) failures.push(name);
    else passed++;
  } catch (error) {
    failures.push(`${name}: ${error?.name}: ${error?.message}`);
  }
}

async function refuses(name, action, errorClass = Error) {
  await check(name, async () => {
    try {
      await action();
    } catch (error) {
      if (error instanceof errorClass) return true;
      throw error;
    }
    throw new Error("was accepted");
  });
}

// C2SP signed-note v1.0.0 examples.
const SIGNED = load("signed_note.json");
const example = SIGNED.c2sp_example;
await check("c2sp example verifies", async () => {
  const note = await openNote(utf8Encode(example.signed_note), [await Verifier.fromText(example.verifier_key)]);
  return note.text === example.text && note.verifiedBy.length === 1;
});
const intro = SIGNED.c2sp_intro_note;
await check("c2sp intro note splits at its last blank line", async () => {
  const note = parseNote(utf8Encode(intro.signed_note));
  return note.text === intro.text && note.signatures[0].name === intro.key_name && hexEncode(note.signatures[0].keyId) === intro.key_id;
});

// golang/mod sumdb/note: keys, deterministic signatures, Open's cases.
const go = SIGNED.golang_mod;
const keys = {};
for (const [who, k] of Object.entries(go.keys)) {
  keys[who] = await Verifier.fromText(k.verifier_key);
  await check(`${who}: the private key gives the verifier key`, async () => {
    const signer = await parsePrivateKey(k.private_key);
    return (await signer.verifier()).text === k.verifier_key;
  });
}
const peter = await parsePrivateKey(go.keys.peter.private_key);
const enoch = await parsePrivateKey(go.keys.enoch.private_key);
await check("re-signing Peter's text reproduces Go's signature line", async () => {
  return new TextDecoder().decode(await signNote(go.text, peter)) === go.signed_note_peter;
});
await check("two signers reproduce Go's two-signature note", async () => {
  return new TextDecoder().decode(await signNote(go.text, peter, enoch)) === go.signed_note_peter_then_enoch;
});
for (const bad of go.invalid_verifier_keys) {
  await refuses(`bad verifier key: ${bad.why}`, () => Verifier.fromText(bad.key), MalformedNote);
}
// Every proper substring, and every single byte incremented, must be refused (Go's TestNewVerifier).
for (const [what, text, parse] of [
  ["verifier", go.keys.peter.verifier_key, (t) => Verifier.fromText(t)],
  ["private", go.keys.peter.private_key, (t) => parsePrivateKey(t)],
]) {
  const mangled = new Set();
  for (let i = 0; i <= text.length; i++) for (let j = i; j <= text.length; j++) if (j - i < text.length) mangled.add(text.slice(i, j));
  for (let i = 0; i < text.length; i++) mangled.add(text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) + 1) + text.slice(i + 1));
  await check(`every mangling of Peter's ${what} key is refused (${mangled.size})`, async () => {
    for (const m of mangled) {
      try {
        await parse(m);
        throw new Error(`accepted ${JSON.stringify(m)}`);
      } catch (error) {
        if (!(error instanceof MalformedNote)) throw error;
      }
    }
  });
}
const ERRORS = { "malformed note": MalformedNote, "no verifiable": UnverifiedNote, "invalid signature": InvalidSignature, ambiguous: AmbiguousKey };
const errorFor = (text) => Object.entries(ERRORS).find(([k]) => text.includes(k))[1];
for (const c of go.open_cases) {
  // Go calls a key listed twice ambiguous; note.py (and so note.js) accepts the same key twice.
  if (c.name === "duplicated verifier in the known list, used") continue;
  const data = c.note === null ? hexDecode(c.note_hex) : utf8Encode(c.note);
  const known = c.known.map((who) => keys[who]);
  if (c.want.ok) {
    await check(`open: ${c.name}`, async () => {
      const note = await openNote(data, known);
      const want = (c.want.sigs ?? []).map((s) => s.name).sort();
      const got = [...new Set(note.verifiedBy.map((v) => v.name))].sort();
      return c.want.sigs === undefined || JSON.stringify(got) === JSON.stringify(want);
    });
  } else {
    const errorClass = errorFor(c.want.error);
    await refuses(`open: ${c.name}`, () => openNote(data, known), errorClass);
  }
}
await refuses("signing a text without its final newline", () => signNote("abc", peter), MalformedNote);

// The Debian x/mod 0.7.0 copy of the same data, with its malformed notes.
const debian = load("golang_mod_note.json");
const dPeter = await Verifier.fromText(debian.peter_vkey);
await check("Debian x/mod: Peter's note verifies", async () => {
  const note = await openNote(utf8Encode(debian.text + "\n" + debian.peter_sig_line), [dPeter]);
  return note.text === debian.text;
});
await check("Debian x/mod: Enoch's line is ignored as unknown", async () => {
  const note = await openNote(utf8Encode(debian.text + "\n" + debian.peter_sig_line + debian.enoch_sig_line), [dPeter]);
  return note.verifiedBy.length === 1 && note.signatures.length === 2;
});
for (const [i, bad] of debian.bad_verifier_keys.entries()) {
  await refuses(`Debian x/mod: bad verifier key ${i}`, () => Verifier.fromText(bad), MalformedNote);
}
for (const [i, note] of debian.malformed_notes.entries()) {
  await refuses(`Debian x/mod: malformed note ${i}`, () => openNote(utf8Encode(note), [dPeter]), MalformedNote);
}
await refuses(
  "Debian x/mod: a note starting with 0xff",
  () => openNote(new Uint8Array([0xff, ...utf8Encode(debian.text + "\n" + debian.peter_sig_line)]), [dPeter]),
  MalformedNote,
);

// RFC 6962 hashing and RFC 9162 inclusion: transparency-dev/merkle and golang/mod tlog.
const constants = load("merkle_constants.json");
const roots = constants.root_hashes_hex_by_size.map(hexDecode);
const leaves = constants.leaf_hashes_hex.map(hexDecode);
await check("leaf hashes of transparency-dev's leaf inputs", async () => {
  for (const [i, input] of constants.leaf_inputs_hex.entries()) {
    if (!bytesEqual(await leafHash(hexDecode(input)), leaves[i])) return false;
  }
});
for (const c of constants.inclusion_proofs) {
  await check(`reference inclusion proof ${c.leaf_index} in ${c.tree_size}`, () =>
    verifyInclusion(c.leaf_index, c.tree_size, leaves[c.leaf_index], c.proof_hex.map(hexDecode), roots[c.tree_size]),
  );
}
const probes = load("transparency_dev_inclusion.json");
for (const c of probes.cases) {
  const decode = (v) => (typeof v === "string" ? base64Decode(v) : new Uint8Array());
  const run = () => verifyInclusion(c.leafIdx, c.treeSize, decode(c.leafHash), (c.proof ?? []).map(decode), decode(c.root));
  if (c.wantErr) await refuses(`inclusion probe ${c.file}`, run);
  else await check(`inclusion probe ${c.file}`, run);
}
await check("a proof longer than the path is refused, not wrapped", async () => {
  try {
    await rootFromInclusionProof(0, 1, leaves[0], [leaves[1]]);
  } catch {
    return true;
  }
  return false;
});
const tlog = load("tlog_record_hash.json");
await check("Go's RecordHash(hello world) is our leaf hash", async () => {
  return hexEncode(await leafHash(utf8Encode(tlog.record_hash.input))) === tlog.record_hash.want_hex;
});
const tiles = load("tlog_tiles.json");
await check("the tlog-checkpoint example parses", async () => {
  const checkpoint = parseCheckpointBody(parseNote(utf8Encode(tiles.checkpoint_example.signed_note)).text);
  return (
    checkpoint.origin === tiles.checkpoint_example.origin &&
    checkpoint.size === BigInt(tiles.checkpoint_example.tree_size) &&
    hexEncode(checkpoint.rootHash) === tiles.checkpoint_example.root_hash_hex
  );
});

process.stdout.write(JSON.stringify({ passed, failures }, null, 1) + "\n");
process.exit(failures.length ? 1 : 0);
