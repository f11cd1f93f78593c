// Node tests of the web view's own code, without a browser: verify.js against the
// known-answer vectors (tests/testdata/vectors, the repository's copy of the team's
// vectors) and against an independent Merkle tree; verification.js against an in-memory
// archive that tells the truth and then lies in each way the page must catch; diff.js on
// the sample corpus.
//
//   node --test tests/browser/verify_test.mjs

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { diffStats, diffTexts } from '../../services/web/assets/diff.js';
import { WITNESS_POLICY, saveWitnessPolicy, verifyRevision } from '../../services/web/assets/verification.js';
import {
  VerifyError,
  base64ToBytes,
  bytesToBase64,
  leafHash,
  parseCheckpoint,
  parseCosignerKey,
  parseSignedNote,
  parseStatement,
  parseVerifierKey,
  parseWitnessPolicy,
  sha256Hex,
  utf8Bytes,
  verifyConsistency,
  verifyCosignature,
  verifyInclusion,
  verifySignedNote,
} from '../../services/web/assets/verify.js';
import {
  FakeArchive,
  MerkleTree,
  cosignatureLine,
  generateCosigner,
  generateKey,
  keyFromSeed,
  noteText,
} from './fake_archive.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const vectors = path.join(root, 'tests/testdata/vectors');
const vector = (name) => readFileSync(path.join(vectors, name), 'utf8');
const summary = JSON.parse(vector('summary.json'));
const sampleText = (kind, id) => readFileSync(path.join(root, 'samples', kind, `${id}.txt`), 'utf8');

async function rejectsWith(promise, reason) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof VerifyError, `expected a VerifyError, got ${error}`);
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

function flipBase64Byte(text, index) {
  const bytes = base64ToBytes(text);
  bytes[index] ^= 0x01;
  return bytesToBase64(bytes);
}

