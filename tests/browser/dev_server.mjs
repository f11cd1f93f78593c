#!/usr/bin/env node
// A stand-in for archived's HTTP listener, for working on the web view without a build:
// serves services/web/assets as archived does (/ and /doc/<id> → index.html, /static/<file>)
// and the /api/v1 routes from an in-memory FakeArchive filled with sample documents.
// Development only: the browser test runs the real archived.
//
//   node tests/browser/dev_server.mjs [--port 8088] [--samples DIR]
//
// Then open http://127.0.0.1:8088/. Loopback is a secure context, so WebCrypto works.

import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FakeArchive, cosignatureLine, generateCosigner, noteText } from './fake_archive.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const { values: options } = parseArgs({
  options: {
    port: { type: 'string', default: '8088' },
    samples: { type: 'string', default: path.join(root, 'samples') },
    assets: { type: 'string', default: path.join(root, 'services/web/assets') },
  },
});

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

async function sampleArchive() {
  const archive = await FakeArchive.create('dev.archive.local');
  const sample = (kind, id) => readFile(path.join(options.samples, kind, `${id}.txt`));
  const guangxi = { region: '广西', issuer: '广西壮族自治区人民政府办公厅' };
  await archive.put('gx-2020-guizhengbanfa-70', await sample('raw', 'gx-2020-guizhengbanfa-70'), {
    ...guangxi, title: '加快广西数字经济发展的若干措施', number: '桂政办发〔2020〕70号', date: '2020-09-01', note: '初次归档',
  });
  await archive.put('gx-2020-guizhengbanfa-70', await sample('clean', 'gx-2020-guizhengbanfa-70'), {
    ...guangxi, title: '加快广西数字经济发展的若干措施', number: '桂政办发〔2020〕70号', date: '2020-09-01', note: '校对后的文本',
  });
  await archive.put('gx-2022-guizhengfa-31', await sample('clean', 'gx-2022-guizhengfa-31'), {
    region: '广西', issuer: '广西壮族自治区人民政府', title: '广西壮族自治区人民政府关于加强数字政府建设的实施意见',
    number: '桂政发〔2022〕31号', date: '2022-11-30',
  });
  await archive.put('gx-2020-guizhengbanfa-70', await sample('clean', 'gx-2020-guizhengbanfa-70'), {
    ...guangxi, title: '加快广西数字经济发展的若干措施', number: '桂政办发〔2020〕70号', date: '2020-09-01',
    status: 'repealed', note: '废止', relations: [{ kind: 'repealed-by', document_id: 'gx-2022-guizhengfa-31' }],
  });
  await archive.put('bj/ai-innovation 2023', await sample('clean', 'bj-ai-innovation-2023'), {
    region: '北京', issuer: '北京市人民政府', title: '北京市加快建设具有全球影响力的人工智能创新策源地实施方案（2023—2025年）',
  });
  // One witness cosigns every checkpoint served; its key is printed for a policy.
  archive.witness = generateCosigner('dev-witness.archive.local/witness');
  archive.cosigners.push((note) => cosignatureLine(noteText(note), archive.witness, Math.floor(Date.now() / 1000)));
  return archive;
}

async function serveFile(response, file) {
  try {
    const body = await readFile(file);
    response.writeHead(200, { 'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' });
    response.end(body);
  } catch {
    response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
  }
}

const archive = await sampleArchive();
const server = http.createServer(async (request, response) => {
  const url = new URL(request.url, 'http://localhost');
  if (url.pathname === '/' || url.pathname.startsWith('/doc/')) {
    return serveFile(response, path.join(options.assets, 'index.html'));
  }
  if (url.pathname.startsWith('/static/')) {
    return serveFile(response, path.join(options.assets, path.basename(url.pathname)));
  }
  const answer = await archive.answer(request.url);
  if (answer.bytes) {
    response.writeHead(answer.status, { 'Content-Type': answer.contentType });
    return response.end(Buffer.from(answer.bytes));
  }
  response.writeHead(answer.status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(answer.json));
});
server.listen(Number(options.port), '127.0.0.1', () => {
  console.log(`dev server on http://127.0.0.1:${server.address().port}/ (archive ${archive.origin})`);
  console.log(`its witness: witness ${archive.witness.verifierKey}`);
});
