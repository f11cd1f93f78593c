// The web view: routes on location.pathname (archived serves index.html at / and at
// /doc/<id>), fetches from the archive's JSON API, and draws the search page or a
// document's page. Each page keeps what it fetched in a view object whose render()
// draws it again, so the language toggle redraws without fetching anything.
//
// Text from the archive is only ever put into the page as text nodes (never as HTML):
// a document or a title cannot inject markup.

import {
  archiveApi,
  browserStore,
  contentPath,
  documentPagePath,
  documentPath,
  getJson,
  queryString,
} from './api.js';
import { diffStats, diffTexts, splitLines } from './diff.js';
import {
  currentLanguage,
  formatSize,
  formatTime,
  otherLanguage,
  setLanguage,
  t,
  translateStatic,
} from './i18n.js';
import { WITNESS_POLICY, saveWitnessPolicy, verifyRevision } from './verification.js';

const SEARCH_LIMIT = 100;
const LIST_PAGE_SIZE = 50;
const ALL_DOCUMENTS_PAGE_SIZE = 1000;
const HISTORY_PAGE_SIZE = 1000;
const HISTORY_MAX_PAGES = 20;
const DIFF_CONTEXT_LINES = 2;
const FILTER_NAMES = ['region', 'issuer', 'status', 'from', 'to'];

let currentView = null;

// --- Start and language --------------------------------------------------------------------

function main() {
  setUpLanguageToggle();
  applyLanguage();
  const path = location.pathname;
  const params = new URLSearchParams(location.search);
  if (path.startsWith('/doc/')) {
    showDocumentPage(documentIdFromPath(path), params.get('rev'));
  } else {
    showSearchPage(params);
  }
}

// /doc/<percent-encoded id>. An id with '/' may also arrive unencoded (typed by hand):
// everything after /doc/ is the id either way.
function documentIdFromPath(path) {
  const encoded = path.slice('/doc/'.length);
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

function setUpLanguageToggle() {
  document.getElementById('language-toggle').addEventListener('click', () => {
    setLanguage(otherLanguage());
    applyLanguage();
    currentView?.render();
  });
}

function applyLanguage() {
  document.documentElement.lang = currentLanguage();
  const toggle = document.getElementById('language-toggle');
  toggle.textContent = t('language.other');
  toggle.lang = otherLanguage();
  translateStatic(document);
}

// --- DOM helpers -----------------------------------------------------------------------------

// el('a', {href, class, text}, ...children): an element with attributes and children;
// strings become text nodes.
function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'text') element.textContent = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

function byId(id) {
  return document.getElementById(id);
}

function mountTemplate(id) {
  const main = byId('main');
  main.replaceChildren(byId(id).content.cloneNode(true));
  translateStatic(main);
  return main;
}

function statusBadge(status) {
  if (!status) return null;
  return el('span', { class: `status status-${status}`, dataset: { status }, text: t(`status.${status}`) });
}

function shortId(hex, length = 12) {
  return String(hex ?? '').slice(0, length);
}

function metadataOf(revision) {
  return revision?.metadata ?? {};
}

function isText(mediaType) {
  return /^text\//i.test(mediaType ?? '');
}

function decodeText(bytes) {
  return new TextDecoder('utf-8').decode(bytes);
}

function errorMessage(error) {
  return error?.message ?? String(error);
}

// --- The search page ( / ) ---------------------------------------------------------------

function showSearchPage(params) {
  mountTemplate('search-page');
  const form = byId('search-form');
  for (const name of ['q', ...FILTER_NAMES]) form.elements[name].value = params.get(name) ?? '';
  const view = {
    query: (params.get('q') ?? '').trim(),
    filters: Object.fromEntries(FILTER_NAMES.map((name) => [name, params.get(name) ?? ''])),
    loading: true,
    error: null,
    hits: null, // full-text search: [{hit, summary}]
    totalMatches: 0,
    documents: [], // listing: [DocumentSummary]
    nextPageToken: '',
    known: new Map(), // document id → DocumentSummary, to show a hit's metadata
    render: () => renderSearchResults(view),
  };
  currentView = view;
  byId('results-more').addEventListener('click', () => loadMoreDocuments(view));
  view.render();
  loadFilterChoices(view);
  runSearch(view);
}

const hasFilters = (filters) => Object.values(filters).some(Boolean);

