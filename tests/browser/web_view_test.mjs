#!/usr/bin/env node
// The web view in a real browser against a real archive: headless Chromium (Debian's
// /usr/bin/chromium, driven by puppeteer-core) and archived with its HTTP listener.
//
//   node tests/browser/web_view_test.mjs --archived build/bin/archived \
//        --archivectl build/bin/archivectl [--web_root services/web/assets] [--keep]
//
// Without --web_root, archived serves the copies of the assets built into it. A second
// archived is the first one's witness (C2SP tlog-witness: archived --witnesses asks it to
// cosign each checkpoint). Checks:
//   (a) the search page finds a document by a Chinese phrase of its text, with a snippet;
//   (b) its page shows the title and ends data-state="verified"; the language toggle;
//       the witness that cosigned is listed (unchecked: no policy yet);
//   (w) given a witness policy (typed in the page) whose quorum the witness meets, the
//       page verifies and shows the cosignature verified; a policy that also requires a
//       witness that did not cosign fails, naming it; an invalid policy is refused;
//   (c) through a proxy that flips one byte of the content, the page ends "failed" and
//       names the digest;
//   (d) an archive restored from an older backup (a rolled-back log, same key, same
//       address) is caught on the next visit: "failed", rolled back;
//   (e) screenshots of both pages and of the witnesses into tests/browser/screenshots/.
// Prints one line per check and "N passed, M failed"; exits 0 only if all passed.
// Always stops archived, the proxy and the browser; removes its temporary directory
// unless a check failed or --keep is given.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { generateCosigner } from './fake_archive.mjs';
import { startFlipProxy } from './flip_proxy.mjs';
import {
  archivectl,
  freePort,
  metadataFlags,
  readManifest,
  startArchived,
  stopAll,
  stopArchived,
  tail,
} from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

// What the test needs besides archived, with the command that provides it.
function requirePuppeteer() {
  try {
    // puppeteer-core lives in tests/tools/node_modules, not beside this file.
    return createRequire(path.join(root, 'tests/tools/package.json'))('puppeteer-core');
  } catch (error) {
    console.error(`web_view_test: puppeteer-core is missing (npm ci --prefix tests/tools): ${error.message}`);
    process.exit(1);
  }
}
const puppeteer = requirePuppeteer();

const { values: options } = parseArgs({
  options: {
    archived: { type: 'string' },
    archivectl: { type: 'string' },
    web_root: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    samples: { type: 'string', default: path.join(root, 'samples') },
    screenshots: { type: 'string', default: path.join(here, 'screenshots') },
    keep: { type: 'boolean', default: false },
  },
});
if (!options.archived || !options.archivectl) {
  console.error('usage: web_view_test.mjs --archived PATH --archivectl PATH [--web_root DIR] [--keep]');
  process.exit(2);
}

if (!existsSync(options.chromium)) {
  console.error(`web_view_test: no browser at ${options.chromium} (tests/run.sh installs Debian's chromium; or apt-get install chromium)`);
  process.exit(1);
}

const ORIGIN = 'web-view.archive.test';
// The office that witnesses ORIGIN's log.
const WITNESS_ORIGIN = 'web-witness.archive.test';
// Put before the backup, so that the restored (rolled-back) archive still has it.
const EARLY_DOCUMENT = 'bj-ai-innovation-2023';
// Two revisions (raw, then the corrected text), then repealed by RELATED_DOCUMENT.
const CORRECTED_DOCUMENT = 'gx-2020-guizhengbanfa-70';
const RELATED_DOCUMENT = 'gx-2022-guizhengfa-31';
// An id with '/' and Chinese, to show it travels percent-encoded through every URL.
const ENCODED_ID = 'sh/一网通办-帮办制度';
const ENCODED_SAMPLE = 'sh-yiwangtongban-helpdesk';
// A phrase from CORRECTED_DOCUMENT's text only.
const SEARCH_PHRASE = '瞪羚企业';
const VERIFICATION_TIMEOUT_MS = 60_000;

const results = [];

