// The cryptography of the web view, as small pure functions over bytes and strings.
//
// Everything here runs in the reader's browser (and, for the tests, in Node 20+), using
// only WebCrypto (crypto.subtle: SHA-256 and Ed25519), so the "verified" mark does not
// depend on trusting any code or answer beyond what these functions check. No DOM, no
// fetch, no storage: verification.js strings these together with the archive's answers.
//
// Formats (ARCHITECTURE.md): C2SP signed notes, C2SP tlog-checkpoints, verifier keys
// `<name>+<8 hex key id>+<base64(0x01 ‖ Ed25519 public key)>`, key id = first 4 bytes of
// SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), RFC 6962/9162 Merkle hashing and proofs;
// C2SP tlog-cosignature cosignature/v1 (a witness's timestamped Ed25519 signature line,
// its key written with type 0x04 instead of 0x01) and the witness policy file of
// storage/verify/witness_policy.h.
//
// Functions that check something throw a VerifyError whose `reason` names what failed;
// they never return a "false" that a caller could forget to look at.

const subtle = globalThis.crypto.subtle;
const encoder = new TextEncoder();

const ED25519_ALGORITHM_BYTE = 0x01;
// C2SP tlog-cosignature: the signature type of an Ed25519 cosignature/v1 key.
const COSIGNATURE_V1_ALGORITHM_BYTE = 0x04;
// A cosignature's signature field: a big-endian u64 POSIX time, then the Ed25519 signature.
const COSIGNATURE_TIME_BYTES = 8;
const MAX_COSIGNATURE_TIME = (1n << 63n) - 1n;
const KEY_ID_BYTES = 4;
const ED25519_PUBLIC_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
const HASH_BYTES = 32;
// C2SP signed-note: a signature line starts with an em dash and a space.
const SIGNATURE_LINE_PREFIX = '\u2014 ';

export class VerifyError extends Error {
  // reason: a short machine-readable word (e.g. "digest", "signature"); details: values
  // for the message the page shows.
  constructor(reason, message, details = {}) {
    super(message);
    this.name = 'VerifyError';
    this.reason = reason;
    this.details = details;
  }
}

// --- Bytes ---------------------------------------------------------------------------------

export function utf8Bytes(text) {
  return encoder.encode(text);
}