async function runSearch(view) {
  try {
    if (view.query) {
      const [search, filtered] = await Promise.all([
        getJson(`/api/v1/search${queryString({ q: view.query, limit: SEARCH_LIMIT })}`),
        hasFilters(view.filters) ? listDocuments(view.filters, ALL_DOCUMENTS_PAGE_SIZE) : null,
      ]);
      const allowed = filtered && new Set(filtered.documents.map((d) => d.document_id));
      const hits = search.hits ?? [];
      view.totalMatches = Number(search.total_matches ?? hits.length);
      view.hits = hits.filter((hit) => !allowed || allowed.has(hit.document_id));
      for (const summary of filtered?.documents ?? []) view.known.set(summary.document_id, summary);
    } else {
      const page = await listDocuments(view.filters, LIST_PAGE_SIZE);
      view.documents = page.documents;
      view.nextPageToken = page.nextPageToken;
    }
  } catch (error) {
    view.error = error;
  }
  view.loading = false;
  view.render();
}

async function loadMoreDocuments(view) {
  try {
    const page = await listDocuments(view.filters, LIST_PAGE_SIZE, view.nextPageToken);
    view.documents.push(...page.documents);
    view.nextPageToken = page.nextPageToken;
  } catch (error) {
    view.error = error;
  }
  view.render();
}

async function listDocuments(filters, pageSize, pageToken = '') {
  const answer = await getJson(
    `/api/v1/documents${queryString({ ...filters, page_size: pageSize, page_token: pageToken })}`,
  );
  return { documents: answer.documents ?? [], nextPageToken: answer.next_page_token ?? '' };
}

// The regions and issuers the archive holds, offered as choices (datalists) in the form,
// and remembered to show a search hit's metadata.
async function loadFilterChoices(view) {
  let documents;
  try {
    documents = (await listDocuments({}, ALL_DOCUMENTS_PAGE_SIZE)).documents;
  } catch {
    return; // the form works without choices
  }
  const regions = new Set();
  const issuers = new Set();
  for (const summary of documents) {
    const metadata = metadataOf(summary.latest);
    if (metadata.region) regions.add(metadata.region);
    if (metadata.issuer) issuers.add(metadata.issuer);
    if (!view.known.has(summary.document_id)) view.known.set(summary.document_id, summary);
  }
  const options = (values) => [...values].sort().map((value) => el('option', { value }));
  byId('region-choices').replaceChildren(...options(regions));
  byId('issuer-choices').replaceChildren(...options(issuers));
  if (view.hits) view.render();
}

function renderSearchResults(view) {
  document.title = t('app.title');
  const summary = byId('results-summary');
  const list = byId('results-list');
  byId('results-more').hidden = view.hits !== null || !view.nextPageToken || view.loading;
  if (view.loading) {
    summary.textContent = t('results.loading');
    list.replaceChildren();
    return;
  }
  if (view.error) {
    summary.textContent = errorMessage(view.error);
    summary.classList.add('error');
    return;
  }
  if (view.hits !== null) {
    summary.textContent = hasFilters(view.filters)
      ? t('results.hits.filtered', { q: view.query, n: view.totalMatches, shown: view.hits.length })
      : t('results.hits', { q: view.query, n: view.totalMatches });
    list.replaceChildren(...view.hits.map((hit) => searchHitItem(hit, view.known.get(hit.document_id))));
  } else {
    summary.textContent = t(view.nextPageToken ? 'results.count.more' : 'results.count', {
      n: view.documents.length,
    });
    list.replaceChildren(...view.documents.map(documentItem));
  }
  if ((view.hits ?? view.documents).length === 0) summary.textContent += ' ' + t('results.none');
}

function searchHitItem(hit, summary) {
  const metadata = metadataOf(summary?.latest);
  return el(
    'li',
    { class: 'result', dataset: { documentId: hit.document_id } },
    resultHeading(hit.document_id, hit.title || metadata.title, metadata.status),
    resultFacts(hit.document_id, metadata),
    el('p', { class: 'snippet' }, ...markedSnippet(hit.snippet ?? '')),
    el('p', { class: 'muted', text: t('results.occurrences', { n: hit.occurrences ?? 0 }) }),
  );
}

function documentItem(summary) {
  const metadata = metadataOf(summary.latest);
  return el(
    'li',
    { class: 'result', dataset: { documentId: summary.document_id } },
    resultHeading(summary.document_id, metadata.title, metadata.status),
    resultFacts(summary.document_id, metadata),
  );
}