async function check(name, body) {
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok    ${name}`);
  } catch (error) {
    results.push({ name, ok: false });
    // What failed is in the message; a stack only helps for an error of the test itself.
    const expected = error instanceof TestFailure || error?.name === 'TimeoutError';
    const detail = expected ? error.message : error?.stack;
    console.log(`FAIL  ${name}\n      ${String(detail ?? error).split('\n').join('\n      ')}`);
  }
}

class TestFailure extends Error {}

function expect(condition, message) {
  if (!condition) throw new TestFailure(message);
}

// --- The archive ---------------------------------------------------------------------------

async function setUpArchive(work) {
  const witnessesFile = path.join(work, 'witnesses');
  writeFileSync(witnessesFile, '');
  const archive = await startArchiveWithFreePorts(work, [`--witnesses=${witnessesFile}`]);
  const witness = await startWitness(work);
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(work, 'config') };
  const ctl = (...args) => archivectl(options.archivectl, `127.0.0.1:${archive.grpcPort}`, args, env);
  const manifest = readManifest(options.samples);
  const sample = (kind, id) => path.join(options.samples, kind, `${id}.txt`);
  const put = (kind, sampleId, id, ...more) =>
    ctl('put', sample(kind, sampleId), '--id', id, ...metadataFlags(manifest.get(sampleId)), ...more);

  const revisions = {};
  revisions.early = await put('clean', EARLY_DOCUMENT, EARLY_DOCUMENT, '--status', 'in_force');
  const backupDir = path.join(work, 'backup');
  await ctl('backup', backupDir);
  // Only now is the witness asked (archived reads its witnesses file again when it
  // changes): a backup whose checkpoint carries a cosignature cannot be restored yet
  // (restore keeps the note as the signing hold, which must be signed by the archive's key
  // alone), and (d) restores this backup.
  writeFileSync(witnessesFile, `witness ${witness.key} http://127.0.0.1:${witness.httpPort}/witness\n`);
  revisions.raw = await put('raw', CORRECTED_DOCUMENT, CORRECTED_DOCUMENT, '--status', 'in_force', '--note', '初次归档（印刷版文字）');
  revisions.clean = await put('clean', CORRECTED_DOCUMENT, CORRECTED_DOCUMENT, '--status', 'in_force', '--note', '校对：删去页眉与断行');
  revisions.related = await put('clean', RELATED_DOCUMENT, RELATED_DOCUMENT, '--status', 'in_force');
  revisions.repealed = await ctl('status', CORRECTED_DOCUMENT, 'repealed', '--by', RELATED_DOCUMENT, '--note', '已被桂政发〔2022〕31号废止');
  revisions.encoded = await put('clean', ENCODED_SAMPLE, ENCODED_ID, '--status', 'in_force');
  await awaitCosigned(archive, witness.name);
  return { archive, witness, backupDir, revisions, manifest, ctl };
}

// The witness: another office whose trust file holds ORIGIN's key, so it cosigns ORIGIN's
// checkpoints. Resolves to its handle with .key (its cosigner verifier key) and .name.
async function startWitness(work) {
  const trust = path.join(work, 'witness-trust');
  writeFileSync(trust, readFileSync(path.join(work, 'data', 'keys', 'verifier.key')));
  const dataDir = path.join(work, 'witness-data');
  const handle = await startWithFreePorts({
    binary: options.archived,
    dataDir,
    origin: WITNESS_ORIGIN,
    logFile: path.join(work, 'witness.log'),
    args: [`--trust=${trust}`],
  });
  handle.key = readFileSync(path.join(dataDir, 'keys', 'witness.vkey'), 'utf8').trim();
  handle.name = handle.key.split('+')[0];
  return handle;
}

