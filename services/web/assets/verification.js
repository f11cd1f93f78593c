// The checks that earn a revision its "verified" mark, in order, each one a step the page
// shows: what was checked, or exactly what failed.
//
//   key                   the archive's verifier key, pinned in this browser on first use
//   statement             the receipt's statement hashes to the revision id, names the document
//   digest                the downloaded bytes have the statement's SHA-256 and size
//   statement-signature   the statement is signed by its origin
//   checkpoint-signature  the receipt's checkpoint is signed by the pinned key
//   inclusion             the statement is a leaf of that checkpoint's tree
//   witnesses             the witnesses that cosigned the newest checkpoint; with a witness
//                         policy given in this browser, its quorum of valid cosignatures
//   consistency           the log did not roll back or fork since this browser last looked
//
// Nothing is verified unless every step passed; the first failure ends the run and the
// steps after it are shown as not checked. The witnesses come before the consistency step
// so that a checkpoint the policy refuses is never remembered. The archive, the storage
// and the clock are passed in (api, store, now) so that Node tests can drive the same code
// as the page.

import {
  VerifyError,
  bytesToBase64,
  base64ToBytes,
  compareWithRemembered,
  cosignatureTime,
  leafHash,
  parseCheckpoint,
  parseSignedNote,
  parseSize,
  parseStatement,
  parseVerifierKey,
  parseWitnessPolicy,
  sha256Hex,
  utf8Bytes,
  verifyConsistency,
  verifyCosignature,
  verifyInclusion,
  verifySignedNote,
} from './verify.js';

export const STEPS = [
  'key',
  'statement',
  'digest',
  'statement-signature',
  'checkpoint-signature',
  'inclusion',
  'witnesses',
  'consistency',
];

const PINNED_KEY = 'pinned-key';
// {text, at}: the witness policy the reader gave, as written (loadWitnessPolicy).
export const WITNESS_POLICY = 'witness-policy';
const rememberedCheckpointKey = (origin) => `checkpoint/${origin}`;

// A step's failure, with the message key and values the page shows.
class StepFailure extends Error {
  constructor(message, params = {}) {
    super(message);
    this.message = message;
    this.params = params;
  }
}

const ok = (message, params = {}) => ({ message, params });
const short = (hex) => String(hex).slice(0, 12);

// api: {json(path) → object, bytes(path) → Uint8Array}, both throwing an error with
// .path and .message when the archive cannot answer. store: {get(name), set(name,
// value)} holding JSON values for this archive's web origin (localStorage in the page).
// onProgress(result) is called after every step with the result so far.
//
// Returns {state: 'verified'|'failed', steps: [{id, state, message, params}],
// failedStep, key: {name, fingerprint, text, pinnedAt}, content (the downloaded bytes,
// or null), receipt, revision, witnesses (see checkWitnesses, or null)}.
export async function verifyRevision({
  api,
  store,
  documentId,
  revisionId,
  now = () => new Date().toISOString(),
  onProgress = () => {},
}) {
  const context = { api, store, documentId, revisionId, now };
  const result = {
    state: 'pending',
    steps: STEPS.map((id) => ({ id, state: 'pending', message: '', params: {} })),
    failedStep: null,
    key: null,
    content: null,
    receipt: null,
    revision: null,
    witnesses: null,
  };
  const checks = {
    key: checkArchiveKey,
    statement: checkStatement,
    digest: checkDigest,
    'statement-signature': checkStatementSignature,
    'checkpoint-signature': checkCheckpointSignatures,
    inclusion: checkInclusion,
    witnesses: checkWitnesses,
    consistency: checkConsistency,
  };
  for (const step of result.steps) {
    if (result.failedStep) {
      step.state = 'skipped';
      continue;
    }
    try {
      Object.assign(step, await checks[step.id](context, result), { state: 'ok' });
    } catch (error) {
      Object.assign(step, describeFailure(error), { state: 'failed' });
      result.failedStep = step.id;
    }
    onProgress(result);
  }
  result.state = result.failedStep ? 'failed' : 'verified';
  onProgress(result);
  return result;
}