function resultHeading(documentId, title, status) {
  return el(
    'h3',
    {},
    el('a', { href: documentPagePath(documentId), text: title || t('results.untitled') }),
    ' ',
    statusBadge(status),
  );
}

function resultFacts(documentId, metadata) {
  const facts = [metadata.number, metadata.issuer, metadata.region, metadata.date].filter(Boolean);
  return el('p', { class: 'facts-line' }, el('code', { text: documentId }), ...facts.map((fact) => ` · ${fact}`));
}

// The search marks each match 【like this】: shown as <mark>.
function markedSnippet(snippet) {
  const parts = [];
  let last = 0;
  for (const match of snippet.matchAll(/【([^【】]*)】/g)) {
    parts.push(snippet.slice(last, match.index), el('mark', { text: match[1] }));
    last = match.index + match[0].length;
  }
  parts.push(snippet.slice(last));
  return parts.filter((part) => part !== '');
}

// --- A document's page ( /doc/<id>[?rev=REV] ) ----------------------------------------------

async function showDocumentPage(documentId, requestedRevision) {
  mountTemplate('document-page');
  const view = {
    documentId,
    requestedRevision,
    info: null,
    history: [],
    revision: null, // the revision shown and verified
    verification: null,
    content: null, // its bytes (those the verification hashed)
    contentError: null,
    texts: new Map(), // revision id → text, for the diff
    diff: { from: '', to: '', runs: null, error: null, loading: false },
    witnessPolicyError: null, // why the policy last given was not stored
    error: null,
    render: () => renderDocumentPage(view),
  };
  currentView = view;
  byId('document-title').textContent = t('doc.loading');
  try {
    const [info, history] = await Promise.all([getJson(documentPath(documentId)), loadHistory(documentId)]);
    view.info = info;
    view.history = history;
    view.revision = chooseRevision(view);
  } catch (error) {
    view.error = t('doc.not-found', { id: documentId, message: errorMessage(error) });
  }
  if (!view.error && !view.revision) {
    view.error = t('doc.revision-not-found', { id: documentId, rev: requestedRevision });
  }
  if (view.error) {
    renderDocumentError(view);
    return;
  }
  chooseDefaultDiff(view);
  wireDiffSelects(view);
  wireWitnessPolicy(view);
  view.render();
  await verifyShownRevision(view);
  await updateDiff(view);
}

async function loadHistory(documentId) {
  const revisions = [];
  let pageToken = '';
  for (let page = 0; page < HISTORY_MAX_PAGES; page++) {
    const answer = await getJson(
      `${documentPath(documentId)}/history${queryString({ page_size: HISTORY_PAGE_SIZE, page_token: pageToken })}`,
    );
    revisions.push(...(answer.revisions ?? []));
    pageToken = answer.next_page_token ?? '';
    if (!pageToken) break;
  }
  return revisions.filter((revision) => !revision.damage);
}

// ?rev= if given, else the authoritative revision, else the newest head (all drafts).
function chooseRevision(view) {
  const summary = view.info.document ?? {};
  const wanted = view.requestedRevision || summary.authoritative || summary.heads?.[0] || view.history[0]?.revision_id;
  return (
    view.history.find((revision) => revision.revision_id === wanted) ??
    (view.info.authoritative_revision?.revision_id === wanted ? view.info.authoritative_revision : null)
  );
}

function renderDocumentError(view) {
  document.title = t('app.title');
  byId('document-title').textContent = view.error;
  const section = byId('verification');
  section.dataset.state = 'failed';
  byId('verification-summary').textContent = view.error;
}

function renderDocumentPage(view) {
  if (view.error) {
    renderDocumentError(view);
    return;
  }
  const revision = view.revision;
  const metadata = metadataOf(revision);
  document.title = `${metadata.title || view.documentId} — ${t('app.title')}`;
  byId('document-title').textContent = metadata.title || view.documentId;
  byId('document-status').replaceChildren(...[statusBadge(metadata.status)].filter(Boolean));
  byId('document-revision-note').textContent = revisionNote(view);
  renderFacts(view);
  renderVerification(view);
  renderRelations(view);
  renderDownloads(view);
  renderText(view);
  renderHistory(view);
  renderDiffControls(view);
  renderDiff(view);
}