describe('verify.js against the known-answer vectors', () => {
  it('reads the verifier key and checks its key id', async () => {
    const key = await parseVerifierKey(vector('verifier.key'));
    assert.equal(key.name, summary.key_name);
    assert.equal(key.keyIdHex, summary.key_id_hex);
    assert.equal(bytesToBase64(key.publicKey), summary.public_key_b64);
    const wrongId = vector('verifier.key').replace(summary.key_id_hex, '00000000');
    await rejectsWith(parseVerifierKey(wrongId), 'key');
  });

  it('opens the signed statement, whose hash is the revision id', async () => {
    const key = await parseVerifierKey(vector('verifier.key'));
    const text = await verifySignedNote(vector('statement.note'), key);
    assert.equal(text, vector('statement.txt'));
    assert.equal(await sha256Hex(utf8Bytes(text)), vector('statement.revision_id').trim());
    const statement = parseStatement(text);
    assert.equal(statement.origin, 'test.archive.example');
    assert.equal(statement.document, 'gx-2022-guizhengfa-31');
    assert.equal(statement.sha256, '4ffcab5441bc6a27d4358b44a4a0b0adc778658ed6d73c2de81ef4be48b3d8f0');
    assert.equal(statement.size, 79);
  });

  it('refuses a changed statement, a changed signature and another key', async () => {
    const key = await parseVerifierKey(vector('verifier.key'));
    const note = vector('statement.note');
    await rejectsWith(verifySignedNote(note.replace('first release', 'first releasE'), key), 'signature');
    const signatureLine = note.trimEnd().split('\n').at(-1);
    const blob = signatureLine.split(' ').at(-1);
    const flipped = note.replace(blob, flipBase64Byte(blob, 10));
    await rejectsWith(verifySignedNote(flipped, key), 'signature');
    const other = await parseVerifierKey((await generateKey('test.archive.example')).verifierKey);
    await rejectsWith(verifySignedNote(note, other), 'signature');
  });

  it('signs byte for byte as the vectors do (the fake archive is a fair witness)', async () => {
    const key = await keyFromSeed('test.archive.example', Buffer.from(vector('signing.seed.hex').trim(), 'hex'));
    assert.equal(key.verifierKey, vector('verifier.key').trim());
  });

  it('opens both checkpoints and finds their roots', async () => {
    const key = await parseVerifierKey(vector('verifier.key'));
    for (const size of [4, 7]) {
      const checkpoint = parseCheckpoint(await verifySignedNote(vector(`checkpoint-${size}.note`), key));
      assert.equal(checkpoint.origin, key.name);
      assert.equal(checkpoint.size, size);
      assert.equal(bytesToBase64(checkpoint.root), summary.root_b64_by_size[size]);
    }
  });

  it('hashes leaves as RFC 6962 does', async () => {
    for (let i = 0; i < 7; i++) {
      assert.equal(bytesToBase64(await leafHash(utf8Bytes(vector(`leaf-${i}.txt`)))), summary.leaf_hashes_b64[i]);
    }
  });

  it('checks the inclusion proof of leaf 3 in 7, and refuses altered ones', async () => {
    const proof = JSON.parse(vector('inclusion-3-of-7.json'));
    const rootOf7 = base64ToBytes(summary.root_b64_by_size['7']);
    const leaf = base64ToBytes(summary.leaf_hashes_b64[3]);
    const good = { leafIndex: 3, treeSize: 7, leaf, hashes: proof.hashes, root: rootOf7 };
    await verifyInclusion(good);
    await rejectsWith(verifyInclusion({ ...good, leafIndex: 2 }), 'inclusion');
    await rejectsWith(verifyInclusion({ ...good, treeSize: 4 }), 'inclusion');
    await rejectsWith(verifyInclusion({ ...good, leaf: base64ToBytes(summary.leaf_hashes_b64[4]) }), 'inclusion');
    await rejectsWith(verifyInclusion({ ...good, hashes: [...proof.hashes, proof.hashes[0]] }), 'inclusion');
    await rejectsWith(verifyInclusion({ ...good, hashes: proof.hashes.slice(1) }), 'inclusion');
    await rejectsWith(verifyInclusion({ ...good, hashes: [flipBase64Byte(proof.hashes[0], 0), ...proof.hashes.slice(1)] }), 'inclusion');
  });

  it('checks the consistency proof from 4 to 7, and refuses altered ones', async () => {
    const proof = JSON.parse(vector('consistency-4-to-7.json'));
    const roots = summary.root_b64_by_size;
    const good = { oldSize: 4, newSize: 7, oldRoot: base64ToBytes(roots['4']), newRoot: base64ToBytes(roots['7']), hashes: proof.hashes };
    await verifyConsistency(good);
    await rejectsWith(verifyConsistency({ ...good, oldRoot: base64ToBytes(roots['3']) }), 'consistency');
    await rejectsWith(verifyConsistency({ ...good, newRoot: base64ToBytes(roots['6']) }), 'consistency');
    await rejectsWith(verifyConsistency({ ...good, oldSize: 5 }), 'consistency');
    await rejectsWith(verifyConsistency({ ...good, hashes: [] }), 'consistency');
    await rejectsWith(verifyConsistency({ ...good, hashes: [flipBase64Byte(proof.hashes[0], 31)] }), 'consistency');
    await rejectsWith(verifyConsistency({ ...good, newSize: 4, newRoot: base64ToBytes(roots['4']) }), 'consistency');
  });

  it('reads signed notes strictly', () => {
    assert.throws(() => parseSignedNote('no blank line\n— a b\n'), VerifyError);
    assert.throws(() => parseSignedNote('text\n\n- ascii dash AAAA\n'), VerifyError);
    const cosigned = `${vector('checkpoint-7.note')}\u2014 witness.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n`;
    assert.equal(parseSignedNote(cosigned).signatures.length, 2);
  });

  it('accepts a checkpoint that also carries a witness cosignature', async () => {
    const key = await parseVerifierKey(vector('verifier.key'));
    const cosigned = `${vector('checkpoint-7.note')}\u2014 witness.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n`;
    assert.equal(parseCheckpoint(await verifySignedNote(cosigned, key)).size, 7);
  });
});