// Waits (20 s at most) until the archive's latest checkpoint carries a cosignature line by
// `witnessName`, so that the page, which reads the same checkpoint, sees it.
async function awaitCosigned(archive, witnessName) {
  const url = `http://127.0.0.1:${archive.httpPort}/log/checkpoint`;
  let note = '';
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    note = await fetch(url).then((response) => response.text()).catch(() => '');
    if (note.includes(`\n\u2014 ${witnessName} `)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the witness did not cosign within 20 s; the checkpoint:\n${note}\narchived's log (the witness collector warns there):\n${tail(archive.logFile)}`);
}

function archivedArgs() {
  return options.web_root ? [`--web_root=${options.web_root}`] : [];
}

function startArchiveWithFreePorts(work, args) {
  return startWithFreePorts({
    binary: options.archived,
    dataDir: path.join(work, 'data'),
    origin: ORIGIN,
    logFile: path.join(work, 'archived.log'),
    args: [...archivedArgs(), ...args],
  });
}

// A port found free can be taken before archived binds it (tests run in parallel):
// try again with others.
async function startWithFreePorts(settings) {
  let lastError;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await startArchived({ ...settings, grpcPort: await freePort(), httpPort: await freePort() });
    } catch (error) {
      lastError = error;
      if (!/address already in use|bind|Failed to/i.test(String(error.message))) throw error;
    }
  }
  throw lastError;
}

// The same origin, key and addresses, but the log of the backup: to a browser that saw
// the log grow, the archive has rolled back.
async function restoreOlderArchive(work, archive, backupDir) {
  await stopArchived(archive);
  const dataDir = path.join(work, 'restored');
  mkdirSync(dataDir);
  cpSync(path.join(work, 'data', 'keys'), path.join(dataDir, 'keys'), { recursive: true });
  let lastError;
  // The HTTP port must be the same one (the browser's memory is per web origin); it may
  // take a moment to be free again after the first archived let it go.
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      return await startArchived({
        binary: options.archived,
        dataDir,
        origin: ORIGIN,
        grpcPort: archive.grpcPort,
        httpPort: archive.httpPort,
        logFile: path.join(work, 'restored.log'),
        args: [`--restore_from=${backupDir}`, ...archivedArgs()],
      });
    } catch (error) {
      lastError = error;
      rmSync(dataDir, { recursive: true, force: true });
      mkdirSync(dataDir);
      cpSync(path.join(work, 'data', 'keys'), path.join(dataDir, 'keys'), { recursive: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw lastError;
}

// --- The browser ---------------------------------------------------------------------------

async function launchBrowser() {
  return puppeteer.launch({
    executablePath: options.chromium,
    headless: true,
    args: ['--no-sandbox', '--lang=zh-CN', '--font-render-hinting=none'],
    env: { ...process.env, TZ: 'Asia/Shanghai', LANG: 'zh_CN.UTF-8' },
  });
}

async function newPage(browser, pageErrors) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) {
      pageErrors.push(`${page.url()}: console: ${message.text()}`);
    }
  });
  return page;
}

// Waits for the verification to end; returns {state, failedStep, text}.
async function verificationOutcome(page) {
  const panel = await page.waitForSelector('#verification', { timeout: 15_000 }).catch(() => null);
  if (!panel) {
    const body = await page.$eval('body', (element) => element.innerText).catch(() => '');
    throw new TestFailure(`no #verification on ${page.url()}: ${body.slice(0, 300)}`);
  }
  await page.waitForFunction(
    () => {
      const element = document.getElementById('verification');
      return element && element.dataset.state && element.dataset.state !== 'pending';
    },
    { timeout: VERIFICATION_TIMEOUT_MS },
  );
  return page.$eval('#verification', (element) => ({
    state: element.dataset.state,
    failedStep: element.dataset.failedStep ?? '',
    text: element.innerText,
  }));
}

function expectVerified(outcome) {
  expect(outcome.state === 'verified', `data-state="${outcome.state}" (failed step ${outcome.failedStep}):\n${outcome.text}`);
}

// The top of a long page (title, facts, the verification, relations, downloads, the
// start of the text): what a README can show at a glance.
const SCREENSHOT_HEIGHT = 1500;

async function screenshotTop(page, file) {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.screenshot({
    path: file,
    captureBeyondViewport: true,
    clip: { x: 0, y: 0, width: 1200, height: Math.min(height, SCREENSHOT_HEIGHT) },
  });
}