function revisionNote(view) {
  const rev = view.revision.revision_id;
  const summary = view.info.document ?? {};
  if (rev === summary.authoritative) return t('doc.showing-authoritative', { rev: shortId(rev) });
  if (!summary.authoritative && !view.requestedRevision) return t('doc.showing-head', { rev: shortId(rev) });
  return t('doc.showing-revision', { rev: shortId(rev) });
}

function renderFacts(view) {
  const metadata = metadataOf(view.revision);
  const facts = [
    ['field.number', metadata.number],
    ['field.issuer', metadata.issuer],
    ['field.region', metadata.region],
    ['field.date', metadata.date],
    ['field.effective', metadata.effective],
    ['field.expires', metadata.expires],
    ['field.source', metadata.source],
    ['field.id', view.documentId, 'code'],
    ['field.revision', view.revision.revision_id, 'code'],
    ['field.media_type', metadata.media_type],
  ].filter(([, value]) => value);
  byId('document-facts').replaceChildren(
    ...facts.flatMap(([label, value, tag]) => [
      el('dt', { text: t(label) }),
      el('dd', {}, tag ? el(tag, { text: value, class: 'breakable' }) : value),
    ]),
  );
}

// Relations both ways (the document endpoint's edges); for an older revision without
// them, the ones its own metadata declares.
function renderRelations(view) {
  const declared = (metadataOf(view.revision).relations ?? []).map((relation) => ({
    kind: relation.kind,
    other: relation.document_id,
    declared_by: view.documentId,
  }));
  const edges = view.info.relations?.length ? view.info.relations : declared;
  byId('relations-section').hidden = edges.length === 0;
  byId('relations').replaceChildren(
    ...edges.map((edge) =>
      el(
        'li',
        { dataset: { kind: edge.kind } },
        el('span', { class: 'relation-kind', text: t(`relation.${edge.kind}`) }),
        ' ',
        el('a', { href: documentPagePath(edge.other), text: edge.other }),
        edge.declared_by && edge.declared_by !== view.documentId && edge.declared_by !== edge.other
          ? el('span', { class: 'muted', text: ' ' + t('relation.declared-by', { document: edge.declared_by }) })
          : null,
      ),
    ),
  );
}

function renderDownloads(view) {
  const revision = view.revision;
  const metadata = metadataOf(revision);
  const content = byId('download-content');
  content.href = contentPath(view.documentId, revision.revision_id);
  content.download = downloadName(view.documentId, revision.revision_id, isText(metadata.media_type) ? '.txt' : '');
  content.textContent = t('doc.download.content', {
    size: formatSize(revision.size ?? 0),
    type: metadata.media_type || 'application/octet-stream',
  });
  const receiptLink = byId('download-receipt');
  const receipt = view.verification?.receipt;
  receiptLink.hidden = !receipt;
  if (receipt && !receiptLink.dataset.ready) {
    // The receipt as the archive sent it: signed statement, checkpoint, inclusion proof.
    const blob = new Blob([JSON.stringify(receipt, null, 2) + '\n'], { type: 'application/json' });
    receiptLink.href = URL.createObjectURL(blob);
    receiptLink.download = downloadName(view.documentId, revision.revision_id, '.receipt.json');
    receiptLink.dataset.ready = 'true';
  }
}

function downloadName(documentId, revisionId, extension) {
  return `${documentId.replace(/[^\p{L}\p{N}._-]+/gu, '_')}-${shortId(revisionId)}${extension}`;
}

function renderText(view) {
  const container = byId('document-text');
  const mediaType = metadataOf(view.revision).media_type;
  if (!isText(mediaType)) {
    container.replaceChildren(el('p', { text: t('doc.not-text', { type: mediaType || 'application/octet-stream' }) }));
    return;
  }
  if (view.contentError) {
    container.replaceChildren(el('p', { class: 'error', text: t('doc.text.unavailable', { message: view.contentError }) }));
  } else if (view.content) {
    container.replaceChildren(el('pre', { lang: 'zh-CN', text: decodeText(view.content) }));
  } else {
    container.replaceChildren(el('p', { class: 'muted', text: t('doc.text.loading') }));
  }
}

