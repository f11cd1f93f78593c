// An archive in memory, written independently of archived (Node's WebCrypto, the RFC 6962
// definitions read straight from the RFC), for two uses that must not need a build:
//   - verify_test.mjs drives verification.js against it, including archives that lie;
//   - dev_server.mjs serves its JSON API over HTTP to develop the page without archived.
// The browser test (web_view_test.mjs) never uses the archive (it runs the real archived),
// only generateCosigner for a witness key that cosigned nothing.

import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';

const subtle = globalThis.crypto.subtle;
const encoder = new TextEncoder();

const sha256 = async (bytes) => new Uint8Array(await subtle.digest('SHA-256', bytes));
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const base64 = (bytes) => Buffer.from(bytes).toString('base64');
const concat = (...parts) => new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));

// --- Keys and signed notes -----------------------------------------------------------------

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export async function keyFromSeed(name, seed) {
  const privateKey = await subtle.importKey(
    'pkcs8',
    concat(PKCS8_ED25519_PREFIX, seed),
    { name: 'Ed25519' },
    true,
    ['sign'],
  );
  const jwk = await subtle.exportKey('jwk', privateKey);
  return describeKey(name, privateKey, new Uint8Array(Buffer.from(jwk.x, 'base64url')));
}

export async function generateKey(name) {
  const pair = await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  return describeKey(name, pair.privateKey, publicKey);
}

async function describeKey(name, privateKey, publicKey) {
  const keyId = (await sha256(concat(encoder.encode(name), [0x0a, 0x01], publicKey))).slice(0, 4);
  return {
    name,
    privateKey,
    publicKey,
    keyId,
    verifierKey: `${name}+${hex(keyId)}+${base64(concat([0x01], publicKey))}`,
  };
}

export async function signNote(text, key) {
  const signature = new Uint8Array(await subtle.sign({ name: 'Ed25519' }, key.privateKey, encoder.encode(text)));
  return `${text}\n\u2014 ${key.name} ${base64(concat(key.keyId, signature))}\n`;
}

// --- Witnesses (C2SP tlog-cosignature) ------------------------------------------------------

// A witness's key, made with node:crypto rather than the WebCrypto the page uses: its
// cosigner verifier key `<name>+<key id>+<base64(0x04 ‖ public key)>`, key id the first 4
// bytes of SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key).
export function generateCosigner(name) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  const typed = Buffer.concat([Buffer.from([0x04]), raw]);
  const keyId = createHash('sha256').update(Buffer.concat([Buffer.from(name), Buffer.from([0x0a]), typed])).digest().subarray(0, 4);
  return { name, privateKey, publicKey: raw, keyId, verifierKey: `${name}+${keyId.toString('hex')}+${typed.toString('base64')}` };
}

// The note text of a signed note: everything before the blank line, with its newline.
export const noteText = (note) => note.slice(0, note.lastIndexOf('\n\n') + 1);

// `witness`'s cosignature/v1 line for the checkpoint text `text` at `time` (seconds): key
// id, the time as a big-endian u64, then Ed25519 over "cosignature/v1\ntime <t>\n" ‖ text.
// `keyId` writes another key id on the line.
export function cosignatureLine(text, witness, time, { keyId = witness.keyId } = {}) {
  const stamp = Buffer.alloc(8);
  stamp.writeBigUInt64BE(BigInt(time));
  const signature = nodeSign(null, Buffer.from(`cosignature/v1\ntime ${time}\n${text}`), witness.privateKey);
  return `\u2014 ${witness.name} ${Buffer.concat([keyId, stamp, signature]).toString('base64')}\n`;
}

// --- The Merkle tree (RFC 6962 section 2.1) --------------------------------------------------

export const leafHashOf = (leaf) => sha256(concat([0x00], leaf));
const nodeHashOf = (left, right) => sha256(concat([0x01], left, right));