describe('verify.js against an independent Merkle tree', () => {
  it('agrees with the vectors on every root', async () => {
    const tree = new MerkleTree();
    for (let i = 0; i < 7; i++) {
      await tree.append(utf8Bytes(vector(`leaf-${i}.txt`)));
      assert.equal(bytesToBase64(await tree.root()), summary.root_b64_by_size[String(i + 1)]);
    }
  });

  it('checks every inclusion and consistency proof in trees up to 17 leaves', async () => {
    const tree = new MerkleTree();
    for (let i = 0; i < 17; i++) await tree.append(utf8Bytes(`leaf ${i}\n`));
    const roots = [];
    for (let n = 0; n <= 17; n++) roots.push(await tree.root(n));
    for (let n = 1; n <= 17; n++) {
      for (let i = 0; i < n; i++) {
        const hashes = await tree.inclusionProof(i, n);
        await verifyInclusion({ leafIndex: i, treeSize: n, leaf: tree.leafHashes[i], hashes, root: roots[n] });
        if (n > 1) {
          await rejectsWith(
            verifyInclusion({ leafIndex: (i + 1) % n, treeSize: n, leaf: tree.leafHashes[i], hashes, root: roots[n] }),
            'inclusion',
          );
        }
      }
      for (let m = 1; m <= n; m++) {
        const hashes = await tree.consistencyProof(m, n);
        await verifyConsistency({ oldSize: m, newSize: n, oldRoot: roots[m], newRoot: roots[n], hashes });
        if (m < n) {
          await rejectsWith(
            verifyConsistency({ oldSize: m, newSize: n, oldRoot: roots[m], newRoot: roots[n - 1], hashes }),
            'consistency',
          );
        }
      }
    }
  });
});

// A store like the page's localStorage: JSON values by name.
function memoryStore() {
  const values = new Map();
  return {
    get: (name) => (values.has(name) ? JSON.parse(values.get(name)) : null),
    set: (name, value) => values.set(name, JSON.stringify(value)),
  };
}

async function sampleArchive() {
  const archive = await FakeArchive.create('fake.archive.example');
  const metadata = { title: '加快广西数字经济发展的若干措施', issuer: '广西壮族自治区人民政府办公厅', region: '广西' };
  const first = await archive.put('gx-2020-guizhengbanfa-70', sampleText('raw', 'gx-2020-guizhengbanfa-70'), metadata);
  const second = await archive.put('gx-2020-guizhengbanfa-70', sampleText('clean', 'gx-2020-guizhengbanfa-70'), metadata);
  return { archive, first, second };
}

const stepStates = (result) => Object.fromEntries(result.steps.map((step) => [step.id, step.state]));
const stepMessage = (result, id) => result.steps.find((step) => step.id === id).message;