function renderHistory(view) {
  const summary = view.info.document ?? {};
  byId('history').replaceChildren(
    ...view.history.map((revision) => {
      const metadata = metadataOf(revision);
      const rev = revision.revision_id;
      const shown = rev === view.revision.revision_id;
      return el(
        'li',
        { class: shown ? 'timeline-item shown' : 'timeline-item', dataset: { revision: rev } },
        el(
          'p',
          { class: 'timeline-head' },
          el('time', { datetime: revision.submitted_at, text: formatTime(revision.submitted_at) }),
          ' ',
          statusBadge(metadata.status),
          rev === summary.authoritative ? el('span', { class: 'tag', text: t('doc.history.authoritative') }) : null,
          shown ? el('span', { class: 'tag tag-shown', text: t('doc.history.viewing') }) : null,
        ),
        el(
          'dl',
          { class: 'timeline-facts' },
          el('dt', { text: t('doc.history.size') }),
          el('dd', { text: formatSize(revision.size ?? 0) }),
          el('dt', { text: 'SHA-256' }),
          el('dd', {}, el('code', { title: revision.sha256, text: shortId(revision.sha256, 16) })),
          el('dt', { text: t('doc.history.origin') }),
          el('dd', { text: revision.origin ?? '' }),
          el('dt', { text: t('doc.history.submitted-by') }),
          el('dd', { text: revision.submitted_by ?? '' }),
          metadata.note ? [el('dt', { text: t('doc.history.note') }), el('dd', { text: metadata.note })] : null,
        ),
        shown ? null : el('a', { href: documentPagePath(view.documentId, rev), text: t('doc.history.view') }),
      );
    }),
  );
}

// --- Verification ------------------------------------------------------------------------

// Runs the checks again when the witness policy changes; only the latest run draws.
async function verifyShownRevision(view) {
  const run = (view.verificationRuns = (view.verificationRuns ?? 0) + 1);
  const current = () => run === view.verificationRuns;
  const result = await verifyRevision({
    api: archiveApi,
    store: browserStore,
    documentId: view.documentId,
    revisionId: view.revision.revision_id,
    onProgress: (progress) => {
      if (!current()) return;
      view.verification = progress;
      renderVerification(view);
    },
  });
  if (!current()) return;
  view.verification = result;
  if (result.content) {
    view.content = result.content;
  } else {
    // The check stopped before downloading the bytes (a changed key, say): show the text
    // all the same, under the failed mark.
    try {
      view.content = await archiveApi.bytes(contentPath(view.documentId, view.revision.revision_id));
    } catch (error) {
      view.contentError = errorMessage(error);
    }
  }
  if (view.content && isText(metadataOf(view.revision).media_type)) {
    view.texts.set(view.revision.revision_id, decodeText(view.content));
  }
  view.render();
}

const STEP_ICONS = { ok: '✓', failed: '✗', pending: '…', skipped: '–' };

function renderVerification(view) {
  const section = byId('verification');
  const result = view.verification;
  renderWitnessPolicyStatus(view.witnessPolicyError);
  if (!result) {
    section.dataset.state = 'pending';
    delete section.dataset.failedStep;
    byId('verification-summary').textContent = t('verify.pending');
    byId('verification-steps').replaceChildren();
    renderWitnesses(null);
    return;
  }
  // The page's "verified" mark is this attribute: it leaves "pending" only when the run
  // has ended, and is "verified" only when every step passed.
  section.dataset.state = result.state;
  if (result.failedStep) section.dataset.failedStep = result.failedStep;
  else delete section.dataset.failedStep;
  byId('verification-summary').textContent = verificationSummary(result);
  byId('verification-steps').replaceChildren(...result.steps.map(stepItem));
  const key = result.key;
  byId('verification-key').replaceChildren(
    ...(key
      ? [
          el('p', { text: t('verify.pinned-key', { fingerprint: key.fingerprint, at: formatTime(key.pinnedAt) }) }),
          el('code', { class: 'breakable', text: key.text }),
        ]
      : []),
  );
  renderWitnesses(result.witnesses);
}

// --- Witnesses ---------------------------------------------------------------------------

// The cosignatures of the checkpoint (verification.js's result.witnesses), one line each:
// name, time, and whether it verified; a listed witness with none is shown missing.
function renderWitnesses(witnesses) {
  const list = byId('witness-list');
  if (!witnesses) {
    list.replaceChildren();
    return;
  }
  if (witnesses.cosigners.length === 0) {
    list.replaceChildren(el('li', { dataset: { state: 'none' }, text: t('witness.none') }));
    return;
  }
  list.replaceChildren(
    ...witnesses.cosigners.map((cosigner) =>
      el(
        'li',
        { dataset: { witness: cosigner.name, state: cosigner.state } },
        el('strong', { class: 'breakable', text: cosigner.name }),
        cosigner.time === null ? null : el('span', { text: t('witness.time', { time: formatSeconds(cosigner.time) }) }),
        el('span', { class: 'witness-state', text: t(`witness.state.${cosigner.state}`) }),
      ),
    ),
  );
}