const documentUrl = (base, id) => `${base}/doc/${encodeURIComponent(id)}`;

// The witnesses the page lists: [{name, state}].
function witnessList(page) {
  return page.$$eval('#witness-list li[data-witness]', (items) =>
    items.map((item) => ({ name: item.dataset.witness, state: item.dataset.state })),
  );
}

// Types `text` into the page's witness policy form and uses it; waits until the status
// line says `state` ("active": stored; "invalid": refused).
async function givePolicy(page, text, state) {
  const open = await page.$eval('#witness-policy', (details) => details.open);
  if (!open) await page.click('#witness-policy summary');
  await page.$eval('#witness-policy-text', (area) => (area.value = ''));
  await page.type('#witness-policy-text', text);
  await page.$eval('#witness-policy-status', (status) => delete status.dataset.state);
  await page.click('#witness-policy-save');
  await page.waitForSelector(`#witness-policy-status[data-state="${state}"]`, { timeout: 10_000 });
}

// --- The checks ----------------------------------------------------------------------------

async function run(work) {
  const setup = await setUpArchive(work);
  let archive = setup.archive;
  const base = `http://127.0.0.1:${archive.httpPort}`;
  const pageErrors = [];
  let browser;
  let proxy;
  try {
    browser = await launchBrowser();
    const page = await newPage(browser, pageErrors);
    mkdirSync(options.screenshots, { recursive: true });

    await check('(a) the search page finds a document by a Chinese phrase and shows a snippet', async () => {
      await page.goto(`${base}/`, { waitUntil: 'networkidle0' });
      expect((await page.title()) === '政策文件档案库', `title ${await page.title()}`);
      await page.type('#q', SEARCH_PHRASE);
      await Promise.all([page.waitForNavigation(), page.click('#search-form button[type="submit"]')]);
      await page.waitForSelector(`#results-list li[data-document-id="${CORRECTED_DOCUMENT}"]`, { timeout: 30_000 });
      const hit = await page.$eval(`#results-list li[data-document-id="${CORRECTED_DOCUMENT}"]`, (item) => ({
        marks: [...item.querySelectorAll('.snippet mark')].map((mark) => mark.textContent),
        snippet: item.querySelector('.snippet')?.textContent ?? '',
        title: item.querySelector('h3 a')?.textContent ?? '',
        href: item.querySelector('h3 a')?.getAttribute('href') ?? '',
      }));
      expect(hit.marks.includes(SEARCH_PHRASE), `no <mark>${SEARCH_PHRASE}</mark> in the snippet "${hit.snippet}"`);
      expect(hit.title === setup.manifest.get(CORRECTED_DOCUMENT).title, `title "${hit.title}"`);
      expect(hit.href === `/doc/${CORRECTED_DOCUMENT}`, `link ${hit.href}`);
      const others = await page.$$eval('#results-list li', (items) => items.length);
      expect(others === 1, `${others} results; the phrase is in one document`);
      await page.screenshot({ path: path.join(options.screenshots, 'search.png') });
    });

    await check('(b) its page shows the title and is verified in the browser', async () => {
      await Promise.all([page.waitForNavigation(), page.click(`#results-list li[data-document-id="${CORRECTED_DOCUMENT}"] h3 a`)]);
      const outcome = await verificationOutcome(page);
      expectVerified(outcome);
      const title = await page.$eval('#document-title', (element) => element.textContent);
      expect(title === setup.manifest.get(CORRECTED_DOCUMENT).title, `title "${title}"`);
      for (const words of ['内容摘要', '声明签名', '检查点签名', '包含', ORIGIN]) {
        expect(outcome.text.includes(words), `the verification does not say "${words}":\n${outcome.text}`);
      }
      const status = await page.$eval('#document-status', (element) => element.textContent.trim());
      expect(status === '已废止', `status badge "${status}"`);
      const relation = await page.$eval('#relations a', (link) => link.getAttribute('href')).catch(() => '');
      expect(relation === `/doc/${RELATED_DOCUMENT}`, `relation link "${relation}"`);
      const history = await page.$$eval('#history > li', (items) => items.map((item) => item.dataset.revision));
      const { raw, clean, repealed } = setup.revisions;
      expect(JSON.stringify(history) === JSON.stringify([repealed, clean, raw]), `history ${history}`);
      // The default diff: the raw text against the corrected one (the repeal kept the bytes).
      await page.waitForSelector('#diff del', { timeout: 30_000 });
      const deleted = await page.$$eval('#diff del', (marks) => marks.map((mark) => mark.textContent).join(''));
      expect(deleted.includes('广西壮族自治区'), `the diff does not delete the page header: "${deleted.slice(0, 80)}"`);
      const text = await page.$eval('#document-text', (element) => element.textContent);
      expect(text.includes(SEARCH_PHRASE), 'the document text is not shown');
      const cosigners = await witnessList(page);
      expect(
        cosigners.length === 1 && cosigners[0].name === setup.witness.name && cosigners[0].state === 'unchecked',
        `the witness list without a policy: ${JSON.stringify(cosigners)}`,
      );
      expect(/见证人联署/.test(outcome.text) && outcome.text.includes(setup.witness.name), `the witnesses step:\n${outcome.text}`);
      await screenshotTop(page, path.join(options.screenshots, 'doc.png'));
    });

    await check('(b) the language toggle switches to English and back, and is remembered', async () => {
      await page.click('#language-toggle');
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      const english = await page.$eval('#verification-summary', (element) => element.textContent);
      expect(/^Verified/.test(english), `summary in English: "${english}"`);
      await page.reload({ waitUntil: 'networkidle0' });
      expect((await page.$eval('html', (element) => element.lang)) === 'en', 'English not remembered');
      expectVerified(await verificationOutcome(page));
      await page.click('#language-toggle');
      await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    });

    await check('(b) an id with "/" and Chinese travels percent-encoded and verifies', async () => {
      await page.goto(documentUrl(base, ENCODED_ID), { waitUntil: 'domcontentloaded' });
      expectVerified(await verificationOutcome(page));
      const title = await page.$eval('#document-title', (element) => element.textContent);
      expect(title === setup.manifest.get(ENCODED_SAMPLE).title, `title "${title}"`);
    });

    await check('(w) with a witness policy whose quorum is met the page verifies, the cosignature verified', async () => {
      await page.goto(documentUrl(base, CORRECTED_DOCUMENT), { waitUntil: 'domcontentloaded' });
      expectVerified(await verificationOutcome(page));
      await givePolicy(page, `# 见证策略\nwitness ${setup.witness.key}\nquorum 1\n`, 'active');
      await page.reload({ waitUntil: 'domcontentloaded' });
      const outcome = await verificationOutcome(page);
      expectVerified(outcome);
      const cosigners = await witnessList(page);
      expect(
        cosigners.length === 1 && cosigners[0].name === setup.witness.name && cosigners[0].state === 'verified',
        `the witness list: ${JSON.stringify(cosigners)}`,
      );
      expect(/有效联署/.test(outcome.text), `the witnesses step does not say the quorum is met:\n${outcome.text}`);
      await page.click('#witness-policy summary'); // the screenshot shows the policy too
      const panel = await page.$('#verification');
      await panel.screenshot({ path: path.join(options.screenshots, 'witnesses.png') });
    });

    await check('(w) a policy that also requires a witness that did not cosign fails, naming it', async () => {
      // A witness that never cosigned anything here: a fresh key.
      const stranger = generateCosigner('stranger.archive.test/witness').verifierKey;
      await givePolicy(page, `witness ${setup.witness.key}\nwitness ${stranger}\nquorum 2\n`, 'active');
      await page.reload({ waitUntil: 'domcontentloaded' });
      const outcome = await verificationOutcome(page);
      expect(outcome.state === 'failed', `data-state="${outcome.state}":\n${outcome.text}`);
      expect(outcome.failedStep === 'witnesses', `failed step "${outcome.failedStep}":\n${outcome.text}`);
      expect(/缺少：stranger\.archive\.test\/witness/.test(outcome.text), `the failure does not name the missing witness:\n${outcome.text}`);
      const states = Object.fromEntries((await witnessList(page)).map((c) => [c.name, c.state]));
      expect(
        states[setup.witness.name] === 'verified' && states['stranger.archive.test/witness'] === 'missing',
        `the witness list: ${JSON.stringify(states)}`,
      );
    });

    await check('(w) an invalid policy is refused and the one before stays; forgetting it verifies again', async () => {
      await givePolicy(page, `witness ${setup.witness.key}\nquorum 2\n`, 'invalid');
      const status = await page.$eval('#witness-policy-status', (element) => element.textContent);
      expect(/quorum 2/.test(status), `the refusal does not say why: "${status}"`);
      await page.reload({ waitUntil: 'domcontentloaded' });
      expect((await verificationOutcome(page)).failedStep === 'witnesses', 'the previous policy was not kept');
      await page.click('#witness-policy summary');
      await page.click('#witness-policy-clear');
      await page.waitForSelector('#witness-policy-status[data-state="inactive"]', { timeout: 10_000 });
      await page.reload({ waitUntil: 'domcontentloaded' });
      expectVerified(await verificationOutcome(page));
    });

    await check('(c) through a byte-flipping proxy the page fails, naming the digest', async () => {
      proxy = await startFlipProxy({ targetPort: archive.httpPort });
      const proxied = await newPage(browser, pageErrors);
      await proxied.goto(documentUrl(`http://127.0.0.1:${proxy.port}`, CORRECTED_DOCUMENT), { waitUntil: 'domcontentloaded' });
      const outcome = await verificationOutcome(proxied);
      expect(proxy.flipped > 0, 'the proxy damaged no content');
      expect(outcome.state === 'failed', `data-state="${outcome.state}":\n${outcome.text}`);
      expect(outcome.failedStep === 'digest', `failed step "${outcome.failedStep}":\n${outcome.text}`);
      expect(/内容摘要不符/.test(outcome.text) && /SHA-256/.test(outcome.text), `the failure does not name the digest:\n${outcome.text}`);
      await proxied.close();
    });

    await check('(d) a rolled-back log is caught on the next visit', async () => {
      // This browser has seen the grown log (all puts above); the backup holds one entry.
      await page.goto(documentUrl(base, EARLY_DOCUMENT), { waitUntil: 'domcontentloaded' });
      expectVerified(await verificationOutcome(page));
      archive = await restoreOlderArchive(work, archive, setup.backupDir);
      await page.goto(documentUrl(base, EARLY_DOCUMENT), { waitUntil: 'domcontentloaded' });
      const outcome = await verificationOutcome(page);
      expect(outcome.state === 'failed', `data-state="${outcome.state}":\n${outcome.text}`);
      expect(outcome.failedStep === 'consistency', `failed step "${outcome.failedStep}":\n${outcome.text}`);
      expect(/回滚/.test(outcome.text), `the failure does not say rolled back:\n${outcome.text}`);
    });

    await check('no script errors in any page', async () => {
      expect(pageErrors.length === 0, pageErrors.join('\n'));
    });
  } finally {
    await browser?.close().catch(() => {});
    await proxy?.close().catch(() => {});
    await stopArchived(archive).catch(() => {});
    await stopArchived(setup.witness).catch(() => {});
  }
}

async function main() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'web-view-test-'));
  let crashed = false;
  try {
    await run(work);
  } catch (error) {
    crashed = true;
    console.log(`FAIL  the test could not run: ${error?.stack ?? error}`);
    console.log(`archived's log:\n${tail(path.join(work, 'archived.log'))}`);
  } finally {
    await stopAll();
  }
  const failed = results.filter((result) => !result.ok).length + (crashed ? 1 : 0);
  const passed = results.filter((result) => result.ok).length;
  if (failed || options.keep) console.log(`kept ${work} (archived.log, restored.log, data)`);
  else rmSync(work, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