describe('verification.js, step by step', () => {
  it('verifies a revision, pins the key and remembers the checkpoint', async () => {
    const { archive, second } = await sampleArchive();
    const store = memoryStore();
    const result = await verifyRevision({ api: archive.client(), store, documentId: 'gx-2020-guizhengbanfa-70', revisionId: second });
    assert.equal(result.state, 'verified', JSON.stringify(result.steps));
    assert.ok(Object.values(stepStates(result)).every((state) => state === 'ok'));
    assert.equal(stepMessage(result, 'key'), 'key.pinned');
    assert.equal(stepMessage(result, 'consistency'), 'consistency.first');
    assert.equal(store.get('pinned-key').key, archive.key.verifierKey);
    assert.equal(store.get(`checkpoint/${archive.origin}`).size, 2);
    assert.equal(new TextDecoder().decode(result.content), sampleText('clean', 'gx-2020-guizhengbanfa-70'));

    const again = await verifyRevision({ api: archive.client(), store, documentId: 'gx-2020-guizhengbanfa-70', revisionId: second });
    assert.equal(again.state, 'verified');
    assert.equal(stepMessage(again, 'key'), 'key.matches');
    assert.equal(stepMessage(again, 'consistency'), 'consistency.same');
  });

  it('proves consistency when the log grew since the last visit', async () => {
    const { archive, first } = await sampleArchive();
    const store = memoryStore();
    const visit = () => verifyRevision({ api: archive.client(), store, documentId: 'gx-2020-guizhengbanfa-70', revisionId: first });
    assert.equal((await visit()).state, 'verified');
    for (let i = 0; i < 5; i++) await archive.put(`other-${i}`, `第${i}号文件\n`);
    const result = await visit();
    assert.equal(result.state, 'verified', JSON.stringify(result.steps));
    assert.equal(stepMessage(result, 'consistency'), 'consistency.grown');
    assert.deepEqual(result.steps.at(-1).params.old, 2);
    assert.equal(store.get(`checkpoint/${archive.origin}`).size, 7);
  });

  it('fails on content whose digest differs, naming the digest', async () => {
    const { archive, second } = await sampleArchive();
    archive.tamper = (_, bytes) => {
      const copy = new Uint8Array(bytes);
      copy[100] ^= 0x20;
      return copy;
    };
    const result = await verifyRevision({ api: archive.client(), store: memoryStore(), documentId: 'gx-2020-guizhengbanfa-70', revisionId: second });
    assert.equal(result.state, 'failed');
    assert.equal(result.failedStep, 'digest');
    assert.equal(stepMessage(result, 'digest'), 'digest.mismatch');
    assert.equal(stepStates(result).consistency, 'skipped');
  });

  it('fails when the archive serves an older checkpoint than last time (rollback)', async () => {
    const { archive, first } = await sampleArchive();
    const store = memoryStore();
    const visit = () => verifyRevision({ api: archive.client(), store, documentId: 'gx-2020-guizhengbanfa-70', revisionId: first });
    assert.equal((await visit()).state, 'verified');
    archive.servedSize = 1;
    const result = await visit();
    assert.equal(result.failedStep, 'consistency');
    assert.equal(stepMessage(result, 'consistency'), 'consistency.rolled-back');
    assert.deepEqual({ ...result.steps.at(-1).params, at: undefined }, { size: 1, old: 2, at: undefined });
  });

  it('fails on a fork: another log of the same size under the same key', async () => {
    const { archive, first } = await sampleArchive();
    const store = memoryStore();
    const documentId = 'gx-2020-guizhengbanfa-70';
    assert.equal((await verifyRevision({ api: archive.client(), store, documentId, revisionId: first })).state, 'verified');
    const forked = await FakeArchive.create(archive.origin, archive.key);
    forked.clock = archive.clock - 120_000; // the same first revision, then another second one
    const metadata = { title: '加快广西数字经济发展的若干措施', issuer: '广西壮族自治区人民政府办公厅', region: '广西' };
    assert.equal(await forked.put(documentId, sampleText('raw', documentId), metadata), first);
    await forked.put(documentId, 'rewritten history\n', metadata);
    const result = await verifyRevision({ api: forked.client(), store, documentId, revisionId: first });
    assert.equal(result.failedStep, 'consistency');
    assert.equal(stepMessage(result, 'consistency'), 'consistency.fork');
  });

  it('fails when the archive key is not the one pinned', async () => {
    const { archive, first } = await sampleArchive();
    const store = memoryStore();
    store.set('pinned-key', { key: (await generateKey(archive.origin)).verifierKey, at: '2026-01-01T00:00:00Z' });
    const result = await verifyRevision({ api: archive.client(), store, documentId: 'gx-2020-guizhengbanfa-70', revisionId: first });
    assert.equal(result.failedStep, 'key');
    assert.equal(stepMessage(result, 'key'), 'key.changed');
    assert.equal(result.content, null);
  });

  it('fails on an altered inclusion proof', async () => {
    const { archive, first } = await sampleArchive();
    const api = archive.client();
    const lying = {
      ...api,
      json: async (path) => {
        const answer = await api.json(path);
        if (answer.receipt) answer.receipt.inclusion.hashes[0] = flipBase64Byte(answer.receipt.inclusion.hashes[0], 3);
        return answer;
      },
    };
    const result = await verifyRevision({ api: lying, store: memoryStore(), documentId: 'gx-2020-guizhengbanfa-70', revisionId: first });
    assert.equal(result.failedStep, 'inclusion');
  });

  it('fails on a statement about another document', async () => {
    const { archive, first } = await sampleArchive();
    await archive.put('other', 'x\n');
    const result = await verifyRevision({ api: archive.client(), store: memoryStore(), documentId: 'other', revisionId: first });
    assert.equal(result.failedStep, 'statement');
    assert.equal(stepMessage(result, 'statement'), 'statement.wrong-document');
  });

  it('checks a statement from another office with the key this archive vouches for', async () => {
    const { archive } = await sampleArchive();
    const office = await generateKey('other.office.example');
    const rev = await archive.put('from-elsewhere', '另一机构的文件\n', {}, { signer: office });
    const unknown = await verifyRevision({ api: archive.client(), store: memoryStore(), documentId: 'from-elsewhere', revisionId: rev });
    assert.equal(unknown.failedStep, 'statement-signature');
    assert.equal(stepMessage(unknown, 'statement-signature'), 'statement-signature.unknown');
    archive.otherKeys.push(office);
    const vouched = await verifyRevision({ api: archive.client(), store: memoryStore(), documentId: 'from-elsewhere', revisionId: rev });
    assert.equal(vouched.state, 'verified', JSON.stringify(vouched.steps));
    assert.equal(stepMessage(vouched, 'statement-signature'), 'statement-signature.vouched');
  });

  it('says which request failed when the archive cannot answer', async () => {
    const { archive } = await sampleArchive();
    const result = await verifyRevision({ api: archive.client(), store: memoryStore(), documentId: 'x', revisionId: 'ab'.repeat(32) });
    assert.equal(result.failedStep, 'statement');
    assert.equal(stepMessage(result, 'statement'), 'step.fetch-failed');
    assert.match(result.steps[1].params.what, /\/api\/v1\/revisions\//);
  });
});

// --- Witnesses ------------------------------------------------------------------------------
// Cosignatures are made by fake_archive.mjs with node:crypto from the C2SP text, not by
// the page's code; each test makes its own witnesses.

const COSIGNED_AT = 1796000000; // 2026-11-30, seconds

function policyText(witnesses, quorum) {
  return [
    '# who must have seen a checkpoint',
    ...witnesses.map((w) => `witness ${w.verifierKey} http://127.0.0.1:1/witness`),
    '',
    ...(quorum === undefined ? [] : [`quorum ${quorum}`]),
  ].join('\n');
}

// A witness cosigning every checkpoint the fake archive serves; `how` changes what it
// writes: {flip: byte index in the signature field}, {keyId}, {otherSize: cosign the
// checkpoint of that size instead}.
function cosignEvery(archive, witness, how = {}) {
  archive.cosigners.push((note) => {
    const text = how.otherSize ? noteText(archive.checkpoints.get(how.otherSize)) : noteText(note);
    let line = cosignatureLine(text, witness, COSIGNED_AT, { keyId: how.keyId });
    if (how.flip !== undefined) {
      const [dash, name, blob] = line.trimEnd().split(' ');
      line = `${dash} ${name} ${flipBase64Byte(blob, 4 + how.flip)}\n`;
    }
    return line;
  });
}

async function cosignedCheckpoint() {
  const { archive } = await sampleArchive();
  return { archive, note: archive.checkpoints.get(2), text: noteText(archive.checkpoints.get(2)) };
}

describe('verify.js: C2SP cosignatures and witness policies', () => {
  it('reads a cosigner key (type 0x04) and refuses a log key in its place', async () => {
    const witness = generateCosigner('witness.example/w1');
    const key = await parseCosignerKey(witness.verifierKey);
    assert.equal(key.name, 'witness.example/w1');
    assert.equal(key.keyIdHex, witness.keyId.toString('hex'));
    await rejectsWith(parseCosignerKey((await generateKey('log.example')).verifierKey), 'key');
    await rejectsWith(parseVerifierKey(witness.verifierKey), 'key');
  });

  it('verifies a good cosignature and returns its time', async () => {
    const { note, text } = await cosignedCheckpoint();
    const witness = generateCosigner('witness.example/w1');
    const cosigned = note + cosignatureLine(text, witness, COSIGNED_AT);
    assert.equal(await verifyCosignature(cosigned, await parseCosignerKey(witness.verifierKey)), BigInt(COSIGNED_AT));
  });

  it('refuses a flipped signature, a flipped time and another checkpoint’s cosignature', async () => {
    const { archive, note, text } = await cosignedCheckpoint();
    const witness = generateCosigner('witness.example/w1');
    const key = await parseCosignerKey(witness.verifierKey);
    const line = cosignatureLine(text, witness, COSIGNED_AT);
    const blob = line.trimEnd().split(' ').at(-1);
    await rejectsWith(verifyCosignature(note + line.replace(blob, flipBase64Byte(blob, 4 + 8 + 20)), key), 'cosignature');
    await rejectsWith(verifyCosignature(note + line.replace(blob, flipBase64Byte(blob, 4 + 7)), key), 'cosignature');
    const ofSize1 = cosignatureLine(noteText(archive.checkpoints.get(1)), witness, COSIGNED_AT);
    await rejectsWith(verifyCosignature(note + ofSize1, key), 'cosignature');
    const short = `\u2014 ${witness.name} ${bytesToBase64(Buffer.concat([witness.keyId, Buffer.alloc(64)]))}\n`;
    await rejectsWith(verifyCosignature(note + short, key), 'cosignature');
  });

  it('ignores a line with another key id: for that witness it is no cosignature', async () => {
    const { note, text } = await cosignedCheckpoint();
    const witness = generateCosigner('witness.example/w1');
    const key = await parseCosignerKey(witness.verifierKey);
    // The key id a log key (type 0x01) of the same name and public key would have.
    const logTypeId = createHash('sha256')
      .update(Buffer.concat([Buffer.from(witness.name), Buffer.from([0x0a, 0x01]), witness.publicKey]))
      .digest()
      .subarray(0, 4);
    await rejectsWith(verifyCosignature(note + cosignatureLine(text, witness, COSIGNED_AT, { keyId: logTypeId }), key), 'no-cosignature');
    await rejectsWith(verifyCosignature(note, key), 'no-cosignature');
  });

  it('parses policies as archivectl does, and refuses bad ones naming the line', async () => {
    const [a, b] = [generateCosigner('a.example/witness'), generateCosigner('b.example/witness')];
    const policy = await parseWitnessPolicy(policyText([a, b], 1));
    assert.deepEqual(policy.witnesses.map((w) => w.name), ['a.example/witness', 'b.example/witness']);
    assert.equal(policy.quorum, 1);
    assert.equal((await parseWitnessPolicy(policyText([a, b]))).quorum, 2, 'without a quorum line, all');
    await rejectsWith(parseWitnessPolicy(policyText([a, b], 3)), 'policy');
    await rejectsWith(parseWitnessPolicy(policyText([a, b], 0)), 'policy');
    await rejectsWith(parseWitnessPolicy(policyText([a, a], 1)), 'policy');
    await rejectsWith(parseWitnessPolicy(`witness ${(await generateKey('log.example')).verifierKey}\n`), 'policy');
    await assert.rejects(parseWitnessPolicy(`quorum 1\nwitnes ${a.verifierKey}\n`), /line 2/);
  });
});

describe('verification.js: the witnesses step', () => {
  const documentId = 'gx-2020-guizhengbanfa-70';
  const stepOf = (result) => result.steps.find((step) => step.id === 'witnesses');
  const states = (result) => Object.fromEntries(result.witnesses.cosigners.map((c) => [c.name, c.state]));

  async function withWitnesses(count) {
    const { archive, second } = await sampleArchive();
    const witnesses = Array.from({ length: count }, (_, i) => generateCosigner(`w${i}.example/witness`));
    const store = memoryStore();
    const visit = () => verifyRevision({ api: archive.client(), store, documentId, revisionId: second });
    return { archive, witnesses, store, visit };
  }

  it('without a policy lists the cosigners, unchecked, and verifies', async () => {
    const { archive, witnesses, visit } = await withWitnesses(2);
    for (const w of witnesses) cosignEvery(archive, w);
    const result = await visit();
    assert.equal(result.state, 'verified', JSON.stringify(result.steps));
    assert.equal(stepOf(result).message, 'witnesses.unchecked');
    assert.deepEqual(states(result), { 'w0.example/witness': 'unchecked', 'w1.example/witness': 'unchecked' });
    assert.deepEqual(result.witnesses.cosigners.map((c) => c.time), [COSIGNED_AT, COSIGNED_AT]);
    assert.equal(result.witnesses.policy, null);
  });

  it('with a policy whose quorum is met: verified, each cosigner verified with its time', async () => {
    const { archive, witnesses, store, visit } = await withWitnesses(3);
    cosignEvery(archive, witnesses[0]);
    cosignEvery(archive, witnesses[1]);
    await saveWitnessPolicy(store, policyText(witnesses, 2));
    const result = await visit();
    assert.equal(result.state, 'verified', JSON.stringify(result.steps));
    assert.equal(stepOf(result).message, 'witnesses.quorum-some-missing');
    assert.equal(stepOf(result).params.count, 2);
    assert.equal(stepOf(result).params.missing, 'w2.example/witness');
    assert.deepEqual(states(result), {
      'w0.example/witness': 'verified',
      'w1.example/witness': 'verified',
      'w2.example/witness': 'missing',
    });
    assert.equal(result.witnesses.cosigners[0].time, COSIGNED_AT);
  });

  it('with a policy whose quorum is missed: failed, naming the missing witness, and nothing remembered', async () => {
    const { archive, witnesses, store, visit } = await withWitnesses(2);
    cosignEvery(archive, witnesses[0]);
    await saveWitnessPolicy(store, policyText(witnesses, 2));
    const result = await visit();
    assert.equal(result.state, 'failed');
    assert.equal(result.failedStep, 'witnesses');
    assert.equal(stepOf(result).message, 'witnesses.short');
    assert.deepEqual({ ...stepOf(result).params }, {
      size: 2,
      count: 1,
      total: 2,
      quorum: 2,
      names: 'w0.example/witness',
      missing: 'w1.example/witness',
    });
    assert.equal(stepStates(result).consistency, 'skipped');
    assert.equal(store.get(`checkpoint/${archive.origin}`), null, 'a refused checkpoint must not be remembered');
  });

  it('shows a cosignature that does not verify as failed and never counts it', async () => {
    const { archive, witnesses, store, visit } = await withWitnesses(3);
    cosignEvery(archive, witnesses[0]);
    cosignEvery(archive, witnesses[1], { flip: 30 }); // bad signature
    cosignEvery(archive, witnesses[2], { otherSize: 1 }); // another checkpoint's
    await saveWitnessPolicy(store, policyText(witnesses, 2));
    const result = await visit();
    assert.equal(result.failedStep, 'witnesses', JSON.stringify(result.steps));
    assert.deepEqual(states(result), {
      'w0.example/witness': 'verified',
      'w1.example/witness': 'failed',
      'w2.example/witness': 'failed',
    });
    assert.equal(stepOf(result).params.count, 1);
    assert.equal(stepOf(result).params.missing, 'w1.example/witness, w2.example/witness');
    await saveWitnessPolicy(store, policyText(witnesses, 1));
    const one = await visit();
    assert.equal(one.state, 'verified', JSON.stringify(one.steps));
  });

  it('does not count a line with the witness’s name but another key id', async () => {
    const { archive, witnesses, store, visit } = await withWitnesses(1);
    const impostor = generateCosigner(witnesses[0].name);
    cosignEvery(archive, impostor);
    await saveWitnessPolicy(store, policyText(witnesses, 1));
    const result = await visit();
    assert.equal(result.failedStep, 'witnesses');
    assert.deepEqual(
      result.witnesses.cosigners.map((c) => [c.name, c.keyIdHex, c.state]),
      [
        [witnesses[0].name, witnesses[0].keyId.toString('hex'), 'missing'],
        [impostor.name, impostor.keyId.toString('hex'), 'unchecked'],
      ],
    );
  });

  it('stores only a policy that parses, and forgets it on an empty text', async () => {
    const { witnesses, store, visit } = await withWitnesses(1);
    await assert.rejects(saveWitnessPolicy(store, 'quorum 1\n'), VerifyError);
    assert.equal(store.get(WITNESS_POLICY), null);
    assert.deepEqual(await saveWitnessPolicy(store, policyText(witnesses, 1)), { quorum: 1, witnesses: [witnesses[0].name] });
    assert.equal((await visit()).failedStep, 'witnesses');
    assert.equal(await saveWitnessPolicy(store, '  \n'), null);
    const result = await visit();
    assert.equal(result.state, 'verified', JSON.stringify(result.steps));
    assert.equal(stepOf(result).message, 'witnesses.none');
  });

  it('fails, naming the problem, on a stored policy that no longer parses', async () => {
    const { store, visit } = await withWitnesses(0);
    store.set(WITNESS_POLICY, { text: 'witness nonsense\n', at: '2026-12-01T00:00:00Z' });
    const result = await visit();
    assert.equal(result.failedStep, 'witnesses');
    assert.equal(stepOf(result).message, 'witnesses.bad-policy');
  });
});

describe('diff.js', () => {
  const rebuild = (runs, skip) => runs.filter((run) => run.type !== skip).map((run) => run.text).join('');

  it('gives back both texts from its runs, on random texts', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const text = () => Array.from({ length: Math.floor(random() * 30) }, () => 'ab\n数据'[Math.floor(random() * 5)]).join('');
    for (let i = 0; i < 2000; i++) {
      const [a, b] = [text(), text()];
      const runs = diffTexts(a, b);
      assert.equal(rebuild(runs, 'insert'), a);
      assert.equal(rebuild(runs, 'delete'), b);
    }
  });

  it('marks only the page headers and breaks that the correction removed', () => {
    const id = 'gx-2020-guizhengbanfa-70';
    const runs = diffTexts(sampleText('raw', id), sampleText('clean', id));
    assert.equal(rebuild(runs, 'insert'), sampleText('raw', id));
    assert.equal(rebuild(runs, 'delete'), sampleText('clean', id));
    assert.deepEqual(diffStats(runs), { deleted: 39, inserted: 0 });
    assert.ok(runs.filter((run) => run.type === 'delete').every((run) => /^[\n广西壮族自治区]+$/.test(run.text)));
  });

  it('stays fast on every sample (the largest is 188 KB)', () => {
    for (const name of readdirSync(path.join(root, 'samples/raw'))) {
      const id = name.replace(/\.txt$/, '');
      const started = performance.now();
      const runs = diffTexts(sampleText('raw', id), sampleText('clean', id));
      assert.equal(rebuild(runs, 'delete'), sampleText('clean', id));
      assert.ok(performance.now() - started < 5000, `${id} took ${performance.now() - started} ms`);
    }
  });

  it('reads a common character inside a rewrite as part of the change', () => {
    assert.deepEqual(diffTexts('推进数字的政府建设\n', '加强智慧的城市管理\n'), [
      { type: 'delete', text: '推进数字的政府建设' },
      { type: 'insert', text: '加强智慧的城市管理' },
      { type: 'equal', text: '\n' },
    ]);
  });

  it('marks characters inside a changed line', () => {
    const runs = diffTexts('第一条 数据共享\n第二条\n', '第一条 数据开放共享\n第二条\n');
    assert.deepEqual(runs, [
      { type: 'equal', text: '第一条 数据' },
      { type: 'insert', text: '开放' },
      { type: 'equal', text: '共享\n第二条\n' },
    ]);
  });
});