function describeFailure(error) {
  if (error instanceof StepFailure) return { message: error.message, params: error.params };
  if (error?.path) {
    return { message: 'step.fetch-failed', params: { what: error.path, message: error.message } };
  }
  if (error instanceof VerifyError) return { message: 'step.error', params: { message: error.message } };
  return { message: 'step.error', params: { message: String(error?.message ?? error) } };
}

// 1. The archive's key, pinned on first use: a later visit that finds another key fails.
async function checkArchiveKey(context, result) {
  const answer = await context.api.json('/api/v1/checkpoint');
  const key = await parseVerifierKey(answer.verifier_key ?? '');
  context.key = key;
  context.latestCheckpointNote = answer.checkpoint ?? '';
  let pin = context.store.get(PINNED_KEY);
  const firstUse = !pin?.key;
  if (firstUse) {
    pin = { key: key.text, at: context.now() };
    context.store.set(PINNED_KEY, pin);
  }
  result.key = { name: key.name, fingerprint: key.keyIdHex, text: pin.key, pinnedAt: pin.at };
  const shown = { name: key.name, fingerprint: key.keyIdHex, at: pin.at };
  if (firstUse) return ok('key.pinned', shown);
  if (pin.key !== key.text) {
    const [pinnedName, pinned] = pin.key.split('+');
    throw new StepFailure('key.changed', { ...shown, pinnedName, pinned });
  }
  return ok('key.matches', shown);
}

// 2. The receipt: its statement is the one the revision id names, about this document.
async function checkStatement(context, result) {
  const rev = context.revisionId;
  const answer = await context.api.json(`/api/v1/revisions/${encodeURIComponent(rev)}`);
  result.revision = answer.revision ?? null;
  result.receipt = answer.receipt ?? null;
  const note = answer.receipt?.signed_statement ?? answer.signed_statement;
  if (!note) throw new VerifyError('format', 'the archive sent no signed statement');
  const { text } = parseSignedNote(note);
  const actual = await sha256Hex(utf8Bytes(text));
  if (actual !== rev) throw new StepFailure('statement.id-mismatch', { actual: short(actual), rev: short(rev) });
  if (answer.revision?.statement && answer.revision.statement !== text) {
    throw new StepFailure('statement.other-text');
  }
  const statement = parseStatement(text);
  if (statement.document !== context.documentId) {
    throw new StepFailure('statement.wrong-document', {
      actual: statement.document,
      document: context.documentId,
    });
  }
  Object.assign(context, { statementNote: note, statementText: text, statement });
  return ok('statement.ok', { rev: short(rev), document: statement.document });
}

// 3. The bytes: SHA-256 and size as the statement says.
async function checkDigest(context, result) {
  const path =
    `/api/v1/documents/${encodeURIComponent(context.documentId)}/content` +
    `?rev=${encodeURIComponent(context.revisionId)}`;
  const bytes = await context.api.bytes(path);
  result.content = bytes;
  const actual = await sha256Hex(bytes);
  const expected = context.statement;
  if (actual !== expected.sha256 || bytes.length !== expected.size) {
    throw new StepFailure('digest.mismatch', {
      actual: short(actual),
      actualSize: bytes.length,
      expected: short(expected.sha256),
      expectedSize: expected.size,
    });
  }
  return ok('digest.ok', { sha256: short(actual), size: bytes.length });
}