// The largest power of two smaller than n (n > 1).
function split(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export class MerkleTree {
  constructor() {
    this.leafHashes = [];
  }

  get size() {
    return this.leafHashes.length;
  }

  async append(leafBytes) {
    this.leafHashes.push(await leafHashOf(leafBytes));
    return this.leafHashes.length - 1;
  }

  // MTH(D[start:end])
  async hash(start, end) {
    const n = end - start;
    if (n === 0) return sha256(new Uint8Array());
    if (n === 1) return this.leafHashes[start];
    const k = split(n);
    return nodeHashOf(await this.hash(start, start + k), await this.hash(start + k, end));
  }

  root(size = this.size) {
    return this.hash(0, size);
  }

  // PATH(m, D[n]) in the tree of the first `size` leaves.
  async inclusionProof(index, size = this.size, start = 0) {
    const n = size;
    if (n <= 1) return [];
    const k = split(n);
    if (index < k) {
      return [...(await this.inclusionProof(index, k, start)), await this.hash(start + k, start + n)];
    }
    return [...(await this.inclusionProof(index - k, n - k, start + k)), await this.hash(start, start + k)];
  }

  // PROOF(m, D[n]) = SUBPROOF(m, D[n], true)
  consistencyProof(oldSize, newSize = this.size) {
    if (oldSize === 0 || oldSize === newSize) return Promise.resolve([]);
    return this.subproof(oldSize, 0, newSize, true);
  }

  async subproof(m, start, end, complete) {
    const n = end - start;
    if (m === n) return complete ? [] : [await this.hash(start, end)];
    const k = split(n);
    if (m <= k) {
      return [...(await this.subproof(m, start, start + k, complete)), await this.hash(start + k, end)];
    }
    return [...(await this.subproof(m - k, start + k, end, false)), await this.hash(start, start + k)];
  }
}

// --- Statements ----------------------------------------------------------------------------

const STATEMENT_KEYS = [
  'origin', 'document', 'parent', 'content', 'media-type', 'status', 'title', 'issuer', 'number',
  'region', 'date', 'source', 'submitted-by', 'submitted-at', 'note', 'effective', 'expires', 'relation',
];

export function renderStatement(fields) {
  const lines = ['archive-revision/v1'];
  for (const key of STATEMENT_KEYS) {
    const value = fields[key];
    for (const one of [].concat(value ?? [])) if (one !== '') lines.push(`${key} ${one}`);
  }
  return lines.join('\n') + '\n';
}

// --- The archive -----------------------------------------------------------------------------

// An archive with one log, the JSON API of archived's /api/v1 (proto field names,
// uint64 as strings, defaults omitted) and hooks to misbehave.
export class FakeArchive {
  static async create(origin = 'fake.archive.example', key = null) {
    const archive = new FakeArchive();
    archive.origin = origin;
    archive.key = key ?? (await generateKey(origin));
    archive.otherKeys = []; // trusted offices' keys, listed at /api/v1/keys
    archive.tree = new MerkleTree();
    archive.leaves = [];
    archive.revisions = new Map(); // revision id → {revision, note, content}
    archive.documents = new Map(); // document id → [revision id], oldest first
    archive.checkpoints = new Map(); // size → signed checkpoint note
    archive.servedSize = null; // serve the checkpoint of this size instead of the latest
    // Witnesses: each (checkpoint note, size) → a cosignature line appended to the served
    // checkpoint (/api/v1/checkpoint and receipts), as archived --witnesses does.
    archive.cosigners = [];
    archive.tamper = null; // (path, bytes) → bytes, to damage content on the way out
    archive.clock = Date.parse('2026-12-01T08:00:00Z');
    return archive;
  }

  // Appends a revision signed by `signer` (this archive's key unless another office's).
  async put(documentId, content, metadata = {}, { signer = this.key, parents } = {}) {
    const bytes = typeof content === 'string' ? encoder.encode(content) : content;
    const history = this.documents.get(documentId) ?? [];
    const parentIds = parents ?? history.slice(-1);
    this.clock += 60_000;
    const statement = renderStatement({
      origin: signer.name,
      document: documentId,
      parent: [...parentIds].sort(),
      content: `sha256:${hex(await sha256(bytes))} ${bytes.length}`,
      'media-type': metadata.media_type ?? 'text/plain; charset=utf-8',
      status: metadata.status ?? 'in_force',
      title: metadata.title,
      issuer: metadata.issuer,
      number: metadata.number,
      region: metadata.region,
      date: metadata.date,
      'submitted-by': 'local',
      'submitted-at': new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      note: metadata.note,
      relation: (metadata.relations ?? []).map((r) => `${r.kind} ${r.document_id}`),
    });
    const revisionId = hex(await sha256(encoder.encode(statement)));
    const leafIndex = await this.tree.append(encoder.encode(statement));
    this.leaves.push(statement);
    const note = await signNote(statement, signer);
    this.revisions.set(revisionId, {
      note,
      content: bytes,
      revision: this.revisionMessage(revisionId, documentId, signer.name, parentIds, bytes, metadata, statement, leafIndex),
    });
    this.documents.set(documentId, [...history, revisionId]);
    await this.signCheckpoint();
    return revisionId;
  }

  revisionMessage(revisionId, documentId, origin, parents, bytes, metadata, statement, leafIndex) {
    const fields = Object.fromEntries(statement.split('\n').slice(1, -1).map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
    return omitDefaults({
      revision_id: revisionId,
      document_id: documentId,
      origin,
      parents: [...parents],
      sha256: fields.content.slice(7, 71),
      size: String(bytes.length),
      metadata: omitDefaults({
        title: metadata.title,
        issuer: metadata.issuer,
        number: metadata.number,
        region: metadata.region,
        date: metadata.date,
        status: metadata.status ?? 'in_force',
        media_type: metadata.media_type ?? 'text/plain; charset=utf-8',
        note: metadata.note,
        relations: metadata.relations,
      }),
      submitted_by: 'local',
      submitted_at: fields['submitted-at'],
      statement,
      leaf_index: String(leafIndex),
    });
  }

  async signCheckpoint() {
    const size = this.tree.size;
    const text = `${this.origin}\n${size}\n${base64(await this.tree.root(size))}\n`;
    this.checkpoints.set(size, await signNote(text, this.key));
  }

  get checkpointSize() {
    return this.servedSize ?? this.tree.size;
  }

  servedCheckpoint(size) {
    const note = this.checkpoints.get(size);
    return note + this.cosigners.map((cosign) => cosign(note, size)).join('');
  }

  // The archive's answer to GET path: {status, json} or {status, bytes, contentType}.
  async answer(path) {
    const url = new URL(path, 'http://archive.invalid');
    const route = url.pathname;
    const q = url.searchParams;
    const size = this.checkpointSize;
    let match;
    if (route === '/api/v1/checkpoint') {
      return ok({ checkpoint: this.servedCheckpoint(size), tree_size: String(size), verifier_key: this.key.verifierKey });
    }
    if (route === '/api/v1/keys') {
      return ok({ origin: this.origin, keys: [this.key.verifierKey, ...this.otherKeys.map((k) => k.verifierKey)] });
    }
    if (route === '/api/v1/proofs/consistency') {
      const oldSize = Number(q.get('old'));
      const newSize = Number(q.get('new'));
      if (!(oldSize <= newSize && newSize <= size)) return error(400, 'INVALID_ARGUMENT', 'bad sizes');
      const hashes = await this.tree.consistencyProof(oldSize, newSize);
      return ok({ proof: omitDefaults({ old_size: String(oldSize), new_size: String(newSize), hashes: hashes.map(base64) }) });
    }
    if ((match = /^\/api\/v1\/revisions\/([^/]+)$/.exec(route))) {
      const stored = this.revisions.get(decodeURIComponent(match[1]));
      if (!stored || Number(stored.revision.leaf_index ?? 0) >= size) return error(404, 'NOT_FOUND', 'no such revision');
      const index = Number(stored.revision.leaf_index ?? 0);
      const hashes = await this.tree.inclusionProof(index, size);
      return ok({
        revision: stored.revision,
        signed_statement: stored.note,
        receipt: {
          signed_statement: stored.note,
          checkpoint: this.servedCheckpoint(size),
          inclusion: omitDefaults({ leaf_index: String(index), tree_size: String(size), hashes: hashes.map(base64) }),
        },
      });
    }
    if ((match = /^\/api\/v1\/documents\/(.+)\/content$/.exec(route))) {
      const id = decodeURIComponent(match[1]);
      const rev = q.get('rev') ?? this.authoritative(id);
      const stored = this.revisions.get(rev);
      if (!stored || stored.revision.document_id !== id) return error(404, 'NOT_FOUND', 'no such revision');
      const bytes = this.tamper ? this.tamper(path, stored.content) : stored.content;
      return { status: 200, bytes, contentType: stored.revision.metadata.media_type };
    }
    if ((match = /^\/api\/v1\/documents\/(.+)\/history$/.exec(route))) {
      const id = decodeURIComponent(match[1]);
      if (!this.documents.has(id)) return error(404, 'NOT_FOUND', `no document ${id}`);
      const revisions = [...this.documents.get(id)].reverse().map((rev) => this.revisions.get(rev).revision);
      return ok({ revisions, heads: [this.head(id)], authoritative: this.authoritative(id) });
    }
    if ((match = /^\/api\/v1\/documents\/(.+)$/.exec(route))) {
      const id = decodeURIComponent(match[1]);
      if (!this.documents.has(id)) return error(404, 'NOT_FOUND', `no document ${id}`);
      const authoritative = this.revisions.get(this.authoritative(id))?.revision;
      return ok(omitDefaults({ document: this.summary(id), authoritative_revision: authoritative, relations: this.relations(id) }));
    }
    if (route === '/api/v1/documents') {
      const documents = [...this.documents.keys()].map((id) => this.summary(id)).filter((summary) => {
        const m = summary.latest.metadata;
        return (
          (!q.get('region') || m.region === q.get('region')) &&
          (!q.get('issuer') || m.issuer === q.get('issuer')) &&
          (!q.get('status') || m.status === q.get('status')) &&
          (!q.get('from') || (m.date && m.date >= q.get('from'))) &&
          (!q.get('to') || (m.date && m.date <= q.get('to')))
        );
      });
      return ok(omitDefaults({ documents }));
    }
    if (route === '/api/v1/search') {
      return ok(omitDefaults(this.search(q.get('q') ?? '')));
    }
    return error(404, 'NOT_FOUND', `no route ${route}`);
  }

  head(id) {
    return this.documents.get(id).at(-1);
  }

  authoritative(id) {
    return [...this.documents.get(id)].reverse().find((rev) => this.revisions.get(rev).revision.metadata.status !== 'draft');
  }

  summary(id) {
    return omitDefaults({
      document_id: id,
      heads: [this.head(id)],
      latest: this.revisions.get(this.head(id)).revision,
      revision_count: String(this.documents.get(id).length),
      authoritative: this.authoritative(id),
    });
  }

  relations(id) {
    const active = { repeals: 'repealed-by', amends: 'amended-by', implements: 'implemented-by', supersedes: 'superseded-by' };
    const inverse = { ...active, ...Object.fromEntries(Object.entries(active).map(([a, p]) => [p, a])) };
    const edges = [];
    for (const [other] of this.documents) {
      const head = this.revisions.get(this.head(other)).revision;
      for (const relation of head.metadata.relations ?? []) {
        if (other === id) edges.push({ kind: relation.kind, other: relation.document_id, declared_by: id, revision_id: head.revision_id });
        else if (relation.document_id === id) {
          edges.push({ kind: inverse[relation.kind] ?? relation.kind, other, declared_by: other, revision_id: head.revision_id });
        }
      }
    }
    return edges;
  }

  search(query) {
    const terms = query.split(/\s+/).filter(Boolean);
    const hits = [];
    for (const [id] of this.documents) {
      const stored = this.revisions.get(this.authoritative(id));
      const text = new TextDecoder().decode(stored.content);
      if (!terms.length || !terms.every((term) => text.includes(term))) continue;
      const at = text.indexOf(terms[0]);
      const snippet = `${text.slice(Math.max(0, at - 30), at)}【${terms[0]}】${text.slice(at + terms[0].length, at + terms[0].length + 30)}`.replace(/\n/g, ' ');
      hits.push({ document_id: id, revision_id: stored.revision.revision_id, title: stored.revision.metadata.title, snippet, occurrences: text.split(terms[0]).length - 1, score: 1 });
    }
    return { hits, total_matches: String(hits.length) };
  }

  // In-memory client for verification.js: {json, bytes}, errors with .path as the page's.
  client() {
    const call = async (path) => {
      const answer = await this.answer(path);
      if (answer.status !== 200) {
        const failure = new Error(answer.json.error.message);
        failure.path = path;
        throw failure;
      }
      return answer;
    };
    return {
      json: async (path) => JSON.parse(JSON.stringify((await call(path)).json)),
      bytes: async (path) => new Uint8Array((await call(path)).bytes),
    };
  }
}

function ok(json) {
  return { status: 200, json };
}

function error(status, code, message) {
  return { status, json: { error: { code, exit: status === 404 ? 3 : 1, message } } };
}

// proto3 JSON leaves out fields holding their default value.
function omitDefaults(object) {
  return Object.fromEntries(
    Object.entries(object).filter(
      ([, value]) =>
        value !== undefined && value !== null && value !== '' && value !== '0' && value !== 0 &&
        value !== false && !(Array.isArray(value) && value.length === 0),
    ),
  );
}