export function concatBytes(...parts) {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function hexToBytes(hex) {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new VerifyError('format', `not lowercase hex: ${hex}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// Standard base64 (as in notes and proto3 JSON); the URL-safe alphabet is accepted too,
// since proto3 JSON parsers must accept both and a server may write either.
export function base64ToBytes(text) {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(standard)) {
    throw new VerifyError('format', `not base64: ${text}`);
  }
  const binary = atob(standard.padEnd(Math.ceil(standard.length / 4) * 4, '='));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function bytesToBase64(bytes) {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export async function sha256(bytes) {
  return new Uint8Array(await subtle.digest('SHA-256', bytes));
}

export async function sha256Hex(bytes) {
  return bytesToHex(await sha256(bytes));
}

// --- Keys ----------------------------------------------------------------------------------

export async function computeKeyId(name, publicKey, algorithm = ED25519_ALGORITHM_BYTE) {
  const digest = await sha256(concatBytes(utf8Bytes(name), Uint8Array.of(0x0a, algorithm), publicKey));
  return digest.slice(0, KEY_ID_BYTES);
}

// Parses and checks a verifier key string; returns {name, keyId (bytes), keyIdHex,
// publicKey (32 bytes), text}. The key id written in the string must be the one the name
// and public key give, or the string is refused.
export function parseVerifierKey(text) {
  return parseKey(text, ED25519_ALGORITHM_BYTE, 'an Ed25519 verifier key');
}

// The same for a witness's cosigner verifier key (type 0x04, C2SP tlog-cosignature).
export function parseCosignerKey(text) {
  return parseKey(text, COSIGNATURE_V1_ALGORITHM_BYTE, 'an Ed25519 cosigner key (type 0x04)');
}

async function parseKey(text, algorithm, what) {
  const trimmed = String(text).trim();
  // The name cannot contain '+'; the base64 after the second '+' can.
  const first = trimmed.indexOf('+');
  const second = trimmed.indexOf('+', first + 1);
  if (first <= 0 || second !== first + 9) {
    throw new VerifyError('key', `not a verifier key: ${trimmed}`);
  }
  const name = trimmed.slice(0, first);
  const keyIdHex = trimmed.slice(first + 1, second);
  if (!/^[0-9a-f]{8}$/.test(keyIdHex)) throw new VerifyError('key', `bad key id in ${trimmed}`);
  const keyBytes = base64ToBytes(trimmed.slice(second + 1));
  if (keyBytes.length !== 1 + ED25519_PUBLIC_KEY_BYTES || keyBytes[0] !== algorithm) {
    throw new VerifyError('key', `not ${what}: ${trimmed}`);
  }
  const publicKey = keyBytes.slice(1);
  const keyId = await computeKeyId(name, publicKey, algorithm);
  if (bytesToHex(keyId) !== keyIdHex) {
    throw new VerifyError('key', `the key id of ${name} does not match its public key`);
  }
  return { name, keyId, keyIdHex, publicKey, text: trimmed };
}

async function ed25519Verify(publicKey, signature, message) {
  const key = await subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  return subtle.verify({ name: 'Ed25519' }, key, signature, message);
}

// --- Signed notes --------------------------------------------------------------------------

// Splits a C2SP signed note into its text (up to and including the last newline before
// the blank line) and its signature lines [{name, keyIdHex, signature}].
export function parseSignedNote(note) {
  const separator = note.lastIndexOf('\n\n');
  if (separator < 0 || !note.endsWith('\n')) {
    throw new VerifyError('format', 'not a signed note (no blank line before the signatures)');
  }
  const text = note.slice(0, separator + 1);
  const lines = note.slice(separator + 2, -1).split('\n');
  const signatures = lines.map(parseSignatureLine);
  return { text, signatures };
}

function parseSignatureLine(line) {
  if (!line.startsWith(SIGNATURE_LINE_PREFIX)) {
    throw new VerifyError('format', `not a signature line: ${line}`);
  }
  const fields = line.slice(SIGNATURE_LINE_PREFIX.length).split(' ');
  if (fields.length !== 2 || !fields[0]) throw new VerifyError('format', `bad signature line: ${line}`);
  const blob = base64ToBytes(fields[1]);
  if (blob.length < KEY_ID_BYTES + 1) throw new VerifyError('format', `short signature: ${line}`);
  return {
    name: fields[0],
    keyIdHex: bytesToHex(blob.slice(0, KEY_ID_BYTES)),
    signature: blob.slice(KEY_ID_BYTES),
  };
}

// Checks that `note` carries a valid signature by `key` (from parseVerifierKey) over its
// text. Other signatures (a witness's cosignature, say) are ignored. Returns the text.
export async function verifySignedNote(note, key) {
  const { text, signatures } = parseSignedNote(note);
  const mine = signatures.filter((s) => s.name === key.name && s.keyIdHex === key.keyIdHex);
  if (mine.length === 0) {
    throw new VerifyError('signature', `no signature by ${key.name} (key id ${key.keyIdHex})`, {
      signer: key.name,
    });
  }
  for (const { signature } of mine) {
    if (
      signature.length === ED25519_SIGNATURE_BYTES &&
      (await ed25519Verify(key.publicKey, signature, utf8Bytes(text)))
    ) {
      return text;
    }
  }
  throw new VerifyError('signature', `the signature by ${key.name} does not verify`, {
    signer: key.name,
  });
}

// --- Cosignatures and witness policies (C2SP tlog-cosignature, tlog-witness) -------------

// The time written in a cosignature/v1 signature field (8-byte big-endian POSIX time,
// then 64 bytes of Ed25519 signature) as a BigInt, or null if the field has another size.
export function cosignatureTime(signature) {
  if (signature.length !== COSIGNATURE_TIME_BYTES + ED25519_SIGNATURE_BYTES) return null;
  let time = 0n;
  for (const b of signature.slice(0, COSIGNATURE_TIME_BYTES)) time = (time << 8n) | BigInt(b);
  return time;
}

// The message an Ed25519 cosignature/v1 signs: two lines, then the whole note text of the
// checkpoint (its final newline included, no signature lines).
export function cosignedMessage(time, checkpointText) {
  return utf8Bytes(`cosignature/v1\ntime ${time}\n${checkpointText}`);
}

// Checks the cosignature of `cosigner` (from parseCosignerKey) on the checkpoint `note`:
// the signature lines of its name and key id (lines of other keys are ignored, as the
// spec says). Returns the newest time (a BigInt) if every one verifies;
// VerifyError("no-cosignature") if it has none; VerifyError("cosignature") if one does
// not verify (another checkpoint's, another key's, a field of the wrong size or a time
// past 2^63 - 1).
export async function verifyCosignature(note, cosigner) {
  const { text, signatures } = parseSignedNote(note);
  const lines = signatures.filter((s) => s.name === cosigner.name && s.keyIdHex === cosigner.keyIdHex);
  if (lines.length === 0) {
    throw new VerifyError('no-cosignature', `no cosignature by witness ${cosigner.name}`, { witness: cosigner.name });
  }
  let newest = null;
  for (const { signature } of lines) {
    const time = cosignatureTime(signature);
    const valid =
      time !== null &&
      time <= MAX_COSIGNATURE_TIME &&
      (await ed25519Verify(cosigner.publicKey, signature.slice(COSIGNATURE_TIME_BYTES), cosignedMessage(time, text)));
    if (!valid) {
      throw new VerifyError('cosignature', `the cosignature by witness ${cosigner.name} does not verify`, {
        witness: cosigner.name,
      });
    }
    if (newest === null || time > newest) newest = time;
  }
  return newest;
}

// A witness policy's text: lines `witness <cosigner verifier key> [URL]` and `quorum <k>`,
// blank lines and '#' comments; without a quorum line every witness must cosign. Returns
// {witnesses: [cosigner key], quorum}; VerifyError("policy") naming the line otherwise,
// or when the quorum is not between 1 and the number of witnesses.
export async function parseWitnessPolicy(text) {
  const witnesses = [];
  let quorum = null;
  const lines = String(text).split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    const bad = (why) => new VerifyError('policy', `line ${index + 1}: ${why}`, { line: index + 1 });
    if (words[0] === 'witness' && (words.length === 2 || words.length === 3)) {
      let witness;
      try {
        witness = await parseCosignerKey(words[1]);
      } catch (error) {
        throw bad(error.message);
      }
      // Listed twice, one witness would count twice towards the quorum.
      if (witnesses.some((w) => w.text === witness.text)) throw bad(`witness ${witness.name} is listed twice`);
      witnesses.push(witness);
    } else if (words[0] === 'quorum' && words.length === 2 && /^[0-9]+$/.test(words[1])) {
      quorum = Number(words[1]);
    } else {
      throw bad('expected "witness <cosigner verifier key> [URL]" or "quorum <k>"');
    }
  }
  if (quorum === null) quorum = witnesses.length;
  if (quorum < 1 || quorum > witnesses.length) {
    throw new VerifyError('policy', `quorum ${quorum} needs between 1 and the ${witnesses.length} witnesses listed`);
  }
  return { witnesses, quorum };
}

// --- Statements and checkpoints ------------------------------------------------------------

// Parses a revision statement's `key value` lines. Returns {origin, document, sha256,
// size, mediaType, status, fields: Map of key → [values]}.
export function parseStatement(text) {
  const lines = text.split('\n');
  if (lines[0] !== 'archive-revision/v1' || lines[lines.length - 1] !== '') {
    throw new VerifyError('format', 'not an archive-revision/v1 statement');
  }
  const fields = new Map();
  for (const line of lines.slice(1, -1)) {
    const space = line.indexOf(' ');
    if (space <= 0) throw new VerifyError('format', `bad statement line: ${line}`);
    const key = line.slice(0, space);
    if (!fields.has(key)) fields.set(key, []);
    fields.get(key).push(line.slice(space + 1));
  }
  const one = (key) => {
    const values = fields.get(key);
    if (!values || values.length !== 1) {
      throw new VerifyError('format', `the statement needs exactly one ${key} line`);
    }
    return values[0];
  };
  const content = /^sha256:([0-9a-f]{64}) (0|[1-9][0-9]*)$/.exec(one('content'));
  if (!content) throw new VerifyError('format', 'bad content line in the statement');
  return {
    origin: one('origin'),
    document: one('document'),
    sha256: content[1],
    size: parseSize(content[2]),
    mediaType: one('media-type'),
    status: one('status'),
    fields,
  };
}

// A C2SP checkpoint's text: origin, tree size, base64 root hash, then optional lines.
export function parseCheckpoint(text) {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') {
    throw new VerifyError('format', 'not a checkpoint');
  }
  const [origin, sizeText, rootText] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new VerifyError('format', 'bad checkpoint size');
  const root = base64ToBytes(rootText);
  if (root.length !== HASH_BYTES) throw new VerifyError('format', 'bad checkpoint root hash');
  return { origin, size: parseSize(sizeText), root, extensions: lines.slice(3, -1) };
}

// Sizes and indexes arrive as decimal strings (proto3 JSON writes uint64 so) or numbers,
// and absent when zero. Larger than 2^53 is not a size any archive here reaches.
export function parseSize(value) {
  if (value === undefined || value === null || value === '') return 0;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new VerifyError('format', `bad size ${value}`);
  return number;
}

// --- Merkle tree (RFC 6962 / RFC 9162) ----------------------------------------------------

export function leafHash(leafBytes) {
  return sha256(concatBytes(Uint8Array.of(0x00), leafBytes));
}

export function nodeHash(left, right) {
  return sha256(concatBytes(Uint8Array.of(0x01), left, right));
}

function decodeHashes(hashes) {
  return (hashes || []).map((h) => {
    const bytes = typeof h === 'string' ? base64ToBytes(h) : h;
    if (bytes.length !== HASH_BYTES) throw new VerifyError('format', 'a proof hash is not 32 bytes');
    return bytes;
  });
}

const isOdd = (n) => n % 2 === 1;
// Sizes stay below 2^53, past what >>> handles, so halve with arithmetic.
const half = (n) => Math.floor(n / 2);

// RFC 9162 section 2.1.3.2: does `hashes` prove the leaf with hash `leaf` at `leafIndex`
// in the tree of `treeSize` with root `root`? Throws VerifyError("inclusion") if not.
export async function verifyInclusion({ leafIndex, treeSize, leaf, hashes, root }) {
  const path = decodeHashes(hashes);
  if (leafIndex >= treeSize) {
    throw new VerifyError('inclusion', `leaf ${leafIndex} is outside a tree of size ${treeSize}`);
  }
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) throw new VerifyError('inclusion', 'the inclusion proof is too long');
    if (isOdd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new VerifyError('inclusion', 'the inclusion proof is too short');
  if (!equalBytes(r, root)) {
    throw new VerifyError('inclusion', 'the inclusion proof does not lead to the checkpoint root');
  }
}

// RFC 9162 section 2.1.4.2: does `hashes` prove that the tree of `oldSize` with root
// `oldRoot` is a prefix of the tree of `newSize` with root `newRoot`? Throws
// VerifyError("consistency") if not.
export async function verifyConsistency({ oldSize, newSize, oldRoot, newRoot, hashes }) {
  let path = decodeHashes(hashes);
  if (oldSize > newSize) throw new VerifyError('consistency', `old size ${oldSize} > new ${newSize}`);
  if (oldSize === newSize) {
    if (path.length !== 0 || !equalBytes(oldRoot, newRoot)) {
      throw new VerifyError('consistency', `two different trees of size ${oldSize}`);
    }
    return;
  }
  if (oldSize === 0) {
    if (path.length !== 0) throw new VerifyError('consistency', 'a proof from the empty tree must be empty');
    return;
  }
  if (path.length === 0) throw new VerifyError('consistency', 'the consistency proof is empty');
  // When the old tree is a complete subtree, its root is the proof's implied first node.
  if (isExactPowerOfTwo(oldSize)) path = [oldRoot, ...path];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) throw new VerifyError('consistency', 'the consistency proof is too long');
    if (isOdd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new VerifyError('consistency', 'the consistency proof is too short');
  if (!equalBytes(fr, oldRoot) || !equalBytes(sr, newRoot)) {
    throw new VerifyError('consistency', `the checkpoints of sizes ${oldSize} and ${newSize} are not consistent`);
  }
}

function isExactPowerOfTwo(n) {
  while (n > 1) {
    if (isOdd(n)) return false;
    n = half(n);
  }
  return n === 1;
}

// --- Remembering checkpoints (rollback and fork) -------------------------------------------

// What a newly verified checkpoint means next to the largest one this browser remembers
// for the same log: "first" (nothing remembered), "same", "grown" (a consistency proof
// is needed), "rolled-back" (smaller) or "fork" (same size, other root).
export function compareWithRemembered(remembered, checkpoint) {
  if (!remembered) return 'first';
  if (checkpoint.size < remembered.size) return 'rolled-back';
  if (checkpoint.size === remembered.size) {
    return equalBytes(checkpoint.root, remembered.root) ? 'same' : 'fork';
  }
  return 'grown';
}