// 4. The statement's signature by its origin: the pinned key when the origin is this
// archive; else a trusted office's key, which this archive lists at /api/v1/keys.
async function checkStatementSignature(context) {
  const origin = context.statement.origin;
  if (origin === context.key.name) {
    await verifySignedNote(context.statementNote, context.key);
    return ok('statement-signature.own', { origin });
  }
  const answer = await context.api.json('/api/v1/keys');
  const keys = await Promise.all((answer.keys ?? []).map((text) => parseVerifierKey(text).catch(() => null)));
  const candidates = keys.filter((key) => key?.name === origin);
  if (candidates.length === 0) throw new StepFailure('statement-signature.unknown', { origin });
  let lastError;
  for (const key of candidates) {
    try {
      await verifySignedNote(context.statementNote, key);
      return ok('statement-signature.vouched', { origin, fingerprint: key.keyIdHex });
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

// 5. The receipt's checkpoint (and the latest one, fetched with the key) signed by the
// pinned key, for this archive's log.
async function checkCheckpointSignatures(context, result) {
  context.receiptCheckpoint = await openCheckpoint(result.receipt?.checkpoint ?? '', context.key);
  context.latestCheckpoint = await openCheckpoint(context.latestCheckpointNote, context.key);
  return ok('checkpoint-signature.ok', { size: context.receiptCheckpoint.size, name: context.key.name });
}

async function openCheckpoint(note, key) {
  const checkpoint = parseCheckpoint(await verifySignedNote(note, key));
  if (checkpoint.origin !== key.name) {
    throw new StepFailure('checkpoint-signature.wrong-origin', { origin: checkpoint.origin, name: key.name });
  }
  return { ...checkpoint, note };
}

// 6. The statement is a leaf of the receipt's checkpoint (RFC 9162 inclusion proof).
async function checkInclusion(context, result) {
  const proof = result.receipt.inclusion ?? {};
  const checkpoint = context.receiptCheckpoint;
  const treeSize = parseSize(proof.tree_size);
  const leafIndex = parseSize(proof.leaf_index);
  if (treeSize !== checkpoint.size) {
    throw new StepFailure('inclusion.wrong-size', { proofSize: treeSize, size: checkpoint.size });
  }
  await verifyInclusion({
    leafIndex,
    treeSize,
    leaf: await leafHash(utf8Bytes(context.statementText)),
    hashes: proof.hashes,
    root: checkpoint.root,
  });
  return ok('inclusion.ok', { index: leafIndex, size: treeSize });
}

// 7. The witnesses (C2SP tlog-cosignature) of the newest checkpoint seen, the one the next
// step remembers (the receipt's, if smaller, is then proven a prefix of it). Every
// cosignature line on it is listed in result.witnesses:
//   {size, policy: {quorum, witnesses: [name]} or null, count, missing: [name],
//    cosigners: [{name, keyIdHex, time (seconds, or null), state}]}
// where state is "verified" or "failed" for a witness the policy lists (a failed one is
// never counted), "missing" for a listed witness with no line, and "unchecked" for a line
// of a key the policy does not list (or when there is no policy: this browser has no key
// to check it with, and the archive's word is no proof). With a policy, fewer than its
// quorum of verified cosignatures fails the step, naming the witnesses missing.
async function checkWitnesses(context, result) {
  const newest = newerOf(context.receiptCheckpoint, context.latestCheckpoint);
  const policy = await loadWitnessPolicy(context.store);
  const cosigners = [];
  const listed = new Set();
  for (const witness of policy?.witnesses ?? []) {
    listed.add(`${witness.name}+${witness.keyIdHex}`);
    const cosigner = { name: witness.name, keyIdHex: witness.keyIdHex, time: null, state: 'verified' };
    try {
      cosigner.time = Number(await verifyCosignature(newest.note, witness));
    } catch (error) {
      if (!(error instanceof VerifyError)) throw error;
      cosigner.state = error.reason === 'no-cosignature' ? 'missing' : 'failed';
    }
    cosigners.push(cosigner);
  }
  for (const line of parseSignedNote(newest.note).signatures) {
    const own = line.name === context.key.name && line.keyIdHex === context.key.keyIdHex;
    if (own || listed.has(`${line.name}+${line.keyIdHex}`)) continue;
    const time = cosignatureTime(line.signature);
    cosigners.push({ name: line.name, keyIdHex: line.keyIdHex, time: time === null ? null : Number(time), state: 'unchecked' });
  }
  const names = (state) => cosigners.filter((c) => c.state === state).map((c) => c.name);
  const verified = names('verified');
  const missing = cosigners.filter((c) => c.state === 'missing' || c.state === 'failed').map((c) => c.name);
  result.witnesses = {
    size: newest.size,
    policy: policy && { quorum: policy.quorum, witnesses: policy.witnesses.map((w) => w.name) },
    count: verified.length,
    missing,
    cosigners,
  };
  const unchecked = names('unchecked');
  if (!policy) {
    if (unchecked.length === 0) return ok('witnesses.none', { size: newest.size });
    return ok('witnesses.unchecked', { size: newest.size, names: unchecked.join(', ') });
  }
  const params = {
    size: newest.size,
    count: verified.length,
    total: policy.witnesses.length,
    quorum: policy.quorum,
    names: verified.join(', '),
    missing: missing.join(', '),
  };
  if (verified.length < policy.quorum) throw new StepFailure('witnesses.short', params);
  return ok(missing.length ? 'witnesses.quorum-some-missing' : 'witnesses.quorum', params);
}

// The witness policy given in this browser, or null. A stored text that no longer parses
// fails the step (the page refuses to store one, so it was changed behind its back).
async function loadWitnessPolicy(store) {
  const stored = store.get(WITNESS_POLICY);
  if (typeof stored?.text !== 'string' || stored.text.trim() === '') return null;
  try {
    return await parseWitnessPolicy(stored.text);
  } catch (error) {
    throw new StepFailure('witnesses.bad-policy', { message: error.message });
  }
}

// Stores the policy `text` the reader gave, after checking that it parses (VerifyError
// "policy" naming the line if not, and nothing is stored); returns {quorum, witnesses:
// [name]}. An empty text forgets the policy and returns null.
export async function saveWitnessPolicy(store, text, now = () => new Date().toISOString()) {
  if (String(text).trim() === '') {
    store.set(WITNESS_POLICY, null);
    return null;
  }
  const policy = await parseWitnessPolicy(text);
  store.set(WITNESS_POLICY, { text: String(text), at: now() });
  return { quorum: policy.quorum, witnesses: policy.witnesses.map((w) => w.name) };
}

const newerOf = (a, b) => (a.size > b.size ? a : b);

// 8. Rollback and fork: the newest checkpoint seen now against the largest this browser
// remembers for the log. Smaller is a rollback, same size with another root a fork,
// larger must be proven consistent; then the newer one is remembered.
async function checkConsistency(context) {
  const newest = await newestCheckpoint(context);
  const storageKey = rememberedCheckpointKey(context.key.name);
  const remembered = loadRemembered(context.store.get(storageKey));
  const remember = () =>
    context.store.set(storageKey, { size: newest.size, root: bytesToBase64(newest.root), at: context.now() });
  const at = remembered?.at;
  switch (compareWithRemembered(remembered, newest)) {
    case 'first':
      remember();
      return ok('consistency.first', { size: newest.size });
    case 'same':
      return ok('consistency.same', { size: newest.size, at });
    case 'rolled-back':
      throw new StepFailure('consistency.rolled-back', { size: newest.size, old: remembered.size, at });
    case 'fork':
      throw new StepFailure('consistency.fork', { size: newest.size, at });
    default:
      try {
        await proveConsistency(context.api, remembered, newest);
      } catch (error) {
        if (error?.path) throw error;
        throw new StepFailure('consistency.inconsistent', { old: remembered.size, size: newest.size, at });
      }
      remember();
      return ok('consistency.grown', { old: remembered.size, size: newest.size, at });
  }
}

// The receipt's checkpoint and the latest one usually agree; when a put landed between
// the two requests, the smaller must be proven a prefix of the larger.
async function newestCheckpoint(context) {
  const [a, b] = [context.receiptCheckpoint, context.latestCheckpoint].sort((x, y) => x.size - y.size);
  if (a.size === b.size) {
    if (bytesToBase64(a.root) !== bytesToBase64(b.root)) {
      throw new VerifyError('consistency', `the archive signed two different checkpoints of size ${a.size}`);
    }
    return b;
  }
  await proveConsistency(context.api, a, b);
  return b;
}

async function proveConsistency(api, older, newer) {
  const answer = await api.json(`/api/v1/proofs/consistency?old=${older.size}&new=${newer.size}`);
  const proof = answer.proof ?? {};
  if (parseSize(proof.old_size) !== older.size || parseSize(proof.new_size) !== newer.size) {
    throw new VerifyError('consistency', `asked for a proof from ${older.size} to ${newer.size}, got another`);
  }
  await verifyConsistency({
    oldSize: older.size,
    newSize: newer.size,
    oldRoot: older.root,
    newRoot: newer.root,
    hashes: proof.hashes,
  });
}

function loadRemembered(value) {
  if (!value || typeof value.root !== 'string') return null;
  try {
    return { size: parseSize(value.size), root: base64ToBytes(value.root), at: value.at };
  } catch {
    return null; // unreadable: as if never seen, and overwritten by this visit
  }
}