function formatSeconds(seconds) {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : formatTime(date.toISOString());
}

function renderWitnessPolicyStatus(error = null) {
  const status = byId('witness-policy-status');
  if (error) {
    status.dataset.state = 'invalid';
    status.textContent = t('witness.policy.invalid', { message: error });
    return;
  }
  const stored = browserStore.get(WITNESS_POLICY);
  const policy = storedPolicySummary(stored);
  status.dataset.state = policy ? 'active' : 'inactive';
  status.textContent = policy
    ? t('witness.policy.active', { count: policy.count, quorum: policy.quorum, at: formatTime(stored.at) })
    : t('witness.policy.inactive');
}

// What the status line says of the stored policy, read without checking keys (the
// verification does that): the number of witness lines and the quorum.
function storedPolicySummary(stored) {
  if (typeof stored?.text !== 'string' || stored.text.trim() === '') return null;
  const words = stored.text.split('\n').map((line) => line.trim().split(/\s+/));
  const count = words.filter((w) => w[0] === 'witness').length;
  const quorum = words.find((w) => w[0] === 'quorum')?.[1] ?? count;
  return { count, quorum };
}

// The policy form: its text is the stored one; "use" checks and stores it, then verifies
// again; "forget" removes it; a file chosen fills the text.
function wireWitnessPolicy(view) {
  const text = byId('witness-policy-text');
  text.value = browserStore.get(WITNESS_POLICY)?.text ?? '';
  const apply = async (policyText) => {
    try {
      await saveWitnessPolicy(browserStore, policyText);
      view.witnessPolicyError = null;
    } catch (error) {
      view.witnessPolicyError = error.message;
      renderWitnessPolicyStatus(view.witnessPolicyError);
      return;
    }
    view.verification = null;
    renderVerification(view);
    await verifyShownRevision(view);
  };
  byId('witness-policy-save').addEventListener('click', () => apply(text.value));
  byId('witness-policy-clear').addEventListener('click', () => {
    text.value = '';
    apply('');
  });
  byId('witness-policy-file').addEventListener('change', async (event) => {
    const file = event.target.files?.[0];
    if (file) text.value = await file.text();
  });
}

function verificationSummary(result) {
  if (result.state === 'verified') return t('verify.verified');
  if (result.state === 'failed') {
    const step = result.steps.find((s) => s.id === result.failedStep);
    return t('verify.failed', { step: t(`step.${step.id}`), detail: stepMessage(step) });
  }
  return t('verify.pending');
}

function stepMessage(step) {
  if (step.state === 'skipped') return t('verify.skipped');
  if (!step.message) return '';
  const params = { ...step.params };
  if (params.at) params.at = formatTime(params.at);
  return t(step.message, params);
}

function stepItem(step) {
  return el(
    'li',
    { class: `step step-${step.state}`, dataset: { step: step.id, state: step.state } },
    el('span', { class: 'step-icon', 'aria-hidden': 'true', text: STEP_ICONS[step.state] }),
    // The icon's meaning for screen readers, which skip it.
    el('span', { class: 'visually-hidden', text: t(`verify.step-state.${step.state}`) }),
    el('strong', { text: t(`step.${step.id}`) }),
    el('span', { class: 'step-message', text: stepMessage(step) }),
  );
}

// --- Diff ----------------------------------------------------------------------------------

// Default: the previous text against the shown revision (the authoritative one unless
// ?rev= chose another). "Previous" skips older revisions with the very same bytes (a
// change of status only), whose diff would be empty.
function chooseDefaultDiff(view) {
  const index = view.history.findIndex((revision) => revision.revision_id === view.revision.revision_id);
  const older = view.history.slice(index + 1);
  const previous = older.find((revision) => revision.sha256 !== view.revision.sha256) ?? older[0];
  view.diff.to = view.revision.revision_id;
  view.diff.from = previous?.revision_id ?? view.history[index - 1]?.revision_id ?? '';
}

function wireDiffSelects(view) {
  for (const id of ['diff-from', 'diff-to']) {
    byId(id).addEventListener('change', () => {
      view.diff.from = byId('diff-from').value;
      view.diff.to = byId('diff-to').value;
      updateDiff(view);
    });
  }
}

function renderDiffControls(view) {
  const options = () =>
    view.history.map((revision) =>
      el('option', {
        value: revision.revision_id,
        text: `${formatTime(revision.submitted_at)} · ${t(`status.${metadataOf(revision).status}`)} · ${shortId(revision.revision_id, 8)}`,
      }),
    );
  const from = byId('diff-from');
  const to = byId('diff-to');
  from.replaceChildren(...options());
  to.replaceChildren(...options());
  from.value = view.diff.from;
  to.value = view.diff.to;
  byId('diff-form').hidden = view.history.length < 2;
}

async function updateDiff(view) {
  const diff = view.diff;
  diff.runs = null;
  diff.error = null;
  if (view.history.length < 2 || !diff.from || !diff.to) {
    renderDiff(view);
    return;
  }
  const wanted = `${diff.from}..${diff.to}`;
  diff.loading = true;
  renderDiff(view);
  try {
    const [oldText, newText] = await Promise.all([textOf(view, diff.from), textOf(view, diff.to)]);
    if (`${diff.from}..${diff.to}` !== wanted) return; // another choice came meanwhile
    diff.runs = diffTexts(oldText, newText);
  } catch (error) {
    diff.error = errorMessage(error);
  }
  diff.loading = false;
  renderDiff(view);
}

async function textOf(view, revisionId) {
  if (view.texts.has(revisionId)) return view.texts.get(revisionId);
  const revision = view.history.find((r) => r.revision_id === revisionId);
  const mediaType = metadataOf(revision).media_type;
  if (!isText(mediaType)) throw new Error(t('doc.diff.not-text', { type: mediaType || 'application/octet-stream' }));
  const text = decodeText(await archiveApi.bytes(contentPath(view.documentId, revisionId)));
  view.texts.set(revisionId, text);
  return text;
}

function renderDiff(view) {
  const diff = view.diff;
  const summary = byId('diff-summary');
  const container = byId('diff');
  summary.classList.toggle('error', Boolean(diff.error));
  if (view.history.length < 2) {
    summary.textContent = t('doc.diff.only-one');
    container.replaceChildren();
  } else if (diff.error) {
    summary.textContent = t('doc.diff.failed', { message: diff.error });
    container.replaceChildren();
  } else if (!diff.runs) {
    summary.textContent = t('doc.diff.loading');
    container.replaceChildren();
  } else {
    const stats = diffStats(diff.runs);
    summary.textContent =
      stats.deleted + stats.inserted === 0
        ? t('doc.diff.same')
        : t('doc.diff.stats', { ...stats, from: shortId(diff.from, 8), to: shortId(diff.to, 8) });
    container.replaceChildren(...diffNodes(diff.runs));
  }
}

// A line break that was removed or added is invisible by itself: shown as ↵, the
// removed one without breaking the line (the new text does not break there).
const DELETED_BREAK = '↵';
const INSERTED_BREAK = '↵\n';

// The runs as <del>/<ins> inside the text, long unchanged stretches folded into a
// <details> that opens on demand (a 250 KB document with three corrections stays short).
function diffNodes(runs) {
  const nodes = [];
  runs.forEach((run, index) => {
    if (run.type === 'delete') nodes.push(el('del', { text: run.text.replace(/\n/g, DELETED_BREAK) }));
    else if (run.type === 'insert') nodes.push(el('ins', { text: run.text.replace(/\n/g, INSERTED_BREAK) }));
    else nodes.push(...unchangedNodes(run.text, index === 0, index === runs.length - 1));
  });
  return nodes;
}

function unchangedNodes(text, atStart, atEnd) {
  const lines = splitLines(text);
  const keepBefore = atStart ? 0 : DIFF_CONTEXT_LINES + 1; // +1: the rest of a changed line
  const keepAfter = atEnd ? 0 : DIFF_CONTEXT_LINES;
  if (lines.length <= keepBefore + keepAfter + 1) return [text];
  const folded = lines.slice(keepBefore, lines.length - keepAfter);
  return [
    lines.slice(0, keepBefore).join(''),
    el(
      'details',
      { class: 'unchanged' },
      el('summary', { text: t('doc.diff.unchanged', { n: folded.length }) }),
      folded.join(''),
    ),
    lines.slice(lines.length - keepAfter).join(''),
  ].filter((node) => node !== '');
}

main();
